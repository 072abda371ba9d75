"""Every package format mlwright ever wrote still loads and predicts as it did when written.

Each ``tests/fixtures/packages/vN/`` holds a package written by the mlwright of format N
(see ``make_vN.py`` there) and ``expected.json``: input rows, and the predictions the package
made when it was written. These files are never regenerated.
"""

from __future__ import annotations

import json
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mlwright
from mlwright.core.errors import MlwrightWarning
from mlwright.registry.environment import version_differences
from mlwright.registry.package import FORMAT_VERSION

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "packages"
FORMATS = sorted(FIXTURES.glob("v*/expected.json"), key=lambda p: int(p.parent.name[1:]))


def test_every_format_up_to_the_current_one_has_a_fixture() -> None:
    assert [int(p.parent.name[1:]) for p in FORMATS] == list(range(1, FORMAT_VERSION + 1))


@pytest.mark.parametrize("expected_file", FORMATS, ids=[p.parent.name for p in FORMATS])
def test_an_old_package_loads_and_predicts_as_it_did(expected_file: Path) -> None:
    expected = json.loads(expected_file.read_text())
    package = expected_file.parent / expected["package"]
    assert package.stat().st_size < 300_000
    with zipfile.ZipFile(package) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        recorded = json.loads(zf.read("environment.json"))["libraries"]
    assert (
        manifest["format_version"]
        == expected["format_version"]
        == int(expected_file.parent.name[1:])
    )
    assert recorded == expected["written_with"]

    # Loading warns exactly when the installed libraries differ from the recorded ones.
    drift = version_differences(recorded)
    if drift:
        with pytest.warns(MlwrightWarning, match="other library versions") as caught:
            model = mlwright.load_model(package)
        assert all(change in str(caught[0].message) for change in drift)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            model = mlwright.load_model(package)

    rows = pd.DataFrame.from_records(expected["rows"])
    assert [str(c) for c in model.classes_] == expected["classes"]
    assert [str(label) for label in model.predict(rows)] == expected["predict"]
    np.testing.assert_allclose(
        model.predict_proba(rows), np.asarray(expected["predict_proba"]), rtol=0, atol=1e-6
    )
