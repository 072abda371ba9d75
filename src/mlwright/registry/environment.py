"""The library versions a model was built with, and how they differ from the installed ones."""

from __future__ import annotations

import contextlib
import platform
from importlib.metadata import PackageNotFoundError, version
from typing import Any

# The libraries whose version decides whether a saved model loads and predicts the same.
LIBRARIES = (
    "mlwright",
    "scikit-learn",
    "lightgbm",
    "skops",
    "optuna",
    "numpy",
    "pandas",
    "duckdb",
)


def library_versions() -> dict[str, str]:
    """The installed version of each library of ``LIBRARIES`` (those installed)."""
    found = {}
    for name in LIBRARIES:
        with contextlib.suppress(PackageNotFoundError):
            found[name] = version(name)
    return found


def environment() -> dict[str, Any]:
    """Python, platform and library versions, as recorded in a model package."""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "libraries": library_versions(),
    }


def version_differences(recorded: dict[str, str]) -> list[str]:
    """``name recorded -> installed`` for each recorded library whose version changed."""
    installed = library_versions()
    return [
        f"{name} {was} -> {installed.get(name, 'not installed')}"
        for name, was in sorted(recorded.items())
        if installed.get(name) != was
    ]
