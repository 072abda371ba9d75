"""Robustness under distribution shift: how much a model's metric falls on simulated shifts.

Before deployment, a model can be judged on data that moved. From labelled rows, each
scenario builds a shifted version and scores the model on it:

- covariate shift along an important numeric feature: rows re-weighted by
  ``exp(strength * z)`` (``z`` the feature standardised), so that the data leans towards
  its high values, then towards its low values (``strength`` 1: the mean moves by about one
  standard deviation);
- noise: Gaussian noise of a quarter of each numeric feature's standard deviation;
- missing values: a fifth of the values of every feature set missing;
- unseen categories: a fifth of the values of every categorical feature replaced by a
  category the model never saw.

Each scenario reports the metric, its change from the unshifted data, and whether that is a
fall. Everything is seeded.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from mlwright.registry.loaded import LoadedModel

STRENGTH = 1.0
NOISE_SD = 0.25
MISSING_SHARE = 0.2
UNSEEN_SHARE = 0.2
UNSEEN = "(never seen)"
# Numeric features shifted one by one: the most important ones.
TOP_FEATURES = 3


@dataclass(frozen=True, slots=True)
class ShiftResult:
    """The metric on one shifted version of the data."""

    scenario: str
    metric: str
    value: float
    baseline: float
    change: float
    worse: bool

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for JSON."""
        return asdict(self)


def shift_scenarios(
    model: LoadedModel,
    frame: pd.DataFrame,
    truth: np.ndarray,
    metric: Any,
    important: list[str],
    seed: int = 0,
) -> list[ShiftResult]:
    """Score ``model`` on shifted versions of ``frame`` (its input columns), worst first."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    threshold = float(getattr(model.model, "threshold", 0.5) or 0.5)

    def score(rows: pd.DataFrame, weights: np.ndarray | None = None) -> float:
        output = model.output(model.prepare(rows, warn_extra=False))
        if weights is None:
            return float(metric.score(truth, output, threshold))
        # A weighted metric through a weighted resample: the metrics take no weights.
        picked = rng.choice(len(rows), size=len(rows), p=weights / weights.sum())
        return float(metric.score(truth[picked], output[picked], threshold))

    baseline = score(frame)
    numeric = [
        c
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]
    # Only a categorical input can take a value never seen (a boolean or a date cannot).
    roles = {c.name: str(c.role) for c in model.info.columns}
    categorical = [c for c in frame.columns if roles.get(c) == "categorical"]
    results: list[tuple[str, float]] = []
    for column in [c for c in important if c in numeric][:TOP_FEATURES]:
        values = frame[column].to_numpy(dtype=float, na_value=np.nan)
        spread = np.nanstd(values)
        if not spread > 0:
            continue
        z = np.nan_to_num((values - np.nanmean(values)) / spread)
        for sign, word in ((1, "higher"), (-1, "lower")):
            weights = np.exp(sign * STRENGTH * z)
            results.append((f"{column} shifts {word} (about 1 sd)", score(frame, weights)))
    if numeric:
        noisy = frame.copy()
        for column in numeric:
            values = noisy[column].to_numpy(dtype=float, na_value=np.nan)
            noise = rng.normal(0, NOISE_SD * np.nanstd(values), len(values))
            noisy[column] = values + noise
        results.append((f"noise of {NOISE_SD:g} sd on every number", score(noisy)))
    holes = frame.copy()
    for column in frame.columns:
        gone = rng.random(len(frame)) < MISSING_SHARE
        if column in numeric:
            values = holes[column].to_numpy(dtype=float, na_value=np.nan, copy=True)
            values[gone] = np.nan
            holes[column] = values
        else:
            holes[column] = holes[column].astype(object).where(~gone, None)
    results.append((f"{MISSING_SHARE:.0%} of every column missing", score(holes)))
    if categorical:
        strange = frame.copy()
        for column in categorical:
            new = rng.random(len(frame)) < UNSEEN_SHARE
            strange[column] = strange[column].astype(object).where(~new, UNSEEN)
        results.append((f"{UNSEEN_SHARE:.0%} unseen categories", score(strange)))
    found = []
    for scenario, value in results:
        change = value - baseline
        worse = change < 0 if metric.greater_is_better else change > 0
        found.append(ShiftResult(scenario, metric.name, value, baseline, change, worse))
    sign = 1 if metric.greater_is_better else -1
    found.sort(key=lambda r: sign * r.change)
    return found
