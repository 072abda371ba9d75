"""DuckDB connections bounded in memory and threads, and SQL quoting."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path


def connect(*, memory_mb: int = 1024, threads: int = 0, spill_dir: Path | None = None) -> Any:
    """An in-memory DuckDB connection that spills to ``spill_dir`` beyond ``memory_mb``.

    ``threads=0`` lets DuckDB use one thread per core.
    """
    import duckdb

    config: dict[str, Any] = {"memory_limit": f"{memory_mb}MB"}
    if threads:
        config["threads"] = threads
    if spill_dir is not None:
        spill_dir.mkdir(parents=True, exist_ok=True)
        config["temp_directory"] = str(spill_dir)
    # No extension may be fetched at run time: everything mlwright needs is built in.
    config["autoinstall_known_extensions"] = False
    config["autoload_known_extensions"] = False
    return duckdb.connect(":memory:", config=config)


def ident(name: str) -> str:
    """Quote a column name for DuckDB SQL."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """Quote a string literal for DuckDB SQL."""
    return "'" + value.replace("'", "''") + "'"


def path_list(paths: list[Path] | tuple[Path, ...]) -> str:
    """A DuckDB list literal of file paths."""
    return "[" + ", ".join(literal(str(p)) for p in paths) + "]"
