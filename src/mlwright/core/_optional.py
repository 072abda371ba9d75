"""Import optional dependencies with an error that names the extra to install."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from mlwright.core.errors import MissingDependencyError

if TYPE_CHECKING:
    from types import ModuleType


def import_optional(module: str, *, extra: str) -> ModuleType:
    """Import ``module``, or raise :class:`MissingDependencyError` naming the extra.

    Parameters
    ----------
    module
        The importable module name, e.g. ``"psycopg"``.
    extra
        The mlwright extra that installs it, e.g. ``"postgres"``.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        msg = f"{module!r} is not installed"
        hint = f"install it with: pip install 'mlwright[{extra}]'"
        raise MissingDependencyError(msg, hint=hint, module=module, extra=extra) from exc
