"""Small scikit-learn transformers for what the library lacks: category labels, dates, text.

They are stateless (``fit`` learns nothing), so fitting them inside a fold cannot leak.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sklearn.base import BaseEstimator, TransformerMixin

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

MISSING_CATEGORY = "<missing>"
DATETIME_PARTS = ("year", "month", "day", "weekday", "hour", "days")


class Numbers(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Numeric columns as a float array, with missing values (and infinities) as NaN."""

    def fit(self, X: pd.DataFrame, y: Any = None) -> Numbers:
        """Learn nothing; remember the column count."""
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """The values as float64."""
        import numpy as np
        import pandas as pd

        frame = pd.DataFrame(X)
        if not all(pd.api.types.is_numeric_dtype(t) for t in frame.dtypes):
            frame = frame.apply(pd.to_numeric, errors="coerce")
        # A copy: pandas may hand out a read-only view of its own memory.
        values = np.array(frame.to_numpy(dtype=np.float64, na_value=np.nan), copy=True)
        values[~np.isfinite(values)] = np.nan
        return values

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The input names, unchanged."""
        import numpy as np

        return np.asarray(input_features, dtype=object)


class CategoryLabels(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Turn category (and boolean) columns into strings, with missing as its own category.

    Encoders then see one type per column, whatever the storage type was (numbers, booleans,
    pandas' string or object dtype), and a missing value is a category like any other.
    A whole number is written without a fraction whatever its storage type (1 and 1.0 are
    both "1"), so that an integer column read as floats (it had missing values, or arrived
    as JSON numbers) names the same categories it was trained on.
    """

    def fit(self, X: pd.DataFrame, y: Any = None) -> CategoryLabels:
        """Learn nothing; remember the column count."""
        self.n_features_in_ = X.shape[1]
        # Models fitted before whole numbers were normalised lack this and keep str() labels.
        self.whole_numbers_ = True
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Each value as a string; missing values as ``MISSING_CATEGORY``."""
        import pandas as pd

        frame = pd.DataFrame(X)
        whole = getattr(self, "whole_numbers_", False)
        return category_labels([frame.iloc[:, j].to_numpy() for j in range(frame.shape[1])], whole)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The input names, unchanged."""
        import numpy as np

        return np.asarray(input_features, dtype=object)


def category_labels(columns: list[np.ndarray], whole_numbers: bool) -> np.ndarray:
    """Columns of values as one 2-D array of category labels (see :class:`CategoryLabels`).

    In NumPy rather than pandas: the same strings (str() of each value) at a fraction of the
    cost on the few rows a server scores at a time.
    """
    import numpy as np
    import pandas as pd

    labelled = []
    for column in columns:
        values = np.asarray(column)
        if whole_numbers and values.dtype.kind == "f":
            out = values.astype(str).astype(object)
            with np.errstate(invalid="ignore"):
                whole = np.isfinite(values) & (values == np.trunc(values)) & (abs(values) < 2**53)
            out[whole] = values[whole].astype(np.int64).astype(str)
            out[np.isnan(values)] = MISSING_CATEGORY
        else:
            out = np.array(values, dtype=object, copy=True)  # pandas may share memory
            out[pd.isna(out)] = MISSING_CATEGORY
            # str() of each value; NumPy's astype(str) would drop trailing NUL characters.
            out = _as_text(out)
        labelled.append(out)
    n = len(labelled[0]) if labelled else 0
    return np.column_stack(labelled) if labelled else np.empty((n, 0), dtype=object)


def _as_text(values: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.asarray(np.frompyfunc(str, 1, 1)(values), dtype=object)


class DatetimeParts(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Expand each date or timestamp column into calendar parts and days since 1970.

    A missing date gives missing parts (NaN), for the imputer or the learner to handle.
    """

    def fit(self, X: pd.DataFrame, y: Any = None) -> DatetimeParts:
        """Learn nothing; remember the column names."""
        import pandas as pd

        self.columns_ = [str(c) for c in pd.DataFrame(X).columns]
        self.n_features_in_ = len(self.columns_)
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """One block of ``DATETIME_PARTS`` per column."""
        import numpy as np
        import pandas as pd

        blocks = []
        for _, column in pd.DataFrame(X).items():
            when = pd.to_datetime(column, errors="coerce", utc=True)
            days = (when - pd.Timestamp(0, tz="UTC")).dt.total_seconds() / 86400.0
            parts = [
                when.dt.year,
                when.dt.month,
                when.dt.day,
                when.dt.day_of_week,
                when.dt.hour,
                days,
            ]
            blocks.append(
                np.column_stack([p.to_numpy(dtype=float, na_value=np.nan) for p in parts])
            )
        return np.hstack(blocks) if blocks else np.empty((len(X), 0))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """``column_part`` for every column and part."""
        import numpy as np

        return np.asarray([f"{c}_{p}" for c in self.columns_ for p in DATETIME_PARTS], dtype=object)


class TextColumn(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """One text column as a list of strings (missing as empty), the input of a vectoriser."""

    def fit(self, X: Any, y: Any = None) -> TextColumn:
        """Learn nothing."""
        return self

    def transform(self, X: Any) -> list[str]:
        """The values as strings."""
        import pandas as pd

        series = pd.Series(X.iloc[:, 0] if isinstance(X, pd.DataFrame) else X)
        return [str(v) for v in series.astype(object).where(series.notna(), "")]
