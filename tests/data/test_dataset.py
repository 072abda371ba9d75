"""The dataset handle: references, and reading the stored table back."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from mlwright.core.errors import ConfigError
from mlwright.data.dataset import check_name, parse_ref

if TYPE_CHECKING:
    from pathlib import Path

    from mlwright.workspace import Workspace


@pytest.mark.parametrize(
    ("ref", "parsed"),
    [("churn", ("churn", None)), ("churn:3", ("churn", 3)), ("a.b-c_1:12", ("a.b-c_1", 12))],
)
def test_parse_ref(ref: str, parsed: tuple[str, int | None]) -> None:
    assert parse_ref(ref) == parsed


@pytest.mark.parametrize("name", ["", "-x", "has space", "a/b", "x" * 129, "é"])
def test_names_that_would_not_survive_a_reference_are_refused(name: str) -> None:
    with pytest.raises(ConfigError, match="invalid dataset name"):
        check_name(name)


def test_reading_back_gives_the_ingested_table(workspace: Workspace) -> None:
    frame = pd.DataFrame({"a": [1, 2, 3], "b": ["x", None, "z"]})
    ds = workspace.ingest(frame, name="t").dataset
    pd.testing.assert_frame_equal(ds.to_pandas(), frame)
    assert ds.to_arrow().num_rows == ds.n_rows == 3


def test_reading_a_dataset_leaves_the_interpreter_able_to_exit(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import pandas as pd
        from mlwright.workspace import Workspace

        ws = Workspace({str(tmp_path / "ws")!r})
        for i in range(10):
            ws.ingest(pd.DataFrame({{"a": [i, i + 1]}}), name=f"t{{i}}").dataset.to_arrow()
        # no ws.close(): a script may simply end
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
