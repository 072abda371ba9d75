"""Convert a registered model to an ONNX graph, where every step of its pipelines converts.

Inputs: one per column the model reads, of type ``tensor(float)`` and shape ``[N, 1]``.
Integer columns are fed as floats too; NaN marks a missing value, and infinities count as
missing, as in training. An input is named after its column, made an identifier as ONNX
asks: other characters than letters, digits and ``_`` become ``_`` (``mean radius`` is
``mean_radius``) and a leading digit gets a ``_`` before it. The metadata entry
``columns`` maps each input name to its column.

Outputs:

- classification: ``label`` (shape ``[N]``; the class labels as strings, or as int64 or
  double when the target was numeric, booleans as 0 and 1) and ``probabilities``
  (``[N, n_classes]``, columns in the order of ``classes_``). For a binary task ``label``
  is ``classes_[1]`` when its probability reaches the model's decision threshold, as
  ``predict`` does; the threshold may differ from 0.5 (one chosen for business costs) and
  is also in the metadata.
- regression: ``prediction`` (shape ``[N]``).

An ensemble becomes one graph: the probabilities (or values) of its pipelines are weighted
and summed, as :class:`~mlwright.learn.model.TabularModel` does. Numeric columns convert,
with the imputation, missing-value flags and scaling the model learned, and so do the
estimators of the families in ``CONVERTIBLE_FAMILIES`` (LightGBM's through onnxmltools).
Categorical, boolean, date and text columns and the other families do not: exporting such a
model raises :class:`ConfigError` naming the step, and the model package is the way to move
it. The graph computes in float32, so its outputs match the model's to float32 precision;
a value within float32 rounding of a tree's split may go the other way. The converters are
the ``onnx`` extra (``pip install 'mlwright[onnx]'``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlwright.core._optional import import_optional
from mlwright.core.errors import ConfigError

if TYPE_CHECKING:
    from pathlib import Path

    from onnx import ModelProto

    from mlwright.learn.model import TabularModel
    from mlwright.registry.loaded import LoadedModel

# Opsets that current runtimes (onnxruntime since 1.13, among others) all run.
TARGET_OPSET = {"": 17, "ai.onnx.ml": 3}
CONVERTIBLE_FAMILIES = "lightgbm, linear, random_forest and extra_trees"


def write_onnx(loaded: LoadedModel, dest: Path) -> Path:
    """Convert ``loaded`` to ONNX (see the module docstring) and write it to ``dest``."""
    graph = to_onnx(loaded)
    dest.write_bytes(graph.SerializeToString())
    return dest


def to_onnx(loaded: LoadedModel) -> ModelProto:
    """The ONNX graph of ``loaded``; :class:`ConfigError` where a step does not convert."""
    for module in ("onnx", "skl2onnx", "onnxmltools"):
        import_optional(module, extra="onnx")
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType

    model, ref = loaded.model, loaded.source.ref
    columns = _check_model(model, ref)
    parsers, shapes, converters = _conversions()
    graph: ModelProto = convert_sklearn(
        model,
        name=ref,
        initial_types=[(c, FloatTensorType([None, 1])) for c in columns],
        final_types=[(name, None) for name in _output_names(model)],
        target_opset=TARGET_OPSET,
        options=_classifier_options(model),
        custom_parsers=parsers,
        custom_shape_calculators=shapes,
        custom_conversion_functions=converters,
    )
    inputs = {i.name: c for i, c in zip(graph.graph.input, columns, strict=True)}
    _add_metadata(graph, loaded, inputs)
    return graph


def _output_names(model: TabularModel) -> list[str]:
    return ["prediction"] if model.classes is None else ["label", "probabilities"]


def _classifier_options(model: TabularModel) -> dict[int, dict[str, Any]]:
    """Ask skl2onnx's classifiers for a probability tensor, not a list of dictionaries.

    LightGBM's get no options, but must be named: skl2onnx gives a classifier in a
    pipeline without options the ``zipmap`` option, which LightGBM's converter refuses.
    """
    from lightgbm import LGBMClassifier

    if model.classes is None:
        return {}
    estimators = [p.steps[-1][1] for p in model.pipelines]
    return {id(e): {} if type(e) is LGBMClassifier else {"zipmap": False} for e in estimators}


def _add_metadata(graph: ModelProto, loaded: LoadedModel, inputs: dict[str, str]) -> None:
    import json

    from onnx.helper import set_model_props

    from mlwright import __version__

    props = {
        "model": loaded.source.ref,
        "task_type": loaded.task_type,
        "target": loaded.target,
        "columns": json.dumps(inputs),
    }
    if loaded.model.classes is not None:
        props["classes"] = json.dumps([_plain(c) for c in loaded.model.classes])
        props["threshold"] = str(loaded.model.threshold)
    set_model_props(graph, props)
    graph.producer_name, graph.producer_version = "mlwright", __version__


def _plain(value: Any) -> Any:
    """A class label as a JSON value (NumPy scalars become Python ones)."""
    return value.item() if hasattr(value, "item") else value


def _check_model(model: TabularModel, ref: str) -> list[str]:
    """The columns the graph takes, in the model's order; raise where a step does not convert."""
    used: set[str] = set()
    for pipeline in model.pipelines:
        prepare = pipeline.named_steps["prepare"]
        for name, transformer, columns in prepare.transformers_:
            if isinstance(transformer, str) and transformer == "drop":
                continue
            if not _is_numeric_step(transformer):
                shown = ", ".join(repr(c) for c in columns)
                steps = " -> ".join(type(s).__name__ for s in _steps(transformer))
                what = f"step {name!r} ({steps}) on column(s) {shown} does not convert"
                raise _unconvertible(what + "; only numeric columns do", ref)
            used.update(columns)
        estimator = pipeline.steps[-1][1]
        if type(estimator) not in _convertible_estimators():
            what = f"its estimator {type(estimator).__name__} does not convert"
            raise _unconvertible(what + f"; {CONVERTIBLE_FAMILIES} do", ref)
    clash = used & set(_output_names(model))
    if clash:
        what = f"column {min(clash)!r} has the name of an output of the graph"
        raise _unconvertible(what + "; rename the column and train again", ref)
    return [c for c in model.feature_columns if c in used]


def _convertible_estimators() -> tuple[type, ...]:
    """The estimators whose graphs are tested to predict as the model does.

    Not k-NN (float32 distances break its ties otherwise) nor histogram gradient boosting
    (skl2onnx's converter fails on current scikit-learn).
    """
    from lightgbm import LGBMClassifier, LGBMRegressor
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        ExtraTreesRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.linear_model import LogisticRegression, Ridge

    return (
        LGBMClassifier,
        LGBMRegressor,
        LogisticRegression,
        Ridge,
        RandomForestClassifier,
        RandomForestRegressor,
        ExtraTreesClassifier,
        ExtraTreesRegressor,
    )


def _steps(transformer: Any) -> list[Any]:
    return [s for _, s in transformer.steps] if hasattr(transformer, "steps") else [transformer]


def _is_numeric_step(transformer: Any) -> bool:
    """Whether a preprocessing step is ``Numbers``, then imputation and scaling, as built."""
    import numpy as np
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import StandardScaler

    from mlwright.learn.transformers import Numbers

    first, *rest = _steps(transformer)
    if type(first) is not Numbers:
        return False
    for step in rest:
        if type(step) is SimpleImputer:
            # Only NaN is missing, and no column was dropped for being empty.
            nan = isinstance(step.missing_values, float) and np.isnan(step.missing_values)
            if not nan or np.isnan(step.statistics_).any():
                return False
        elif type(step) is not StandardScaler:
            return False
    return True


def _unconvertible(what: str, ref: str) -> ConfigError:
    msg = f"cannot export model {ref} to ONNX: {what}"
    hint = f"move it as a model package instead: mlwright models export {ref} --format package"
    return ConfigError(msg, hint=hint)


def _conversions() -> tuple[dict[type, Any], dict[type, Any], dict[type, Any]]:
    """Parsers, shape calculators and converters for this conversion only.

    They are passed to ``convert_sklearn`` rather than registered, so that skl2onnx's own
    registry (its ``SimpleImputer`` converter, which ignores missing-value flags) is
    left as it is for the rest of the process.
    """
    from lightgbm import LGBMClassifier, LGBMRegressor
    from onnxmltools.convert.lightgbm.operator_converters.LightGbm import convert_lightgbm
    from skl2onnx.common.shape_calculator import calculate_linear_regressor_output_shapes
    from sklearn.impute import SimpleImputer

    from mlwright.learn.model import TabularModel
    from mlwright.learn.transformers import Numbers

    parsers: dict[type, Any] = {TabularModel: _parse_model}
    shapes: dict[type, Any] = {
        TabularModel: _model_shapes,
        Numbers: _numbers_shapes,
        SimpleImputer: _imputer_shapes,
        LGBMClassifier: _classifier_shapes,
        LGBMRegressor: calculate_linear_regressor_output_shapes,
    }
    converters: dict[type, Any] = {
        TabularModel: _convert_model,
        Numbers: _convert_numbers,
        SimpleImputer: _convert_imputer,
        LGBMClassifier: convert_lightgbm,
        LGBMRegressor: convert_lightgbm,
    }
    return parsers, shapes, converters


def _parse_model(
    scope: Any, model: TabularModel, inputs: list[Any], custom_parsers: Any = None
) -> Any:
    """Parse every pipeline on the same inputs, then one operator that blends their outputs."""
    from skl2onnx._parse import _parse_sklearn
    from skl2onnx.common.data_types import FloatTensorType

    blend = scope.declare_local_operator("MlwrightBlend", model)
    for pipeline in model.pipelines:
        # A classifier's outputs are (label, probabilities), a regressor's (values,).
        outputs = _parse_sklearn(scope, pipeline, inputs, custom_parsers=custom_parsers)
        blend.inputs.append(outputs[-1])
    for name in _output_names(model):
        blend.outputs.append(scope.declare_local_variable(name, FloatTensorType()))
    return blend.outputs


def _model_shapes(operator: Any) -> None:
    from skl2onnx.common.data_types import FloatTensorType

    model = operator.raw_operator
    if model.classes is None:
        operator.outputs[0].type = FloatTensorType([None])
        return
    tensor_type, _ = _label_types(model.classes)
    operator.outputs[0].type = tensor_type([None])
    operator.outputs[1].type = FloatTensorType([None, len(model.classes)])


def _label_types(classes: list[Any]) -> tuple[Any, Any]:
    """The skl2onnx tensor type and NumPy dtype of the ``label`` output."""
    import numpy as np
    from skl2onnx.common.data_types import DoubleTensorType, Int64TensorType, StringTensorType

    kind = np.asarray(classes).dtype.kind
    if kind in "iub":
        return Int64TensorType, np.int64
    if kind == "f":
        return DoubleTensorType, np.float64
    return StringTensorType, np.str_


def _convert_model(scope: Any, operator: Any, container: Any) -> None:
    """Weighted sum of the pipelines' outputs; labels from the probabilities."""
    import numpy as np

    model = operator.raw_operator
    outputs = [v.full_name for v in operator.outputs]
    parts = []
    for source, pipeline, weight in zip(
        operator.inputs, model.pipelines, model.weights, strict=True
    ):
        if model.classes is None:
            factor = _const(scope, container, np.array([weight], dtype=np.float32))
            parts.append(_node(scope, container, "Mul", [source.full_name, factor]))
            continue
        # Columns of the pipeline's classes (codes) to the model's columns, times its weight.
        seen = np.asarray(pipeline.classes_, dtype=np.int64)
        spread = np.zeros((len(seen), len(model.classes)), dtype=np.float32)
        spread[np.arange(len(seen)), seen] = weight
        matrix = _const(scope, container, spread)
        parts.append(_node(scope, container, "MatMul", [source.full_name, matrix]))
    if model.classes is None:
        flat = _const(scope, container, np.array([-1], dtype=np.int64))
        total = _node(scope, container, "Sum", parts)
        _node(scope, container, "Reshape", [total, flat], out=outputs[0])
        return
    proba = _node(scope, container, "Sum", parts, out=outputs[1])
    _, dtype = _label_types(model.classes)
    labels = _const(scope, container, np.asarray(model.classes).astype(dtype))
    codes = _codes(scope, container, proba, model)
    _node(scope, container, "Gather", [labels, codes], out=outputs[0], axis=0)


def _codes(scope: Any, container: Any, proba: str, model: TabularModel) -> str:
    """Class codes as ``predicted_codes`` gives them: threshold for two classes, else argmax."""
    import numpy as np
    from onnx import TensorProto

    if len(model.classes or []) != 2:
        return _node(scope, container, "ArgMax", [proba], axis=1, keepdims=0)
    one = _const(scope, container, np.array(1, dtype=np.int64))
    positive = _node(scope, container, "Gather", [proba, one], axis=1)
    threshold = _const(scope, container, np.array(model.threshold, dtype=np.float32))
    chosen = _node(scope, container, "GreaterOrEqual", [positive, threshold])
    return _node(scope, container, "Cast", [chosen], to=TensorProto.INT64)


def _classifier_shapes(operator: Any) -> None:
    """A classifier outside skl2onnx's registry: label codes and a probability tensor."""
    from skl2onnx.common.data_types import FloatTensorType, Int64TensorType

    n_classes = len(operator.raw_operator.classes_)
    operator.outputs[0].type = Int64TensorType([None])
    operator.outputs[1].type = FloatTensorType([None, n_classes])


def _numbers_shapes(operator: Any) -> None:
    from skl2onnx.common.data_types import FloatTensorType

    operator.outputs[0].type = FloatTensorType([None, operator.raw_operator.n_features_in_])


def _convert_numbers(scope: Any, operator: Any, container: Any) -> None:
    """``Numbers``: infinities become NaN (missing)."""
    import numpy as np

    values = operator.inputs[0].full_name
    infinite = _node(scope, container, "IsInf", [values])
    nan = _const(scope, container, np.array(np.nan, dtype=np.float32))
    _node(scope, container, "Where", [infinite, nan, values], out=operator.outputs[0].full_name)


def _imputer_shapes(operator: Any) -> None:
    from skl2onnx.common.data_types import FloatTensorType

    imputer = operator.raw_operator
    n_flags = 0 if imputer.indicator_ is None else len(imputer.indicator_.features_)
    operator.outputs[0].type = FloatTensorType([None, len(imputer.statistics_) + n_flags])


def _convert_imputer(scope: Any, operator: Any, container: Any) -> None:
    """``SimpleImputer``: NaN replaced by the learned statistic, then the missing flags."""
    import numpy as np
    from onnx import TensorProto

    imputer = operator.raw_operator
    values, out = operator.inputs[0].full_name, operator.outputs[0].full_name
    missing = _node(scope, container, "IsNaN", [values])
    fill = _const(scope, container, imputer.statistics_.astype(np.float32))
    if imputer.indicator_ is None or not len(imputer.indicator_.features_):
        _node(scope, container, "Where", [missing, fill, values], out=out)
        return
    filled = _node(scope, container, "Where", [missing, fill, values])
    flagged = _const(scope, container, np.asarray(imputer.indicator_.features_, dtype=np.int64))
    flags = _node(scope, container, "Gather", [missing, flagged], axis=1)
    numeric = _node(scope, container, "Cast", [flags], to=TensorProto.FLOAT)
    _node(scope, container, "Concat", [filled, numeric], out=out, axis=1)


def _node(
    scope: Any,
    container: Any,
    op_type: str,
    inputs: list[str],
    *,
    out: str | None = None,
    **attrs: Any,
) -> str:
    """Add an ``op_type`` node writing ``out`` (default: a new name); return that name."""
    out = out or scope.get_unique_variable_name(op_type.lower())
    container.add_node(
        op_type, inputs, [out], name=scope.get_unique_operator_name(op_type), **attrs
    )
    return out


def _const(scope: Any, container: Any, value: Any) -> str:
    """Add ``value`` (a NumPy array) as an initializer; return its name."""
    from onnx import TensorProto
    from onnx.helper import np_dtype_to_tensor_dtype

    name: str = scope.get_unique_variable_name("const")
    if value.dtype.kind == "U":
        flat = [str(v).encode() for v in value.ravel()]
        container.add_initializer(name, TensorProto.STRING, list(value.shape), flat)
    else:
        onnx_type = np_dtype_to_tensor_dtype(value.dtype)
        container.add_initializer(name, onnx_type, list(value.shape), value.ravel().tolist())
    return name
