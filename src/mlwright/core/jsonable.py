"""Values as plain JSON: what every store and every JSON document of mlwright holds."""

from __future__ import annotations

import math
from typing import Any


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON (NumPy numbers become Python numbers).

    NaN and infinities become null: PostgreSQL's JSON refuses them, a store must hold the
    same thing whatever database is behind it, and a JSON file must parse everywhere.
    """
    import json

    return _finite(json.loads(json.dumps(value, default=_plain)))


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)
