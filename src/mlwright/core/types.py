"""Protocols and aliases shared across layers."""

from __future__ import annotations

from typing import Protocol


class ProgressCallback(Protocol):
    """Receives progress of long work; only the CLI turns it into a progress display.

    ``stage`` names the step in a few words; ``fraction`` is the share done (0..1) when known.
    """

    def __call__(self, stage: str, fraction: float | None = None) -> None:
        """Report that work reached ``stage``."""


def ignore_progress(stage: str, fraction: float | None = None) -> None:
    """Drop progress reports; the default callback of the Python API."""
