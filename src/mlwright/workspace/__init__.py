"""The Python API facade: a ``Workspace`` over the stores, and the handles it gives out.

``facade.py`` holds the ``Workspace`` itself and ``load_model``; ``training.py`` runs a
training job against the stores; ``run.py`` is the ``Run`` handle; ``models.py`` registers,
loads and exports model versions; ``gc.py`` cleans up what nothing needs any more.
"""

from __future__ import annotations

from mlwright.workspace.facade import IngestResult, Workspace, load_model
from mlwright.workspace.run import Run

__all__ = ["IngestResult", "Run", "Workspace", "load_model"]
