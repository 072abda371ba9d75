"""Labels as the metric functions take them: a classifier's class codes, a regressor's numbers.

Shared by monitoring, retraining and failure analysis, which all score a model on labelled
rows read from files, where a label may come back as another type than in training.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from mlwright.registry.loaded import LoadedModel


def encode_truth(model: LoadedModel, truth: list[Any]) -> np.ndarray:
    """Labels as the metric functions take them: class codes, or numbers for regression."""
    import numpy as np

    from mlwright.core.errors import DataError
    from mlwright.registry.inputs import FALSE_WORDS, TRUE_WORDS

    classes = model.model.classes
    if classes is None:
        return np.asarray(truth, dtype=float)
    code = {_label(c): i for i, c in enumerate(classes)}
    # A reader may take a yes/no column for booleans (DuckDB's CSV sniffer does): a boolean
    # names the class that is one of the words for it.
    for value, words in ((True, TRUE_WORDS), (False, FALSE_WORDS)):
        named = [i for c, i in code.items() if c.lower() in words]
        if _label(value) not in code and len(named) == 1:
            code[_label(value)] = named[0]
    unknown = sorted({_label(v) for v in truth} - set(code))
    if unknown:
        msg = f"the target holds {unknown[0]!r}, a class the model does not know"
        raise DataError(msg, hint=f"the model's classes are {', '.join(map(_label, classes))}")
    return np.array([code[_label(v)] for v in truth])


def _label(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).lower() if isinstance(value, bool) else str(value)
