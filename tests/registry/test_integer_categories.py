"""A column of whole numbers used as categories scores alike as integers or as floats.

JSON has one number type, so a server receives 1.0 where training read the integer 1; a
column with missing values is read as floats too. Both must name the same category.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

import mlwright

if TYPE_CHECKING:
    from pathlib import Path


def test_whole_numbers_as_floats_predict_like_integers(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    n = 800
    frame = pd.DataFrame({"flag": rng.integers(0, 2, n), "x": rng.normal(size=n)})
    frame["y"] = np.where((frame["flag"] == 1) ^ (frame["x"] > 1.5), "a", "b")
    with mlwright.Workspace(tmp_path / "ws") as ws:
        ws.ingest(frame, name="flags")
        options = {"time_budget": 2, "families": ["lightgbm"], "seed": 0, "deterministic": True}
        ws.train("flags", target="y", **options).register("flags")
        model = ws.load_model("flags")
    assert {c.name: c.role for c in model.info.columns}["flag"] == "boolean"
    integers = pd.DataFrame({"flag": [1, 0, 1, 0], "x": [0.0, 0.0, 2.0, 2.0]})
    floats = integers.astype({"flag": float})
    expected = model.predict_proba(integers)
    np.testing.assert_allclose(model.predict_proba(floats), expected, rtol=0, atol=1e-12)
    assert model.predict(integers).tolist() == ["a", "b", "b", "a"]
