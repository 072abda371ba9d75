"""A model loaded from a package: it checks its input, then predicts as a scikit-learn estimator."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlwright.registry.inputs import prepare_input

logger = logging.getLogger(__name__)
# Up to this many rows take the fast path; more are faster through scikit-learn's.
FAST_PATH_MAX_ROWS = 1024
# The fast path's first calls are checked against scikit-learn's path.
FAST_PATH_CHECKS = 20

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import numpy as np
    import pandas as pd

    from mlwright.learn.fastpath import FastPipeline
    from mlwright.learn.model import TabularModel
    from mlwright.registry.contract import DataContract
    from mlwright.registry.package import PackageInfo


@dataclass(frozen=True, slots=True)
class ModelSource:
    """Where a loaded model came from: a registered version, or a package file."""

    ref: str
    name: str | None = None
    version: int | None = None
    run_id: str | None = None


class LoadedModel:
    """A packaged model ready to score tables.

    ``predict`` returns labels (classification) or values (regression), ``predict_proba``
    one column per class of ``classes_``. Input goes through :func:`prepare_input` first:
    missing columns and impossible values are errors, extra columns a warning.
    """

    _estimator_type: str

    def __init__(self, model: TabularModel, info: PackageInfo, source: ModelSource) -> None:
        from mlwright.learn.fastpath import compile_pipeline

        self.model = model
        self.info = info
        self.source = source
        self._estimator_type = "regressor" if model.classes is None else "classifier"
        self.set_threads(os.cpu_count() or 1)
        compiled = [compile_pipeline(p) for p in model.pipelines]
        fast = [f for f in compiled if f is not None]
        self._fast: list[FastPipeline] | None = fast if len(fast) == len(compiled) else None
        self._checks_left = FAST_PATH_CHECKS
        self._contract: DataContract | None = None

    def __repr__(self) -> str:
        return f"LoadedModel({self.source.ref!r}, task={self.info.task_type!r})"

    def set_threads(self, n: int) -> None:
        """Let the estimators predict with ``n`` threads each.

        A fit records the threads it had (one for a small table, or the cores the training
        machine had free); a loaded model uses every core of its machine by default, and a
        server worker uses one, so that workers do not compete for cores.
        """
        for pipeline in self.model.pipelines:
            estimator = pipeline.steps[-1][1] if hasattr(pipeline, "steps") else pipeline
            if "n_jobs" in estimator.get_params(deep=False):
                estimator.set_params(n_jobs=n)

    def __sklearn_is_fitted__(self) -> bool:
        return True

    @property
    def classes_(self) -> np.ndarray:
        """The class labels, in the order of ``predict_proba``'s columns."""
        return self.model.classes_

    @property
    def feature_names_in_(self) -> np.ndarray:
        """The columns the model reads."""
        import numpy as np

        return np.asarray([c.name for c in self.info.columns], dtype=object)

    @property
    def n_features_in_(self) -> int:
        """How many columns the model reads."""
        return len(self.info.columns)

    @property
    def task_type(self) -> str:
        """``binary``, ``multiclass`` or ``regression``."""
        return self.info.task_type

    @property
    def target(self) -> str:
        """The column the model predicts."""
        return self.info.target

    @property
    def metrics(self) -> dict[str, Any]:
        """The metrics recorded when it was trained."""
        return self.info.metrics

    @property
    def contract(self) -> DataContract:
        """What the training data looked like (see :mod:`mlwright.registry.contract`)."""
        if self._contract is None:
            from mlwright.registry.contract import DataContract, contract_from_profile

            info = self.info
            self._contract = (
                DataContract.from_dict(info.contract)
                if info.contract is not None
                else contract_from_profile(info.columns, info.profile)
            )
        return self._contract

    def prepare(self, X: Any, *, first_row: int = 1, warn_extra: bool = True) -> pd.DataFrame:
        """``X`` checked and converted to the model's input columns."""
        import pandas as pd

        frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(X)
        return prepare_input(frame, self.info.columns, first_row=first_row, warn_extra=warn_extra)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted labels or values for each row of ``X``."""
        return self.labels(self.output(self.prepare(X)))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities for each row of ``X`` (classification only)."""
        if self.model.classes is None:
            msg = "predict_proba is for classification; this model predicts amounts"
            raise AttributeError(msg)
        return self.output(self.prepare(X))

    def output(self, prepared: pd.DataFrame) -> np.ndarray:
        """Probabilities (classification) or values (regression) of checked input.

        A few rows go through the fast path (``mlwright.learn.fastpath``) when every
        pipeline compiled to one; its first calls are checked against scikit-learn's path,
        and any difference turns it off for good.
        """
        from mlwright.learn.fastpath import column_arrays

        if self._fast is None or len(prepared) > FAST_PATH_MAX_ROWS:
            return self.model.output(prepared)
        return self._checked_fast(column_arrays(prepared), lambda: prepared)

    def output_columns(self, columns: Mapping[str, np.ndarray]) -> np.ndarray:
        """Like :meth:`output`, for rows given as one array per input column.

        A server has its rows this way (``mlwright.serve.requests``): numbers as float64
        with NaN, other values as objects with None. Few rows of a model with a fast path
        are scored without building a DataFrame at all (the first calls are still checked
        against the DataFrame path); otherwise the columns go through :meth:`prepare`.
        """
        import pandas as pd

        def frame() -> pd.DataFrame:
            return self.prepare(pd.DataFrame(columns), warn_extra=False)

        n = len(next(iter(columns.values()))) if columns else 0
        fast = self._fast
        if fast is None or n > FAST_PATH_MAX_ROWS or any(f.needs_frame for f in fast):
            return self.output(frame())
        return self._checked_fast(columns, frame)

    def _checked_fast(
        self, columns: Mapping[str, np.ndarray], frame: Callable[[], pd.DataFrame]
    ) -> np.ndarray:
        """The fast path's output; its first calls are compared with scikit-learn's path."""
        import numpy as np

        prepared = frame() if any(f.needs_frame for f in self._fast or ()) else None
        fast = self._fast_output(columns, prepared)
        if self._checks_left > 0:
            self._checks_left -= 1
            slow = self.model.output(frame() if prepared is None else prepared)
            if not np.allclose(fast, slow, rtol=1e-7, atol=1e-10):
                logger.warning("the fast path of %s differs; turned off", self.source.ref)
                self._fast = None
                return slow
        return fast

    def _fast_output(
        self, columns: Mapping[str, np.ndarray], prepared: pd.DataFrame | None
    ) -> np.ndarray:
        import numpy as np

        from mlwright.learn.evaluate import predict_output
        from mlwright.learn.task import TaskType

        task_type = TaskType(self.model.task_type)
        n_classes = len(self.model.classes or [])
        assert self._fast is not None
        outputs = [
            predict_output(f.estimator, f.transform(columns, prepared), task_type, n_classes)
            for f in self._fast
        ]
        return np.asarray(sum(w * o for w, o in zip(self.model.weights, outputs, strict=True)))

    def labels(self, output: np.ndarray) -> np.ndarray:
        """Labels from probabilities (by the model's threshold), or the values themselves."""
        return self.model.labels(output)

    def score(self, X: Any, y: Any) -> float:
        """Accuracy (classification) or R² (regression), as scikit-learn's estimators score."""
        from sklearn.metrics import accuracy_score, r2_score

        predicted = self.predict(X)
        if self._estimator_type == "classifier":
            return float(accuracy_score(y, predicted))
        return float(r2_score(y, predicted))
