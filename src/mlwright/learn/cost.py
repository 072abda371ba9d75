"""Business costs of errors, and the decision threshold that minimises their expected value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlwright.core.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np

_KEYS = ("fp", "fn", "tp", "tn")


@dataclass(frozen=True, slots=True)
class CostMatrix:
    """The cost of each outcome of a binary decision, in the user's units (e.g. dollars)."""

    fp: float = 0.0
    fn: float = 0.0
    tp: float = 0.0
    tn: float = 0.0

    @classmethod
    def parse(cls, text: str) -> CostMatrix:
        """Read ``fp=1,fn=5`` (any of fp, fn, tp, tn; the others cost 0)."""
        values: dict[str, float] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, sep, number = part.partition("=")
            key = key.strip().lower()
            if not sep or key not in _KEYS:
                msg = f"cannot read cost {part!r} in {text!r}"
                raise ConfigError(msg, hint="write e.g. --cost fp=1,fn=5 (keys: fp, fn, tp, tn)")
            try:
                values[key] = float(number)
            except ValueError:
                msg = f"cost {key}={number!r} is not a number"
                raise ConfigError(msg, hint="write e.g. --cost fp=1,fn=5") from None
        if not values:
            msg = f"no costs in {text!r}"
            raise ConfigError(msg, hint="write e.g. --cost fp=1,fn=5")
        return cls(**values)

    def to_dict(self) -> dict[str, float]:
        """A JSON-ready mapping."""
        return {"fp": self.fp, "fn": self.fn, "tp": self.tp, "tn": self.tn}


def best_threshold(y: np.ndarray, p_positive: np.ndarray, cost: CostMatrix) -> tuple[float, float]:
    """The threshold on P(positive) with the least mean cost per row, and that cost.

    Every distinct probability is a candidate (predict positive when ``p >= threshold``), and
    all are scored at once from cumulative counts, so this is one sort, not a loop.
    """
    import numpy as np

    order = np.argsort(-p_positive, kind="stable")
    p_sorted = p_positive[order]
    positive = (y[order] == 1).astype(float)
    # Predicting the top k rows positive: true positives and false positives among them.
    tp = np.concatenate([[0.0], np.cumsum(positive)])
    fp = np.concatenate([[0.0], np.cumsum(1 - positive)])
    n_pos, n = positive.sum(), len(positive)
    fn = n_pos - tp
    tn = (n - n_pos) - fp
    total = cost.tp * tp + cost.fp * fp + cost.fn * fn + cost.tn * tn
    # Only cut between distinct probabilities: k rows positive means p >= p_sorted[k-1].
    valid = np.ones(n + 1, dtype=bool)
    valid[1:n] = p_sorted[1:] != p_sorted[:-1]
    k = int(np.flatnonzero(valid)[np.argmin(total[valid])])
    threshold = 1.0 + 1e-12 if k == 0 else float(p_sorted[k - 1])
    return threshold, float(total[k] / n)


def expected_cost(
    y: np.ndarray, p_positive: np.ndarray, cost: CostMatrix, threshold: float
) -> float:
    """The mean cost per row of deciding positive when ``p >= threshold``."""
    import numpy as np

    decide = p_positive >= threshold
    truth = y == 1
    total = (
        cost.tp * np.sum(decide & truth)
        + cost.fp * np.sum(decide & ~truth)
        + cost.fn * np.sum(~decide & truth)
        + cost.tn * np.sum(~decide & ~truth)
    )
    return float(total / len(y))
