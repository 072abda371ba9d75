"""The trained model: fitted pipelines and their weights, behaving as a scikit-learn estimator."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sklearn.base import BaseEstimator

from mlwright.core.errors import SchemaError
from mlwright.learn.evaluate import predict_output
from mlwright.learn.metrics import predicted_codes
from mlwright.learn.task import TaskType

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


class TabularModel(BaseEstimator):  # type: ignore[misc]
    """A weighted average of fitted pipelines, taking a table with the training columns.

    ``predict`` returns the original labels (classification) or values (regression);
    ``predict_proba`` returns one column per class of ``classes_``. For a binary task the
    positive class is ``classes_[1]`` and it is predicted when its probability reaches
    ``threshold`` (0.5, or the threshold that minimises the run's business cost).
    """

    def __init__(
        self,
        *,
        pipelines: list[Any],
        weights: list[float],
        task_type: str,
        feature_columns: list[str],
        classes: list[Any] | None = None,
        threshold: float = 0.5,
    ) -> None:
        self.pipelines = pipelines
        self.weights = weights
        self.task_type = task_type
        self.feature_columns = feature_columns
        self.classes = classes
        self.threshold = threshold

    @property
    def classes_(self) -> np.ndarray:
        """The class labels, in the order of ``predict_proba``'s columns."""
        import numpy as np

        if self.classes is None:
            msg = "a regression model has no classes"
            raise AttributeError(msg)
        return np.asarray(self.classes, dtype=object)

    def output(self, X: pd.DataFrame) -> np.ndarray:
        """Probabilities (classification, columns in ``classes_`` order) or values."""
        return self._combined(X)

    def labels(self, output: np.ndarray) -> np.ndarray:
        """Labels from probabilities by the threshold; regression values pass through."""
        import numpy as np

        if self.classes is None:
            return output
        codes = predicted_codes(output, self.threshold)
        labels: np.ndarray = np.asarray(self.classes, dtype=object)[codes]
        return labels

    def _combined(self, X: pd.DataFrame) -> np.ndarray:
        import warnings

        import numpy as np

        frame = self._features(X)
        task_type = TaskType(self.task_type)
        n_classes = len(self.classes or [])
        # Categories unseen in training are expected in new data (they are encoded as
        # "infrequent"); the encoders' warning about them is not the caller's to act on.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Found unknown categories")
            outputs = [predict_output(p, frame, task_type, n_classes) for p in self.pipelines]
        return np.asarray(sum(w * o for w, o in zip(self.weights, outputs, strict=True)))

    def _features(self, X: Any) -> pd.DataFrame:
        import pandas as pd

        frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(X)
        missing = [c for c in self.feature_columns if c not in frame.columns]
        if missing:
            msg = f"the input lacks {len(missing)} column(s) the model needs: {', '.join(missing)}"
            raise SchemaError(msg, hint="pass every column of the training data", column=missing[0])
        return frame[self.feature_columns]

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Probability of each class (columns in ``classes_`` order)."""
        if self.classes is None:
            msg = "predict_proba is for classification; this model predicts amounts"
            raise AttributeError(msg)
        return self._combined(X)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Predicted labels (classification) or values (regression)."""
        return self.labels(self._combined(X))
