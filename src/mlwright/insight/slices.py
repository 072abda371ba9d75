"""Where a model fails: data slices, as readable rules, on which it does significantly worse.

Every row carries a loss (a classifier's error, 0 or 1; a regressor's absolute error).
Candidate slices (1% to half of the rows, at least 30) are single conditions (a numeric
column in one of its quintile ranges, or below/above a quintile; a category level; a missing
value) and conjunctions of two of the worst single ones on different columns. A slice
counts when its mean loss is above the rest's by a one-sided Welch test that survives the
Benjamini-Hochberg correction over every candidate tried, and (for a pair) it does
significantly worse than the other rows of each of its halves.
Slices are ranked by significance (the test's z weighs their size and their effect
together); of slices on the same columns that share most of their rows, the best one stays.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from itertools import combinations
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

QUANTILES = (0.2, 0.4, 0.6, 0.8)
MAX_LEVELS = 20
MIN_ROWS = 30
MIN_SHARE = 0.01
# A slice holding more than this share of the rows is no weak segment but most of the data.
MAX_SHARE = 0.5
PAIR_PARENTS = 30
Z95 = 1.959964


@dataclass(frozen=True, slots=True)
class Condition:
    """One test on one column: ``column op value`` (op: <, >=, between, =, missing)."""

    column: str
    op: str
    value: Any = None
    high: Any = None

    @property
    def text(self) -> str:
        """The condition as people write it."""
        if self.op == "missing":
            return f"{self.column} is missing"
        if self.op == "between":
            return f"{_num(self.value)} <= {self.column} < {_num(self.high)}"
        if self.op == "=":
            return f"{self.column} = {self.value!r}".replace("'", '"')
        return f"{self.column} {self.op} {_num(self.value)}"


@dataclass(frozen=True, slots=True)
class Slice:
    """Rows where every condition holds, and how the model does on them."""

    conditions: tuple[Condition, ...]
    n_rows: int
    loss: float
    low: float
    high: float
    rest_loss: float
    p_value: float
    excess: float

    @property
    def rule(self) -> str:
        """The slice as a rule: ``tenure < 3 and plan = "basic"``."""
        return " and ".join(c.text for c in self.conditions)

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for JSON."""
        data = asdict(self)
        data["conditions"] = [asdict(c) for c in self.conditions]
        return {"rule": self.rule, **data}


def find_slices(
    frame: pd.DataFrame,
    loss: np.ndarray,
    *,
    binary_loss: bool,
    alpha: float = 0.05,
    limit: int = 10,
) -> list[Slice]:
    """The slices of ``frame`` where ``loss`` is significantly high, worst excess first."""
    import numpy as np

    n = len(loss)
    min_rows = max(MIN_ROWS, math.ceil(MIN_SHARE * n))
    max_rows = min(n - min_rows, int(MAX_SHARE * n))
    singles = [(c, m) for c, m in _conditions(frame) if min_rows <= m.sum() <= max_rows]
    scored = [(c, m, _test(m, loss)) for c, m in singles]
    parents = sorted(scored, key=lambda s: -s[2][1])[:PAIR_PARENTS]
    couples = [(a, b) for a, b in combinations(parents, 2) if a[0].column != b[0].column]
    # The second condition must add something: worse than the rest of each half, at a
    # level corrected for the number of pairs tried.
    strict = alpha / max(1, len(couples))
    pairs = []
    for (c1, m1, _), (c2, m2, _) in couples:
        both = m1 & m2
        if not min_rows <= both.sum() <= max_rows:
            continue
        if _adds(both, m1, loss, strict) and _adds(both, m2, loss, strict):
            pairs.append(((c1, c2), both, _test(both, loss)))
    candidates = [((c,), m, t) for c, m, t in scored] + pairs
    if not candidates:
        return []
    p_values = np.array([t[2] for _, _, t in candidates])
    keep = _benjamini_hochberg(p_values, alpha)
    overall = float(loss.mean())
    found = []
    for (conditions, mask, (mean, excess, p, rest)), kept in zip(candidates, keep, strict=True):
        if not kept or mean <= overall:
            continue
        low, high = _interval(loss[mask], binary_loss)
        found.append(
            (
                Slice(conditions, int(mask.sum()), mean, low, high, rest, float(p), float(excess)),
                mask,
            )
        )
    # The most significant first (the z of the test weighs size and effect together).
    found.sort(key=lambda item: (item[0].p_value, -item[0].excess))
    return _distinct(found)[:limit]


def _conditions(frame: pd.DataFrame) -> list[tuple[Condition, np.ndarray]]:
    import numpy as np
    import pandas as pd

    found = []
    for column in frame.columns:
        values = frame[column]
        missing = values.isna().to_numpy()
        if missing.any():
            found.append((Condition(str(column), "missing"), missing))
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            numbers = values.to_numpy(dtype=float, na_value=np.nan)
            edges: Any = np.unique(np.nanquantile(numbers, QUANTILES)) if (~missing).any() else []
            with np.errstate(invalid="ignore"):
                for i, edge in enumerate(edges):
                    found.append((Condition(str(column), "<", float(edge)), numbers < edge))
                    found.append((Condition(str(column), ">=", float(edge)), numbers >= edge))
                    if i + 1 < len(edges):
                        upper = float(edges[i + 1])
                        inside = (numbers >= edge) & (numbers < upper)
                        found.append(
                            (Condition(str(column), "between", float(edge), upper), inside)
                        )
        else:
            text = values.astype("string")
            for level in text.value_counts().index[:MAX_LEVELS]:
                found.append(
                    (
                        Condition(str(column), "=", str(level)),
                        (text == level).fillna(False).to_numpy(bool),
                    )
                )
    return found


def _test(mask: np.ndarray, loss: np.ndarray) -> tuple[float, float, float, float]:
    """(slice mean, excess errors, one-sided Welch p-value, the rest's mean)."""
    from scipy import stats

    inside, outside = loss[mask], loss[~mask]
    mean, rest = float(inside.mean()), float(outside.mean())
    spread = math.sqrt(inside.var(ddof=1) / len(inside) + outside.var(ddof=1) / len(outside))
    if spread == 0:
        p = 0.0 if mean > rest else 1.0
    else:
        p = float(stats.norm.sf((mean - rest) / spread))
    return mean, len(inside) * (mean - float(loss.mean())), p, rest


def _adds(both: np.ndarray, half: np.ndarray, loss: np.ndarray, alpha: float) -> bool:
    """Whether rows in ``both`` do significantly worse than the other rows of ``half``."""
    inside = loss[half]
    mask = both[half]
    if mask.all() or mask.sum() < 2 or (~mask).sum() < 2:
        return False
    mean, _, p, rest = _test(mask, inside)
    return mean > rest and p < alpha


def _benjamini_hochberg(p_values: np.ndarray, alpha: float) -> np.ndarray:
    """Which hypotheses to reject at false-discovery rate ``alpha``."""
    import numpy as np

    m = len(p_values)
    order = np.argsort(p_values)
    passed = p_values[order] <= alpha * np.arange(1, m + 1) / m
    keep = np.zeros(m, dtype=bool)
    if passed.any():
        keep[order[: int(np.max(np.flatnonzero(passed))) + 1]] = True
    return keep


def _interval(values: np.ndarray, binary: bool) -> tuple[float, float]:
    """95% interval of a mean: Wilson for error rates, normal for absolute errors."""
    n = len(values)
    mean = float(values.mean())
    if binary:
        centre = (mean + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
        half = Z95 * math.sqrt(mean * (1 - mean) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
        return centre - half, centre + half
    half = Z95 * float(values.std(ddof=1)) / math.sqrt(n) if n > 1 else 0.0
    return mean - half, mean + half


def _distinct(ranked: list[tuple[Slice, np.ndarray]]) -> list[Slice]:
    """Each slice once: one on the same columns as a better one, mostly the same rows, goes.

    ``tenure < 24 and plan = "basic"`` is not news after ``tenure < 12 and plan = "basic"``.
    """
    kept: list[tuple[Slice, np.ndarray]] = []
    for candidate, mask in ranked:
        columns = {c.column for c in candidate.conditions}
        repeats = any(
            columns == {c.column for c in better.conditions}
            and (mask & other).sum() >= 0.5 * min(mask.sum(), other.sum())
            for better, other in kept
        )
        if not repeats:
            kept.append((candidate, mask))
    return [found for found, _ in kept]


def _num(value: float) -> str:
    return f"{value:.4g}"
