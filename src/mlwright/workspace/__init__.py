"""The Python API facade: a ``Workspace`` over the stores, and the handles it gives out.

``facade.py`` holds the ``Workspace`` itself; ``training.py`` runs a training job against the
stores; ``run.py`` is the ``Run`` handle.
"""

from __future__ import annotations

from mlwright.workspace.facade import IngestResult, Workspace
from mlwright.workspace.run import Run

__all__ = ["IngestResult", "Run", "Workspace"]
