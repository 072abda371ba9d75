"""One monitoring check of a model: its inputs' drift, its predictions' drift, its performance.

:func:`check_model` compares current data with the model's reference (the data it was
trained on): every input column (:mod:`mlwright.monitor.drift`), ranked by how much the
model's output depends on it (does this drift matter?); the model's predictions; all
columns at once (:mod:`mlwright.monitor.multivariate`); and performance, measured when the
current data holds the target, estimated from confidence when it does not
(:mod:`mlwright.monitor.performance`). The findings and a verdict come out as one
:class:`MonitorReport`; what to do with them (print, alert, keep) is the caller's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mlwright.core.errors import ConfigError
from mlwright.core.sampling import sample_positions
from mlwright.monitor.drift import (
    CATEGORICAL,
    NUMERIC,
    DriftConfig,
    DriftReport,
    FeatureDrift,
    compare_column,
    detect_drift,
)
from mlwright.monitor.multivariate import SAMPLE_ROWS as DOMAIN_ROWS
from mlwright.monitor.multivariate import DomainCheck, domain_check
from mlwright.monitor.performance import (
    PerformanceCheck,
    WindowCheck,
    by_window,
    estimated,
    measured,
)
from mlwright.registry.labels import encode_truth
from mlwright.registry.sensitivity import output_sensitivity

if TYPE_CHECKING:
    import numpy as np

    from mlwright.registry.loaded import LoadedModel

# Rows of each side the model scores (prediction drift, performance estimate, importance).
SCORED_ROWS = 20_000
IMPORTANCE_ROWS = 1_000


@dataclass(frozen=True, slots=True)
class MonitorConfig:
    """What a check tests and how strictly (``tolerance``: a metric's acceptable drop)."""

    drift: DriftConfig = field(default_factory=DriftConfig)
    multivariate: bool = True
    performance: bool = True
    tolerance: float = 0.02
    seed: int = 0

    def __post_init__(self) -> None:
        if self.tolerance < 0:
            msg = f"tolerance must be 0 or more, not {self.tolerance}"
            raise ConfigError(msg, key="tolerance")


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing found wrong: what kind, about what, and in words."""

    kind: str  # feature_drift, prediction_drift, multivariate_drift, performance
    subject: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """Plain values, for JSON."""
        return {"kind": self.kind, "subject": self.subject, "message": self.message}


@dataclass(frozen=True, slots=True)
class MonitorReport:
    """A check's results; ``healthy`` when nothing was found."""

    model: str
    reference: str
    current: str
    n_reference: int
    n_current: int
    drift: DriftReport
    prediction: FeatureDrift | None
    multivariate: DomainCheck | None
    performance: PerformanceCheck | None
    findings: list[Finding]
    windows: list[WindowCheck] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        """Whether nothing was found."""
        return not self.findings

    @property
    def status(self) -> str:
        """``healthy``, ``degraded`` (performance fell) or ``drift``."""
        if self.healthy:
            return "healthy"
        if any(f.kind == "performance" for f in self.findings):
            return "degraded"
        return "drift"

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for JSON and for the monitoring history."""
        return {
            "model": self.model,
            "status": self.status,
            "healthy": self.healthy,
            "reference": self.reference,
            "current": self.current,
            "n_reference": self.n_reference,
            "n_current": self.n_current,
            "findings": [f.to_dict() for f in self.findings],
            "drift": self.drift.to_dict(),
            "prediction": None if self.prediction is None else self.prediction.to_dict(),
            "multivariate": None if self.multivariate is None else self.multivariate.to_dict(),
            "performance": None if self.performance is None else self.performance.to_dict(),
            "windows": [w.to_dict() for w in self.windows],
        }


def check_model(
    model: LoadedModel,
    reference: Any,
    current: Any,
    config: MonitorConfig | None = None,
    *,
    reference_name: str = "reference",
    current_name: str = "current",
    time_column: str | None = None,
) -> MonitorReport:
    """Check ``current`` (an Arrow table) against ``reference`` (the training data) for ``model``.

    The current data needs the model's input columns; when it also holds the target, the
    model's metric is measured on it, overall and, given ``time_column``, per time window.
    """
    import numpy as np

    config = config or MonitorConfig()
    columns = [c.name for c in model.info.columns]
    kinds = {c.name: _kind(c.role, c.dtype) for c in model.info.columns}
    tested = [c for c in columns if kinds[c] is not None]
    drift = detect_drift(
        reference,
        current,
        config.drift,
        columns=tested,
        kinds={c: k for c, k in kinds.items() if k is not None},
    )
    rng = np.random.default_rng(config.seed)
    ref_rows = sample_positions(reference.num_rows, SCORED_ROWS, rng)
    cur_rows = sample_positions(current.num_rows, SCORED_ROWS, rng)
    ref_frame = reference.select(columns).take(ref_rows).to_pandas()
    cur_frame = current.select(columns).take(cur_rows).to_pandas()
    ref_output = model.output(model.prepare(ref_frame, warn_extra=False))
    cur_output = model.output(model.prepare(cur_frame, warn_extra=False))

    importance = output_sensitivity(model, ref_frame.head(IMPORTANCE_ROWS), tested, config.seed)
    features = sorted(
        (_with_importance(f, importance.get(f.column)) for f in drift.features),
        key=lambda f: (not f.drifted, -(f.importance or 0.0)),
    )
    drift = DriftReport(features=features, config=drift.config, skipped=drift.skipped)
    prediction = _prediction_drift(model, ref_output, cur_output, config.drift)
    multivariate = None
    if config.multivariate and tested:
        multivariate = domain_check(
            _codes(
                reference, tested, kinds, sample_positions(reference.num_rows, DOMAIN_ROWS, rng)
            ),
            _codes(current, tested, kinds, sample_positions(current.num_rows, DOMAIN_ROWS, rng)),
            alpha=config.drift.alpha,
            seed=config.seed,
        )
    performance: PerformanceCheck | None = None
    windows: list[WindowCheck] = []
    if config.performance:
        performance, windows = _performance(
            model, current, cur_rows, cur_output, ref_output, config, time_column
        )
    findings = _findings(drift, prediction, multivariate, performance)
    return MonitorReport(
        model=model.source.ref,
        reference=reference_name,
        current=current_name,
        n_reference=reference.num_rows,
        n_current=current.num_rows,
        drift=drift,
        prediction=prediction,
        multivariate=multivariate,
        performance=performance,
        findings=findings,
        windows=windows,
    )


def _kind(role: str, dtype: str) -> str | None:
    from mlwright.data.schema import is_numeric_type, is_temporal_type

    upper = dtype.upper()
    if role == "categorical" or upper == "BOOLEAN":
        return CATEGORICAL
    if role == "numeric" and is_numeric_type(upper) and not is_temporal_type(upper):
        return NUMERIC
    return None


def _with_importance(feature: FeatureDrift, importance: float | None) -> FeatureDrift:
    from dataclasses import replace

    return replace(feature, importance=importance)


def _prediction_drift(
    model: LoadedModel, reference: np.ndarray, current: np.ndarray, config: DriftConfig
) -> FeatureDrift:
    import pyarrow as pa

    if reference.ndim == 2 and reference.shape[1] == 2:  # binary: the positive class's share
        return compare_column(
            "prediction", NUMERIC, pa.array(reference[:, 1]), pa.array(current[:, 1]), config
        )
    if reference.ndim == 2:  # more classes: the predicted class
        labels = [str(v) for v in model.labels(reference)], [str(v) for v in model.labels(current)]
        return compare_column(
            "prediction", CATEGORICAL, pa.array(labels[0]), pa.array(labels[1]), config
        )
    return compare_column("prediction", NUMERIC, pa.array(reference), pa.array(current), config)


def _codes(
    table: Any, columns: list[str], kinds: dict[str, str | None], rows: np.ndarray
) -> dict[str, np.ndarray]:
    """The columns as numbers for the domain classifier: categories by a stable hash."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from mlwright.monitor.binning import as_numbers

    taken = table.select(columns).take(rows)
    codes = {}
    for name in columns:
        column = taken.column(name)
        if kinds[name] == NUMERIC:
            codes[name] = as_numbers(column)
        else:
            text = pc.cast(column, pa.string()).to_pylist()
            codes[name] = np.array([np.nan if v is None else float(_stable_hash(v)) for v in text])
    return codes


def _stable_hash(text: str) -> int:
    import zlib

    return zlib.crc32(text.encode("utf-8", "surrogatepass"))


def _performance(
    model: LoadedModel,
    current: Any,
    rows: np.ndarray,
    cur_output: np.ndarray,
    ref_output: np.ndarray,
    config: MonitorConfig,
    time_column: str | None,
) -> tuple[PerformanceCheck | None, list[WindowCheck]]:
    import numpy as np

    from mlwright.learn.metrics import get_metric
    from mlwright.learn.task import TaskType

    target = model.info.target
    metrics = model.info.metrics
    threshold = float(getattr(model.model, "threshold", 0.5) or 0.5)
    if target in current.column_names:
        truth = current.column(target).take(rows).to_pylist()
        known = np.array([v is not None for v in truth])
        if not known.any():
            return None, []
        metric = get_metric(metrics.get("metric"), TaskType(model.task_type))
        expected = _tested(metrics, metric.name)
        y = encode_truth(model, [v for v, k in zip(truth, known, strict=True) if k])
        output = cur_output[known]
        overall = measured(metric, y, output, threshold, expected, config.tolerance, config.seed)
        windows = []
        if time_column is not None:
            times = _times(current, time_column, rows)[known]
            windows = by_window(
                metric, y, output, times, threshold, expected, config.tolerance, config.seed
            )
        return overall, windows
    if cur_output.ndim == 2:
        # Expected: the same estimate on the run's held-out test rows (like with like, so
        # the model's calibration cancels out); packages from before it was kept: the
        # accuracy measured there. The reference's own estimate is biased upwards where the
        # model trained on those rows.
        tested = metrics.get("confidence_accuracy")
        if tested is None:
            tested = _tested(metrics, "accuracy")
        estimate = estimated(cur_output, ref_output, threshold, config.tolerance, expected=tested)
        return estimate, []
    return None, []


def _tested(metrics: dict[str, Any], name: str) -> float | None:
    """A metric's value on the run's held-out test rows, if it was measured."""
    return next((m["value"] for m in metrics.get("test_metrics", []) if m["name"] == name), None)


def _times(table: Any, column: str, rows: np.ndarray) -> np.ndarray:
    """A column of times as naive UTC datetime64[us]; a clear error if it is not times."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from mlwright.core.errors import SchemaError

    if column not in table.column_names:
        msg = f"the current data has no time column {column!r}"
        raise SchemaError(msg, hint="name a column of dates or times", column=column)
    values = table.column(column).take(rows)
    if not pa.types.is_timestamp(values.type) and not pa.types.is_date(values.type):
        msg = f"the time column {column!r} holds {values.type}, not dates or times"
        raise SchemaError(msg, hint="name a column of dates or times", column=column)
    # NumPy has no time zones: an aware time comes out as its UTC value.
    values = pc.cast(values, pa.timestamp("us", getattr(values.type, "tz", None)))
    times: np.ndarray = values.to_numpy(zero_copy_only=False).astype("datetime64[us]")
    return times


def _findings(
    drift: DriftReport,
    prediction: FeatureDrift | None,
    multivariate: DomainCheck | None,
    performance: PerformanceCheck | None,
) -> list[Finding]:
    found = [
        Finding(
            "feature_drift",
            f.column,
            f"{f.column} drifted (PSI {f.statistic:.3f} > {f.threshold:.3f}; {f.summary}"
            + (f"; {f.importance:.0%} of the model's sensitivity)" if f.importance else ")"),
        )
        for f in drift.features
        if f.drifted
    ]
    if prediction is not None and prediction.drifted:
        found.append(
            Finding(
                "prediction_drift",
                "prediction",
                f"the predictions drifted (PSI {prediction.statistic:.3f}; {prediction.summary})",
            )
        )
    if multivariate is not None and multivariate.drifted:
        found.append(
            Finding(
                "multivariate_drift",
                "all columns",
                f"a classifier tells current rows from reference rows (AUC "
                f"{multivariate.auc:.3f}; mostly by {', '.join(multivariate.top_columns[:3])})",
            )
        )
    if performance is not None and performance.degraded:
        how = "measured" if performance.measured else "estimated"
        found.append(
            Finding(
                "performance",
                performance.metric,
                f"{performance.metric} {how} at {performance.value:.3f} "
                f"[{performance.low:.3f}, {performance.high:.3f}], expected "
                f"{performance.expected:.3f}",
            )
        )
    return found
