"""The workspace a command works on, built from the global options."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    import typer

    from mlwright.workspace import Workspace


@dataclass(frozen=True, slots=True)
class GlobalOptions:
    """Options given before the command name."""

    workspace: Path | None = None
    store_uri: str | None = None
    debug: bool = False


@contextmanager
def workspace_from(ctx: typer.Context) -> Iterator[Workspace]:
    """Open the workspace the global options name, and close it afterwards."""
    from mlwright.workspace import Workspace

    options = ctx.find_root().obj or GlobalOptions()
    ws = Workspace(options.workspace, store_uri=options.store_uri)
    try:
        yield ws
    finally:
        ws.close()
