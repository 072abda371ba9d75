"""A model loaded from a package: it checks its input, then predicts as a scikit-learn estimator."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlwright.registry.inputs import prepare_input

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from mlwright.learn.model import TabularModel
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
        self.model = model
        self.set_threads(os.cpu_count() or 1)
        self.info = info
        self.source = source
        self._estimator_type = "regressor" if model.classes is None else "classifier"

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

    def prepare(self, X: Any, *, first_row: int = 1, warn_extra: bool = True) -> pd.DataFrame:
        """``X`` checked and converted to the model's input columns."""
        import pandas as pd

        frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(X)
        return prepare_input(frame, self.info.columns, first_row=first_row, warn_extra=warn_extra)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted labels or values for each row of ``X``."""
        return self.model.predict(self.prepare(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities for each row of ``X`` (classification only)."""
        return self.model.predict_proba(self.prepare(X))

    def score(self, X: Any, y: Any) -> float:
        """Accuracy (classification) or R² (regression), as scikit-learn's estimators score."""
        from sklearn.metrics import accuracy_score, r2_score

        predicted = self.predict(X)
        if self._estimator_type == "classifier":
            return float(accuracy_score(y, predicted))
        return float(r2_score(y, predicted))
