"""Data drift, feature by feature, with thresholds that know the sample sizes.

Each column of the current data is compared with the reference through the same bins
(:mod:`mlwright.monitor.binning`). The decision statistic is the population stability index
(PSI) over those bins, with the missing-value and unseen-category bins included. Its
threshold is not a fixed number: it is calibrated per column by a parametric bootstrap of
the reference (draws of the reference's and the current data's sizes from the reference's
own bin shares), whose distribution is fitted by a scaled chi-square so that its far tail is
reliable, and read at ``1 - alpha / m`` (Bonferroni over the ``m`` columns tested), so that
the chance of any false alarm on data of the same distribution stays under ``alpha``.
A column drifts when its PSI passes that threshold and is not negligible (``min_psi``).

Alongside, for people: the Kolmogorov-Smirnov statistic and the Wasserstein distance (in
reference standard deviations) for numbers, the chi-square p-value and the Jensen-Shannon
distance for categories, the shares of missing values and of unseen categories.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from mlwright.core.errors import ConfigError, DataError, SchemaError
from mlwright.monitor.binning import (
    CategoricalBinned,
    NumericBinned,
    as_numbers,
    bin_categorical,
    bin_numeric,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np

NUMERIC = "numeric"
CATEGORICAL = "categorical"


@dataclass(frozen=True, slots=True)
class DriftConfig:
    """How drift is decided.

    ``alpha``: the chance of any false alarm on data of the same distribution (family-wise,
    over all columns). ``min_psi``: a PSI below this is negligible whatever its
    significance (0.005 is about a shift of 0.07 standard deviations). ``n_bins``: bins of
    equal reference mass for the PSI. ``bootstrap``: draws calibrating each threshold.
    """

    alpha: float = 0.01
    min_psi: float = 0.005
    n_bins: int = 20
    bootstrap: int = 500
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 1:
            msg = f"alpha must be between 0 and 1, not {self.alpha}"
            raise ConfigError(msg, key="alpha")
        if self.min_psi < 0:
            msg = f"min_psi must be 0 or more, not {self.min_psi}"
            raise ConfigError(msg, key="min_psi")
        if self.n_bins < 2:
            msg = f"n_bins must be 2 or more, not {self.n_bins}"
            raise ConfigError(msg, key="n_bins")
        if self.bootstrap < 50:
            msg = f"bootstrap must be 50 or more draws, not {self.bootstrap}"
            raise ConfigError(msg, key="bootstrap")


@dataclass(frozen=True, slots=True)
class FeatureDrift:
    """One column's comparison. ``statistic`` is the PSI; ``drifted`` the decision."""

    column: str
    kind: str
    n_reference: int
    n_current: int
    statistic: float
    threshold: float
    p_value: float
    drifted: bool
    missing_reference: float
    missing_current: float
    ks: float | None = None
    wasserstein: float | None = None
    chi2_p_value: float | None = None
    jensen_shannon: float | None = None
    unseen_share: float | None = None
    summary: str = ""
    importance: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for JSON."""
        return {k: _plain(v) for k, v in asdict(self).items()}


@dataclass(frozen=True, slots=True)
class DriftReport:
    """Every column's comparison, the columns that drifted, and the verdict."""

    features: list[FeatureDrift]
    config: DriftConfig
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def drifted(self) -> list[str]:
        """The columns that drifted."""
        return [f.column for f in self.features if f.drifted]

    @property
    def has_drift(self) -> bool:
        """Whether any column drifted."""
        return any(f.drifted for f in self.features)

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for JSON."""
        return {
            "has_drift": self.has_drift,
            "drifted": self.drifted,
            "features": [f.to_dict() for f in self.features],
            "skipped": self.skipped,
            "config": asdict(self.config),
        }


def column_kind(arrow_type: Any) -> str | None:
    """``numeric``, ``categorical``, or None for columns not tested (dates, nested)."""
    import pyarrow as pa

    if pa.types.is_boolean(arrow_type) or pa.types.is_string(arrow_type):
        return CATEGORICAL
    if pa.types.is_large_string(arrow_type) or pa.types.is_dictionary(arrow_type):
        return CATEGORICAL
    if pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type):
        return NUMERIC
    if pa.types.is_decimal(arrow_type):
        return NUMERIC
    return None


def detect_drift(
    reference: Any,
    current: Any,
    config: DriftConfig | None = None,
    *,
    columns: Sequence[str] | None = None,
    kinds: dict[str, str] | None = None,
) -> DriftReport:
    """Compare ``current`` with ``reference`` (Arrow tables), column by column.

    ``columns`` limits the test to these (default: every column both tables hold);
    ``kinds`` overrides a column's kind (``numeric`` / ``categorical``), e.g. an integer
    column that holds category codes.

    Raises
    ------
    SchemaError
        A column asked for is missing from either table, or a table has no rows.
    """
    config = config or DriftConfig()
    names = list(columns) if columns is not None else _common_columns(reference, current)
    for table, which in ((reference, "reference"), (current, "current")):
        absent = [n for n in names if n not in table.column_names]
        if absent:
            msg = f"the {which} data has no column {absent[0]!r}"
            raise SchemaError(
                msg,
                hint="give data with the model's input columns",
                column=absent[0],
            )
        if table.num_rows == 0:
            msg = f"the {which} data has no rows"
            raise SchemaError(msg, hint="give at least one row")
    skipped: dict[str, str] = {}
    tested: list[tuple[str, str]] = []
    for name in names:
        kind = (kinds or {}).get(name) or column_kind(reference.schema.field(name).type)
        if kind is None:
            skipped[name] = f"type {reference.schema.field(name).type} is not tested"
        else:
            tested.append((name, kind))
    m = max(1, len(tested))
    features = [
        _compare(name, kind, reference.column(name), current.column(name), config, m, i)
        for i, (name, kind) in enumerate(tested)
    ]
    return DriftReport(features=features, config=config, skipped=skipped)


def _common_columns(reference: Any, current: Any) -> list[str]:
    present = set(current.column_names)
    return [name for name in reference.column_names if name in present]


def compare_column(
    name: str, kind: str, reference: Any, current: Any, config: DriftConfig, m: int = 1
) -> FeatureDrift:
    """One column's comparison, with ``m`` columns tested in all (Bonferroni)."""
    return _compare(name, kind, reference, current, config, m, 0)


def _compare(
    name: str,
    kind: str,
    reference: Any,
    current: Any,
    config: DriftConfig,
    m: int,
    position: int,
) -> FeatureDrift:
    if kind == NUMERIC:
        numeric = bin_numeric(
            _numbers(name, reference, "reference"),
            _numbers(name, current, "current"),
            config.n_bins,
        )
        ref_counts, cur_counts = numeric.coarse_reference, numeric.coarse_current
    else:
        categorical = bin_categorical(reference, current)
        ref_counts, cur_counts = categorical.reference, categorical.current
    n_ref, n_cur = int(ref_counts.sum()), int(cur_counts.sum())
    statistic = float(psi(ref_counts, cur_counts))
    threshold, p_value = calibrate(ref_counts, n_cur, statistic, config, m, seed=position)
    drifted = statistic > threshold and statistic >= config.min_psi
    common: dict[str, Any] = {
        "column": name,
        "kind": kind,
        "n_reference": n_ref,
        "n_current": n_cur,
        "statistic": statistic,
        "threshold": threshold,
        "p_value": p_value,
        "drifted": drifted,
        # The missing-value bin is the last, for both kinds.
        "missing_reference": float(ref_counts[-1] / max(n_ref, 1)),
        "missing_current": float(cur_counts[-1] / max(n_cur, 1)),
    }
    if kind == NUMERIC:
        return FeatureDrift(**common, **_numeric_details(numeric))
    return FeatureDrift(**common, **_categorical_details(categorical))


def _numbers(name: str, column: Any, which: str) -> np.ndarray:
    """A numeric column's values, or a clear error naming a value that is not a number."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        return as_numbers(column)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        shown = next(
            (v for v in pc.cast(column, pa.string()).to_pylist() if v and not _is_number(v)),
            None,
        )
        msg = f"column {name!r} of the {which} data holds {shown!r}, not a number"
        raise DataError(
            msg, hint="give numbers in this column, as in training", column=name, value=shown
        ) from None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def psi(reference: np.ndarray, current: np.ndarray) -> np.ndarray:
    """Population stability index of counts (last axis: bins), half a count added to each bin.

    Works on one pair of count vectors or on a stack of them (bootstrap draws).
    """
    import numpy as np

    k = reference.shape[-1]
    ref_share = (reference + 0.5) / (reference.sum(axis=-1, keepdims=True) + 0.5 * k)
    cur_share = (current + 0.5) / (current.sum(axis=-1, keepdims=True) + 0.5 * k)
    index: np.ndarray = np.sum((cur_share - ref_share) * np.log(cur_share / ref_share), axis=-1)
    return index


def calibrate(
    reference: np.ndarray,
    n_current: int,
    statistic: float,
    config: DriftConfig,
    m: int,
    *,
    seed: int = 0,
) -> tuple[float, float]:
    """The PSI threshold for these sample sizes, and the statistic's p-value.

    Draws ``config.bootstrap`` pairs of samples of the reference's and the current data's
    sizes from the reference's bin shares, fits a scaled chi-square to their PSI (by its
    mean and variance), and reads its ``1 - alpha / m`` quantile. A fixed seed per column
    keeps the decision reproducible.
    """
    import numpy as np
    from scipy import stats

    n_reference = int(reference.sum())
    if n_reference == 0 or n_current == 0:
        return math.inf, 1.0
    shares = reference / n_reference
    rng = np.random.default_rng([config.seed, seed])
    draws_ref = rng.multinomial(n_reference, shares, size=config.bootstrap)
    draws_cur = rng.multinomial(n_current, shares, size=config.bootstrap)
    null = psi(draws_ref, draws_cur)
    mean, var = float(null.mean()), float(null.var())
    if mean <= 0 or var <= 0:  # a single occupied bin: nothing can move
        return (math.inf, 1.0) if statistic <= mean else (mean, 0.0)
    scale, dof = var / (2 * mean), 2 * mean * mean / var
    threshold = float(scale * stats.chi2.ppf(1 - config.alpha / m, dof))
    p_value = float(stats.chi2.sf(statistic / scale, dof))
    return threshold, p_value


def _numeric_details(binned: NumericBinned) -> dict[str, Any]:
    import numpy as np

    ref_total = binned.fine_reference.sum()
    cur_total = binned.fine_current.sum()
    if ref_total == 0 or cur_total == 0:
        return {"summary": "no values to compare"}
    ref_cdf = np.cumsum(binned.fine_reference)[:-1] / ref_total
    cur_cdf = np.cumsum(binned.fine_current)[:-1] / cur_total
    gaps = np.abs(ref_cdf - cur_cdf)
    ks = float(gaps.max()) if len(gaps) else 0.0
    widths = np.diff(binned.edges)
    distance = float(np.sum(gaps[:-1] * widths)) if len(widths) else 0.0
    wasserstein = distance / binned.reference_std if binned.reference_std > 0 else None
    summary = f"mean {binned.reference_mean:.4g} -> {binned.current_mean:.4g}"
    return {"ks": ks, "wasserstein": wasserstein, "summary": summary}


def _categorical_details(binned: CategoricalBinned) -> dict[str, Any]:
    import numpy as np
    from scipy import stats
    from scipy.spatial import distance

    ref, cur = binned.reference, binned.current
    used = (ref + cur) > 0
    chi2_p = None
    if used.sum() >= 2 and ref.sum() and cur.sum():
        chi2_p = float(stats.chi2_contingency(np.vstack([ref[used], cur[used]]))[1])
    ref_share, cur_share = ref / max(ref.sum(), 1), cur / max(cur.sum(), 1)
    js = float(distance.jensenshannon(ref_share, cur_share, base=2)) if used.any() else 0.0
    names = [*binned.levels, "(other)", "(unseen)", "(missing)"]
    change = cur_share - ref_share
    top = int(np.argmax(np.abs(change)))
    summary = f"{names[top]!s}: {ref_share[top]:.1%} -> {cur_share[top]:.1%}"
    unseen = float(cur[-2] / max(cur.sum(), 1))
    return {
        "chi2_p_value": chi2_p,
        "jensen_shannon": js,
        "unseen_share": unseen,
        "summary": summary,
    }


def _plain(value: Any) -> Any:
    """JSON-friendly: NaN and infinity as None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
