"""Drift no single column shows, found by a classifier telling current rows from reference.

A small LightGBM model learns to separate a sample of reference rows from a sample of
current rows; its cross-validated ROC AUC is 0.5 when they cannot be told apart. The AUC is
tested against its spread under no drift (Mann-Whitney: variance ``(n1 + n2 + 1) /
(12 n1 n2)``) and must also reach ``min_auc`` to count, so that a large sample does not turn
a negligible difference into an alarm. The columns it relied on most say where to look.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

SAMPLE_ROWS = 10_000
FOLDS = 3


@dataclass(frozen=True, slots=True)
class DomainCheck:
    """The classifier's cross-validated AUC, its p-value, the verdict and its top columns."""

    auc: float
    p_value: float
    drifted: bool
    n_reference: int
    n_current: int
    top_columns: list[str]

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for JSON."""
        return asdict(self)


def domain_check(
    reference: dict[str, np.ndarray],
    current: dict[str, np.ndarray],
    *,
    alpha: float = 0.01,
    min_auc: float = 0.55,
    seed: int = 0,
) -> DomainCheck:
    """Tell ``current`` rows from ``reference`` rows; each maps column -> numeric codes.

    Categories must come as numeric codes shared by both sides (e.g. the bin of each value
    from :mod:`mlwright.monitor.binning`), missing values as NaN.
    """
    import lightgbm as lgb
    import numpy as np
    from scipy import stats
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    names = list(reference)
    rng = np.random.default_rng(seed)
    ref = _sample(np.column_stack([reference[c] for c in names]), rng)
    cur = _sample(np.column_stack([current[c] for c in names]), rng)
    x = np.vstack([ref, cur])
    y = np.concatenate([np.zeros(len(ref)), np.ones(len(cur))])
    scores = np.zeros(len(y))
    gains = np.zeros(len(names))
    for train, test in StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(x, y):
        model = lgb.LGBMClassifier(
            n_estimators=100,
            learning_rate=0.1,
            num_leaves=15,
            min_child_samples=50,
            n_jobs=1,
            random_state=seed,
            deterministic=True,
            verbose=-1,
        )
        model.fit(x[train], y[train])
        scores[test] = np.asarray(model.predict_proba(x[test]))[:, 1]
        gains += model.booster_.feature_importance(importance_type="gain")
    auc = float(roc_auc_score(y, scores))
    n1, n2 = len(ref), len(cur)
    spread = math.sqrt((n1 + n2 + 1) / (12 * n1 * n2))
    p_value = float(stats.norm.sf((auc - 0.5) / spread))
    order = np.argsort(-gains)
    top = [names[i] for i in order[:5] if gains[i] > 0]
    return DomainCheck(
        auc=auc,
        p_value=p_value,
        drifted=p_value < alpha and auc >= min_auc,
        n_reference=n1,
        n_current=n2,
        top_columns=top,
    )


def _sample(matrix: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if len(matrix) <= SAMPLE_ROWS:
        return matrix
    return matrix[rng.choice(len(matrix), SAMPLE_ROWS, replace=False)]
