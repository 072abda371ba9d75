"""The preflight plan: estimated memory and time per stage, and how the run degrades to fit.

When the data is too large for the budget or for memory, the run degrades in this fixed
order instead of failing: (1) subsample the rows the search uses (the final model is still
refitted on every training row); (2) skip the expensive families; (3) use fewer folds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from mlwright.learn.budget import WORK_UNITS_PER_SECOND, fit_work

if TYPE_CHECKING:
    from mlwright.learn.families.base import Family

# One cross-validation of LightGBM's defaults should take at most this share of the budget.
SEARCH_CV_BUDGET_SHARE = 0.12
# A family whose cross-validation would take more than this share of the budget is skipped.
SKIP_BUDGET_SHARE = 0.35
# The final refit and evaluation are planned to take at most this share of the budget.
REFIT_BUDGET_SHARE = 0.2
MIN_SEARCH_ROWS = 2_000
FEWER_FOLDS = 3
# Bytes per cell held at once: the frame, a fold's copy and the preprocessed matrix.
BYTES_PER_CELL = 8 * 4
DEFAULT_MEMORY_MB = 6_000


@dataclass(frozen=True, slots=True)
class TrainingPlan:
    """What the run will do, decided before any fit, and why."""

    n_rows: int
    n_features: int
    search_rows: int
    n_folds: int
    families: tuple[str, ...]
    skipped: dict[str, str]
    memory_mb: float
    estimates_s: dict[str, float]
    degradations: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return asdict(self)

    def lines(self) -> list[str]:
        """The plan in a few plain sentences, for the run's notes and the terminal."""
        est = self.estimates_s
        lines = [
            f"plan: {self.n_rows:,} training rows x {self.n_features} features, "
            f"{self.n_folds}-fold CV on {self.search_rows:,} rows; "
            f"about {self.memory_mb:,.0f} MB of memory",
            f"plan: one LightGBM cross-validation about {est['lightgbm_cv']:.1f} s; "
            f"final refit and evaluation about {est['refit']:.1f} s",
            f"plan: families {', '.join(self.families)}",
        ]
        lines += [f"plan: skipping {name}: {why}" for name, why in self.skipped.items()]
        lines += [f"plan: {d}" for d in self.degradations]
        return lines


def _cv_seconds(rows: int, n_features: int, n_folds: int, cost: float = 1.0) -> float:
    fold_rows = int(rows * (n_folds - 1) / n_folds)
    return n_folds * fit_work(fold_rows, n_features, cost) / WORK_UNITS_PER_SECOND


def make_plan(
    n_rows: int,
    n_features: int,
    families: list[Family],
    *,
    budget_s: float,
    n_folds: int,
    n_classes: int = 0,
    memory_mb: float = DEFAULT_MEMORY_MB,
) -> TrainingPlan:
    """Decide the search's rows, folds and families so that the run fits its budget."""
    degradations: list[str] = []
    # LightGBM's cost on this task (boosting grows one tree per class per round).
    anchor = float(n_classes) if n_classes > 2 else 1.0
    search_rows = n_rows
    cv_cap = SEARCH_CV_BUDGET_SHARE * budget_s
    memory = n_rows * max(n_features, 1) * BYTES_PER_CELL / 1e6
    if memory > memory_mb:
        search_rows = min(n_rows, max(MIN_SEARCH_ROWS, int(n_rows * memory_mb / memory)))
    if _cv_seconds(search_rows, n_features, n_folds, anchor) > cv_cap:
        per_row = _cv_seconds(1_000_000, n_features, n_folds, anchor) / 1_000_000
        search_rows = min(n_rows, max(MIN_SEARCH_ROWS, int(cv_cap / per_row)))
    if search_rows < n_rows:
        degradations.append(
            f"(1) the search uses a sample of {search_rows:,} of {n_rows:,} rows; "
            "the final model is refitted on all of them"
        )
    skipped = {}
    for family in families:
        if family.max_rows is not None and n_rows > family.max_rows:
            skipped[family.name] = f"more than {family.max_rows:,} rows"
        elif family.deadline_params is not None:
            continue  # it stops itself at the deadline, so it is never too slow to try
        elif _cv_seconds(search_rows, n_features, n_folds, family.cost_for(n_classes)) > (
            SKIP_BUDGET_SHARE * budget_s
        ):
            skipped[family.name] = "too slow for the budget on this data"
    if skipped and any(reason.startswith("too slow") for reason in skipped.values()):
        degradations.append("(2) expensive families are skipped")
    if n_folds > FEWER_FOLDS and _cv_seconds(search_rows, n_features, n_folds, anchor) > cv_cap:
        degradations.append(f"(3) {FEWER_FOLDS} folds instead of {n_folds}")
        n_folds = FEWER_FOLDS
    kept = tuple(f.name for f in families if f.name not in skipped)
    refit = _cv_seconds(n_rows, n_features, 2, anchor) * 2
    estimates = {
        "lightgbm_cv": _cv_seconds(search_rows, n_features, n_folds, anchor),
        "refit": min(refit, REFIT_BUDGET_SHARE * budget_s),
    }
    return TrainingPlan(
        n_rows=n_rows,
        n_features=n_features,
        search_rows=search_rows,
        n_folds=n_folds,
        families=kept,
        skipped=skipped,
        memory_mb=min(memory, memory_mb) + 200.0,
        estimates_s=estimates,
        degradations=tuple(degradations),
    )
