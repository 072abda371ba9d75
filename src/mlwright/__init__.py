"""mlwright: the work of a machine-learning engineer, end to end.

Only the public API lives here, loaded lazily so that ``import mlwright`` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Dataset", "Settings", "Workspace", "__version__", "load_model"]

_LAZY = {
    "Workspace": "mlwright.workspace",
    "Dataset": "mlwright.data.dataset",
    "Settings": "mlwright.core.config",
    "load_model": "mlwright.workspace",
}

if TYPE_CHECKING:
    from mlwright.core.config import Settings
    from mlwright.data.dataset import Dataset
    from mlwright.workspace import Workspace, load_model


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    msg = f"module 'mlwright' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted(__all__)
