"""`import mlwright` and `mlwright --help` load no heavy library (timings live in benchmarks/)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("duckdb", "pandas", "pyarrow", "sqlalchemy", "sklearn", "numpy", "pydantic", "alembic")


def loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return {name.split(".")[0] for name in json.loads(out.stdout.splitlines()[-1])}


def test_import_mlwright_loads_no_heavy_library() -> None:
    loaded = loaded_after("import mlwright")
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_cli_help_loads_no_heavy_library() -> None:
    code = (
        "import sys\nsys.argv = ['mlwright', '--help']\n"
        "from mlwright.cli.main import app\n"
        "try:\n    app()\nexcept SystemExit:\n    pass"
    )
    loaded = loaded_after(code)
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_public_names_resolve_lazily() -> None:
    import mlwright

    assert mlwright.Workspace.__name__ == "Workspace"
    assert set(mlwright.__all__) <= set(dir(mlwright))
