"""A fast path for scoring a few rows: the fitted preprocessing replayed with NumPy lookups.

scikit-learn's ``ColumnTransformer`` and encoders cost milliseconds per call however few the
rows, which is most of a single-row prediction. For pipelines built only of steps this
module knows, ``compile_pipeline`` derives an equivalent of each fitted step:

- ``Numbers``, ``CategoryLabels``, ``DatetimeParts``: their own ``transform`` (cheap);
- ``SimpleImputer`` and ``StandardScaler``: their fitted statistics, applied with NumPy;
- ``OrdinalEncoder`` and ``OneHotEncoder``: a dictionary from each training category to its
  output, built by running the fitted encoder itself on every category (and on a category it
  never saw), so the codes match by construction, infrequent pooling included.

Anything else (target encoding, TF-IDF, an unknown step) means no fast path for that
pipeline: ``compile_pipeline`` returns None and the caller keeps scikit-learn's path.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import numpy as np
    import pandas as pd

    Step = Callable[[Any], Any]

# A category no training set holds: what the encoders make of an unseen value.
_UNSEEN = "\x00mlwright-unseen\x00"


@dataclass(frozen=True, slots=True)
class FastPipeline:
    """A pipeline's preprocessing as NumPy steps per column block, then its estimator.

    Each block reads its columns as floats (``numbers``), as text labels (``labels``, or
    ``whole-labels`` where whole numbers lose their fraction, see ``CategoryLabels``), or as
    a DataFrame (``frame``, for steps that need pandas), then runs its steps.
    """

    blocks: tuple[tuple[tuple[str, ...], str, tuple[Step, ...]], ...]
    estimator: Any

    @property
    def needs_frame(self) -> bool:
        """Whether a block reads a DataFrame (dates do), not only column arrays."""
        return any(kind == "frame" for _, kind, _ in self.blocks)

    def transform(
        self, columns: Mapping[str, np.ndarray], frame: pd.DataFrame | None = None
    ) -> np.ndarray:
        """The feature matrix the estimator was fitted on.

        ``columns`` holds each input column as an array (see :func:`column_arrays`), shared
        by the pipelines of an ensemble; ``frame`` the same rows as a DataFrame, needed only
        when :attr:`needs_frame`.
        """
        import numpy as np

        from mlwright.learn.transformers import category_labels

        outputs = []
        n = len(next(iter(columns.values()))) if columns else len(frame)  # type: ignore[arg-type]
        for names, kind, steps in self.blocks:
            if kind == "numbers":
                values: Any = _numbers(np.column_stack([columns[c] for c in names]))
            elif kind in ("labels", "whole-labels"):
                values = category_labels([columns[c] for c in names], kind == "whole-labels")
            else:
                assert frame is not None, "this pipeline needs the rows as a DataFrame"
                values = frame[list(names)]
            for step in steps:
                values = step(values)
            outputs.append(np.asarray(values, dtype=np.float64).reshape(n, -1))
        return np.hstack(outputs) if outputs else np.empty((n, 0))


def column_arrays(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each column of ``frame`` as a NumPy array of its own values (no conversion)."""
    return {str(name): series.to_numpy() for name, series in frame.items()}


def _numbers(values: np.ndarray) -> np.ndarray:
    """``Numbers.transform`` on an array: floats, with missing and infinite values as NaN."""
    import numpy as np
    import pandas as pd

    if values.dtype != np.float64:
        values = (
            pd.DataFrame(values)
            .apply(pd.to_numeric, errors="coerce")
            .to_numpy(dtype=np.float64, na_value=np.nan)
        )
    out = np.array(values, dtype=np.float64, copy=True)
    out[~np.isfinite(out)] = np.nan
    return out


def compile_pipeline(pipeline: Any) -> FastPipeline | None:
    """The fast equivalent of a fitted ``Pipeline([("prepare", ColumnTransformer), model])``.

    None when a step is not one this module knows.
    """
    from sklearn.compose import ColumnTransformer

    steps = getattr(pipeline, "steps", None)
    if not steps or len(steps) != 2 or not isinstance(steps[0][1], ColumnTransformer):
        return None
    blocks = []
    for _, transformer, columns in steps[0][1].transformers_:
        if transformer == "drop" or len(columns) == 0:
            continue
        compiled = _compile_branch(transformer, len(columns))
        if compiled is None:
            return None
        kind, rest = compiled
        blocks.append((tuple(str(c) for c in columns), kind, rest))
    return FastPipeline(tuple(blocks), steps[1][1])


def _compile_branch(branch: Any, n_columns: int) -> tuple[str, tuple[Step, ...]] | None:
    """How a branch reads its columns, and its remaining steps in NumPy."""
    from mlwright.learn.transformers import CategoryLabels, Numbers

    parts = [step for _, step in getattr(branch, "steps", [("", branch)])]
    kind = "frame"
    if parts and isinstance(parts[0], Numbers):
        kind, parts = "numbers", parts[1:]
    elif parts and isinstance(parts[0], CategoryLabels):
        kind = "whole-labels" if getattr(parts[0], "whole_numbers_", False) else "labels"
        parts = parts[1:]
    compiled = []
    for step in parts:
        fast = _compile_step(step, n_columns)
        if fast is None:
            return None
        compiled.append(fast)
    return kind, tuple(compiled)


def _compile_step(step: Any, n_columns: int) -> Step | None:
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

    from mlwright.learn.transformers import CategoryLabels, DatetimeParts, Numbers

    if isinstance(step, Numbers | CategoryLabels | DatetimeParts):
        fast: Step = step.transform
        return fast
    if isinstance(step, SimpleImputer):
        return _imputer(step)
    if isinstance(step, StandardScaler):
        return _scaler(step)
    if isinstance(step, OrdinalEncoder | OneHotEncoder):
        return _encoder(step, n_columns)
    return None


def _imputer(imputer: Any) -> Step | None:
    import numpy as np

    if imputer.strategy not in ("median", "mean", "most_frequent", "constant"):
        return None
    fill = np.asarray(imputer.statistics_, dtype=np.float64)
    indicator = getattr(imputer, "indicator_", None)
    flagged = None if indicator is None else np.asarray(indicator.features_, dtype=np.int64)

    def impute(values: Any) -> np.ndarray:
        X = np.asarray(values, dtype=np.float64)
        missing = np.isnan(X)
        out = np.where(missing, fill, X)
        if flagged is not None:
            out = np.hstack([out, missing[:, flagged].astype(np.float64)])
        return out

    return impute


def _scaler(scaler: Any) -> Step:
    import numpy as np

    mean = 0.0 if scaler.mean_ is None or not scaler.with_mean else scaler.mean_
    scale = 1.0 if scaler.scale_ is None or not scaler.with_std else scaler.scale_

    def standardise(values: Any) -> np.ndarray:
        return (np.asarray(values, dtype=np.float64) - mean) / scale

    return standardise


def _encoder(encoder: Any, n_columns: int) -> Step | None:
    """Per column, a dictionary from category label to the encoder's output for it."""
    import numpy as np

    categories = [list(c) for c in encoder.categories_]
    if len(categories) != n_columns or any(
        not all(isinstance(v, str) for v in c) for c in categories
    ):
        return None  # only the string labels CategoryLabels makes
    widths = getattr(encoder, "_n_features_outs", None) or [1] * n_columns
    offsets = np.cumsum([0, *widths])
    lookups: list[dict[str, np.ndarray]] = []
    unseen: list[np.ndarray] = []
    for j, labels in enumerate(categories):
        probe = np.empty((len(labels) + 1, n_columns), dtype=object)
        for k, other in enumerate(categories):
            probe[:, k] = other[0]
        probe[:, j] = [*labels, _UNSEEN]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the unseen probe is unknown on purpose
                out = encoder.transform(probe)
        except ValueError:
            return None  # an encoder that refuses unknown values: leave it to scikit-learn
        out = out.toarray() if hasattr(out, "toarray") else np.asarray(out)
        block = np.asarray(out[:, offsets[j] : offsets[j + 1]], dtype=np.float64)
        lookups.append(dict(zip(labels, block[:-1], strict=True)))
        unseen.append(block[-1])

    def encode(values: Any) -> np.ndarray:
        X = np.asarray(values, dtype=object)
        columns = [
            np.vstack([lookup.get(v, miss) for v in X[:, j]]) if len(X) else np.empty((0, w))
            for j, (lookup, miss, w) in enumerate(zip(lookups, unseen, widths, strict=True))
        ]
        return np.hstack(columns)

    return encode
