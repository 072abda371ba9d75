"""Objects that run code when they are loaded: what a forged model package would carry.

Each creates the file it is given when unpickled or rebuilt, so that a test can prove the
loader refused the payload before running it (the file does not exist afterwards), and that
the payload is live (the file does exist once it is loaded on purpose).
"""

from __future__ import annotations

import pathlib
from typing import Any


class TouchOnUnpickle:
    """Pickles as a call of ``Path.touch(marker)``: unpickling it creates ``marker``."""

    def __init__(self, marker: pathlib.Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (pathlib.Path.touch, (self.marker,))


class TouchOnRebuild:
    """Creates its marker file when rebuilt from saved state (``__setstate__``) or built."""

    def __init__(self, marker: str) -> None:
        self.marker = marker
        pathlib.Path(marker).touch()

    def __getstate__(self) -> dict[str, Any]:
        return {"marker": self.marker}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.marker = state["marker"]
        pathlib.Path(self.marker).touch()
