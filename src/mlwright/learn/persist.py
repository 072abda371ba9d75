"""Turn a trained model into bytes and back, without ever unpickling arbitrary objects.

skops writes the object tree as a schema plus arrays; loading refuses any type outside
scikit-learn's and NumPy's own unless it is on ``TRUSTED_TYPES``, the explicit list of the
types mlwright's pipelines are made of.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlwright.core.errors import StoreError

if TYPE_CHECKING:
    from mlwright.learn.model import TabularModel

TRUSTED_TYPES = frozenset(
    {
        "collections.OrderedDict",
        "numpy.dtype",
        "lightgbm.basic.Booster",
        "lightgbm.sklearn.LGBMClassifier",
        "lightgbm.sklearn.LGBMRegressor",
        "mlwright.learn.model.TabularModel",
        "mlwright.learn.transformers.CategoryLabels",
        "mlwright.learn.transformers.DatetimeParts",
        "mlwright.learn.transformers.Numbers",
        "mlwright.learn.transformers.TextColumn",
        # scikit-learn's own compiled pieces, which skops does not trust by default.
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
        "sklearn.metrics._dist_metrics.EuclideanDistance64",
        "sklearn.neighbors._ball_tree.BallTree",
        "sklearn.neighbors._kd_tree.KDTree",
        "sklearn.tree._tree.Tree",
    }
)


def model_to_bytes(model: TabularModel) -> bytes:
    """The model in skops' format."""
    import skops.io as sio

    return bytes(sio.dumps(model))


def model_from_bytes(data: bytes) -> TabularModel:
    """Load a model written by :func:`model_to_bytes`, refusing types not known to be safe."""
    import skops.io as sio

    from mlwright.learn.model import TabularModel

    untrusted = set(sio.get_untrusted_types(data=data))
    unknown = sorted(untrusted - TRUSTED_TYPES)
    if unknown:
        msg = f"the model holds types mlwright does not trust: {', '.join(unknown)}"
        raise StoreError(msg, hint="it was not written by this mlwright; retrain it")
    model = sio.loads(data, trusted=sorted(untrusted))
    if not isinstance(model, TabularModel):
        msg = f"the artifact holds a {type(model).__name__}, not a trained mlwright model"
        raise StoreError(msg, hint="retrain it")
    return model
