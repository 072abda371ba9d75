"""Preprocessing per model family, generated from the dataset's schema.

Each family asks for one ``PreprocessStyle``:

- ``LINEAR`` (linear models, k-NN): missing numbers imputed by the median with a missing
  flag, everything scaled; categories one-hot encoded (rare ones pooled), or target encoded
  (cross-fitted) when there are many; dates as calendar parts; text as TF-IDF.
- ``TREE`` (random forest, extra trees): numbers imputed; categories as ordinal codes.
- ``NATIVE`` (LightGBM, histogram gradient boosting): missing numbers left to the learner;
  categories as ordinal codes; text as a small dense TF-IDF.

Identifier and constant columns are never features. The preprocessor is part of the model's
pipeline, so every cross-validation fold fits its own: nothing leaks from validation rows.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from mlwright.data.schema import Role

if TYPE_CHECKING:
    from mlwright.learn.task import TaskType

# A categorical column with more distinct values than this is target encoded for linear models.
ONE_HOT_MAX_CATEGORIES = 30
# Categories seen in fewer training rows than this are pooled into one "infrequent" category.
MIN_CATEGORY_ROWS = 5
TEXT_MAX_FEATURES = {"linear": 20_000, "tree": 200, "native": 200}
FEATURE_ROLES = (Role.NUMERIC, Role.CATEGORICAL, Role.BOOLEAN, Role.DATETIME, Role.TEXT)


class PreprocessStyle(StrEnum):
    """How a model family wants its inputs prepared."""

    LINEAR = "linear"
    TREE = "tree"
    NATIVE = "native"


def build_preprocessor(
    roles: dict[str, Role],
    style: PreprocessStyle,
    task_type: TaskType,
    *,
    n_categories: dict[str, int] | None = None,
) -> Any:
    """A ``ColumnTransformer`` for the feature columns ``roles`` (name to role) in ``style``.

    ``n_categories`` (distinct values per categorical column, from the profile) decides
    between one-hot and target encoding for linear models.
    """
    from sklearn.compose import ColumnTransformer

    by_role: dict[Role, list[str]] = {role: [] for role in FEATURE_ROLES}
    for name, role in roles.items():
        if role in by_role:
            by_role[role].append(name)
    counts = n_categories or {}
    parts: list[tuple[str, Any, Any]] = []
    if by_role[Role.NUMERIC]:
        parts.append(("numeric", _numeric(style), by_role[Role.NUMERIC]))
    categorical = by_role[Role.CATEGORICAL] + by_role[Role.BOOLEAN]
    if style is PreprocessStyle.LINEAR:
        few = [c for c in categorical if counts.get(c, 0) <= ONE_HOT_MAX_CATEGORIES]
        many = [c for c in categorical if c not in few]
        if few:
            parts.append(("onehot", _one_hot(), few))
        if many:
            parts.append(("target", _target_encoding(task_type), many))
    elif categorical:
        parts.append(("ordinal", _ordinal(), categorical))
    if by_role[Role.DATETIME]:
        parts.append(("datetime", _datetime(style), by_role[Role.DATETIME]))
    for name in by_role[Role.TEXT]:
        parts.append((f"text_{name}", _text(style), [name]))
    sparse = 0.3 if style is PreprocessStyle.LINEAR else 0.0
    return ColumnTransformer(parts, remainder="drop", sparse_threshold=sparse)


def _numeric(style: PreprocessStyle) -> Any:
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from mlwright.learn.transformers import Numbers

    if style is PreprocessStyle.NATIVE:
        return Numbers()
    impute = SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)
    if style is PreprocessStyle.TREE:
        return make_pipeline(Numbers(), impute)
    return make_pipeline(Numbers(), impute, StandardScaler())


def _one_hot() -> Any:
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    from mlwright.learn.transformers import CategoryLabels

    encoder = OneHotEncoder(
        handle_unknown="infrequent_if_exist", min_frequency=MIN_CATEGORY_ROWS, drop="if_binary"
    )
    return make_pipeline(CategoryLabels(), encoder)


def _target_encoding(task_type: TaskType) -> Any:
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler, TargetEncoder

    from mlwright.learn.transformers import CategoryLabels

    target_type = "continuous" if not task_type.is_classification else "auto"
    return make_pipeline(CategoryLabels(), TargetEncoder(target_type=target_type), StandardScaler())


def _ordinal() -> Any:
    import numpy as np
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OrdinalEncoder

    from mlwright.learn.transformers import CategoryLabels

    encoder = OrdinalEncoder(
        handle_unknown="use_encoded_value",
        unknown_value=-1,
        min_frequency=MIN_CATEGORY_ROWS,
        dtype=np.float64,
    )
    return make_pipeline(CategoryLabels(), encoder)


def _datetime(style: PreprocessStyle) -> Any:
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from mlwright.learn.transformers import DatetimeParts

    if style is PreprocessStyle.NATIVE:
        return DatetimeParts()
    impute = SimpleImputer(strategy="median", keep_empty_features=True)
    if style is PreprocessStyle.TREE:
        return make_pipeline(DatetimeParts(), impute)
    return make_pipeline(DatetimeParts(), impute, StandardScaler())


def _text(style: PreprocessStyle) -> Any:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline

    from mlwright.learn.transformers import TextColumn

    vectorizer = TfidfVectorizer(
        max_features=TEXT_MAX_FEATURES[style.value],
        ngram_range=(1, 2) if style is PreprocessStyle.LINEAR else (1, 1),
        sublinear_tf=True,
        dtype=np.float64,
    )
    return make_pipeline(TextColumn(), vectorizer)
