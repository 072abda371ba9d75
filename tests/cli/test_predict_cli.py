"""``mlwright predict REF INPUT -o OUTPUT``: batch scoring as users run it.

One workspace is trained once per module (a LightGBM model of the breast-cancer data,
registered as ``bc:1`` with the alias ``production``); each test scores files against a
private copy of it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

import mlwright
from mlwright.workspace import Workspace

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.cli.conftest import RunResult

CONSOLE_SCRIPT = Path(sys.executable).with_name("mlwright")
OUTPUT_COLUMNS = ["id", "prediction", "proba_benign", "proba_malignant"]
N_ROWS = 569


def breast_cancer() -> pd.DataFrame:
    """569 rows: an ``id``, 30 numeric features and a string ``target``."""
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    frame["target"] = np.where(frame["target"] == 1, "benign", "malignant")
    frame.insert(0, "id", np.arange(1, len(frame) + 1))
    return frame


def inputs() -> pd.DataFrame:
    """What a user scores: the ``id`` and the features, no target."""
    return breast_cancer().drop(columns="target")


@dataclass(frozen=True)
class Registered:
    """The workspace folder and the run registered as ``bc:1`` (``bc@production``)."""

    path: Path
    run_id: str


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Registered:
    path = tmp_path_factory.mktemp("predict-template") / "ws"
    with Workspace(path) as ws:
        ws.ingest(breast_cancer(), name="bc", roles={"id": "identifier"})
        run = ws.train("bc", target="target", time_budget=5, families=["lightgbm"], seed=0)
        ws.register(run.id, "bc", alias="production")
    return Registered(path, run.id)


@pytest.fixture
def registered(template: Registered, ws_path: Path) -> Registered:
    """A private copy of the template at ``ws_path``."""
    shutil.copytree(template.path, ws_path)
    return Registered(ws_path, template.run_id)


@pytest.fixture
def expected(registered: Registered) -> pd.DataFrame:
    """The output ``load_model`` gives for :func:`inputs`, as ``predict`` should write it."""
    model = mlwright.load_model("bc:1", workspace=registered.path)
    features = inputs().drop(columns="id")
    proba = model.predict_proba(features)
    assert list(model.classes_) == ["benign", "malignant"]
    return pd.DataFrame(
        {
            "id": inputs()["id"],
            "prediction": model.predict(features),
            "proba_benign": proba[:, 0],
            "proba_malignant": proba[:, 1],
        }
    )


def _ok(result: RunResult) -> RunResult:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def _refused(result: RunResult, message: str) -> RunResult:
    """Exit 2, one ``error:`` line holding ``message``, no traceback, nothing on stdout."""
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert len(result.error_lines) == 1, result.stderr
    assert message in result.error_lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    return result


def _read(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)


def _same_scores(written: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(written.columns) == OUTPUT_COLUMNS
    assert len(written) == N_ROWS
    np.testing.assert_array_equal(written["id"].to_numpy(), expected["id"].to_numpy())
    np.testing.assert_array_equal(
        written["prediction"].to_numpy(object), expected["prediction"].to_numpy(object)
    )
    for column in ("proba_benign", "proba_malignant"):
        np.testing.assert_allclose(written[column], expected[column], rtol=1e-12, atol=0)


def _write(frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif path.suffix == ".json":
        frame.to_json(path, orient="records")
    else:
        frame.to_csv(path, index=False)
    return path


# --- scoring ---------------------------------------------------------------------------------


@pytest.mark.parametrize("ref", ["bc", "bc:1", "bc@production", "PACKAGE"])
def test_every_kind_of_reference_scores_like_load_model(
    run_cli: Callable[..., RunResult],
    registered: Registered,
    expected: pd.DataFrame,
    tmp_path: Path,
    ref: str,
) -> None:
    if ref == "PACKAGE":
        package = tmp_path / "exported" / "bc.mlwright.zip"
        _ok(run_cli("models", "export", "bc:1", "-o", str(package)))
        ref = str(package)
    source = _write(inputs(), tmp_path / "in" / "patients.csv")
    output = tmp_path / "out" / "scores.csv"
    result = _ok(run_cli("predict", ref, str(source), "-o", str(output), "--keep", "id", "-q"))
    shown = "bc:1" if not ref.endswith(".zip") else ref
    assert result.stdout == f"Scored 569 rows with {shown}; wrote {output}\n"
    assert result.stderr == ""
    _same_scores(_read(output), expected)
    assert sorted(p.name for p in output.parent.iterdir()) == ["scores.csv"]


@pytest.mark.parametrize(
    ("source_name", "output_name"),
    [("in.parquet", "out.parquet"), ("in.json", "out.csv"), ("in.csv", "out.parquet")],
)
def test_parquet_and_json_in_and_out(
    run_cli: Callable[..., RunResult],
    registered: Registered,
    expected: pd.DataFrame,
    tmp_path: Path,
    source_name: str,
    output_name: str,
) -> None:
    source = _write(inputs(), tmp_path / source_name)
    output = tmp_path / "scored" / output_name
    result = _ok(
        run_cli("predict", "bc@production", str(source), "-o", str(output), "-k", "id", "--json")
    )
    assert json.loads(result.stdout) == {
        "model": "bc:1",
        "output": str(output),
        "rows": N_ROWS,
        "columns": OUTPUT_COLUMNS,
    }
    assert result.stderr == "", "--json prints no progress"
    _same_scores(_read(output), expected)


def test_small_batches_stream_to_the_same_output(
    run_cli: Callable[..., RunResult], registered: Registered, tmp_path: Path
) -> None:
    source = _write(inputs(), tmp_path / "in.csv")
    whole, batched = tmp_path / "whole.csv", tmp_path / "batched.csv"
    _ok(run_cli("predict", "bc", str(source), "-o", str(whole), "--keep", "id", "-q"))
    result = _ok(
        run_cli(
            "predict", "bc", str(source), "-o", str(batched), "--keep", "id", "--batch-rows", "50"
        )
    )
    progress = [line for line in result.stderr.splitlines() if "scored" in line]
    assert progress == [f"… scored {n} rows" for n in [*range(50, N_ROWS, 50), N_ROWS]]
    assert batched.read_text() == whole.read_text()

    as_parquet = tmp_path / "batched.parquet"
    _ok(
        run_cli(
            "predict", "bc", str(source), "-o", str(as_parquet), "-k", "id", "--batch-rows", "50"
        )
    )
    pd.testing.assert_frame_equal(_read(as_parquet), _read(whole), check_exact=True)


def test_keep_copies_any_number_of_columns_in_order(
    run_cli: Callable[..., RunResult], registered: Registered, tmp_path: Path
) -> None:
    frame = inputs()
    frame["ward"] = np.where(frame["id"] <= 60, None, "north")  # null in the first batch
    source = _write(frame, tmp_path / "in.csv")
    output = tmp_path / "out.parquet"
    args = ["-o", str(output), "-k", "ward", "-k", "id", "--batch-rows", "50", "-q"]
    _ok(run_cli("predict", "bc", str(source), *args))
    written = _read(output)
    assert list(written.columns) == ["ward", "id", *OUTPUT_COLUMNS[1:]]
    assert written["ward"].isna().sum() == 60
    assert (written["ward"].iloc[60:] == "north").all()


def test_the_summary_line_keeps_a_long_odd_output_path_whole(
    run_cli: Callable[..., RunResult],
    registered: Registered,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    source = _write(inputs(), tmp_path / "in.csv")
    output = tmp_path / ("scores of the quarter [final] " + "x" * 60) / "scores.parquet"
    result = _ok(run_cli("predict", "bc", str(source), "-o", str(output), "-k", "id", "-q"))
    assert result.stdout == f"Scored 569 rows with bc:1; wrote {output}\n"
    assert output.is_file()
    package = output.parent / "bc [v1].mlwright.zip"
    result = _ok(run_cli("models", "export", "bc:1", "-o", str(package)))
    assert result.stdout == f"Wrote bc:1 as package to {package}\n"


def test_the_output_file_has_ordinary_permissions(
    run_cli: Callable[..., RunResult], registered: Registered, tmp_path: Path
) -> None:
    source = _write(inputs(), tmp_path / "in.csv")
    output = tmp_path / "out.csv"
    _ok(run_cli("predict", "bc", str(source), "-o", str(output), "-k", "id", "-q"))
    umask = os.umask(0)
    os.umask(umask)
    assert output.stat().st_mode & 0o777 == 0o666 & ~umask


def test_scoring_leaves_no_file_descriptor_open(
    run_cli: Callable[..., RunResult], registered: Registered, tmp_path: Path
) -> None:
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        pytest.skip("needs /proc/self/fd")
    source = _write(inputs(), tmp_path / "in.csv")
    _ok(run_cli("predict", "bc", str(source), "-o", str(tmp_path / "warm.csv"), "-k", "id", "-q"))
    before = len(list(fds.iterdir()))
    for i in range(3):
        output = tmp_path / f"out{i}.csv"
        _ok(run_cli("predict", "bc", str(source), "-o", str(output), "-k", "id", "-q"))
    assert len(list(fds.iterdir())) == before


def _console(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert CONSOLE_SCRIPT.exists(), f"no console script at {CONSOLE_SCRIPT}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLWRIGHT_", "COLUMNS"))}
    return subprocess.run(
        [str(CONSOLE_SCRIPT), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_console_script_scores_a_package_and_warns_of_unused_columns(
    run_cli: Callable[..., RunResult],
    registered: Registered,
    expected: pd.DataFrame,
    tmp_path: Path,
) -> None:
    package = tmp_path / "bc.mlwright.zip"
    _ok(run_cli("models", "export", "bc@production", "-o", str(package)))
    source = _write(breast_cancer(), tmp_path / "with target.csv")  # the target is extra
    done = _console("predict", str(package), source.name, "-o", "out.csv", "-k", "id", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    warning_lines = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert warning_lines == [
        "warning: ignoring 1 input column(s) the model does not use: target"
    ], done.stderr
    assert done.stdout.startswith("Scored 569 rows with ")
    _same_scores(_read(tmp_path / "out.csv"), expected)


# --- errors: exit 2, one line, and no output left behind ---------------------------------------


def test_a_missing_column_is_named_and_nothing_is_written(
    run_cli: Callable[..., RunResult], registered: Registered, tmp_path: Path
) -> None:
    source = _write(inputs().drop(columns="mean texture"), tmp_path / "in.csv")
    folder = tmp_path / "scores"
    result = run_cli("predict", "bc", str(source), "-o", str(folder / "out.csv"), "-k", "id")
    _refused(result, "the input lacks 1 column(s) the model needs: mean texture")
    assert "hint: the model reads: mean radius, mean texture" in result.stderr
    assert not folder.exists() or list(folder.iterdir()) == []


@pytest.mark.parametrize("output_name", ["out.csv", "out.parquet"])
def test_an_impossible_value_names_its_row_and_column_and_writes_nothing(
    run_cli: Callable[..., RunResult], registered: Registered, tmp_path: Path, output_name: str
) -> None:
    frame = inputs().astype({"mean texture": object})
    frame.loc[119, "mean texture"] = "abc"  # row 120 of the file, in its third batch of 50
    source = _write(frame, tmp_path / "in.csv")
    folder = tmp_path / "scores"
    output = folder / output_name
    args = ["-o", str(output), "-k", "id", "--batch-rows", "50"]
    result = _refused(
        run_cli("predict", "bc", str(source), *args),
        "row 120, column 'mean texture': 'abc' is not a number",
    )
    assert "hint:" in result.stderr
    assert "… scored 100 rows" in result.stderr, "two batches were scored before the bad one"
    assert list(folder.iterdir()) == [], "neither the output nor its temporary file is left"


def test_a_failed_scoring_keeps_the_previous_output(
    run_cli: Callable[..., RunResult], registered: Registered, tmp_path: Path
) -> None:
    output = tmp_path / "scores.csv"
    output.write_text("earlier results\n")
    frame = inputs().astype({"mean area": object})
    frame.loc[400, "mean area"] = "n/a?"
    source = _write(frame, tmp_path / "in.csv")
    args = ["-o", str(output), "-k", "id", "--batch-rows", "100"]
    _refused(run_cli("predict", "bc", str(source), *args), "row 401, column 'mean area'")
    assert output.read_text() == "earlier results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "scores.csv", "ws"]


@pytest.mark.parametrize(
    ("ref", "options", "message", "hint"),
    [
        ("bc", ["-o", "out.txt"], "unknown suffix '.txt'", "name the output .csv or .parquet"),
        ("bc", ["-o", "out.csv", "-k", "nope"], "--keep names column(s) the input lacks: nope", ""),
        ("bc", ["-o", "out.csv", "--batch-rows", "0"], "--batch-rows must be at least 1", ""),
        ("nope", ["-o", "out.csv"], "no model 'nope' in this workspace", "registered models: bc"),
        ("bc:2", ["-o", "out.csv"], "no model 'bc:2' in this workspace", "registered models: bc"),
        ("bc@staging", ["-o", "out.csv"], "no model 'bc@staging'", "registered models: bc"),
        ("gone.mlwright.zip", ["-o", "out.csv"], "no model package at gone.mlwright.zip", ""),
    ],
)
def test_bad_arguments_exit_2_with_a_hint_and_write_nothing(
    run_cli: Callable[..., RunResult],
    registered: Registered,
    tmp_path: Path,
    ref: str,
    options: list[str],
    message: str,
    hint: str,
) -> None:
    source = _write(inputs(), tmp_path / "in.csv")
    result = _refused(run_cli("predict", ref, str(source), *options), message)
    assert f"hint: {hint}" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "ws"]


def test_an_input_without_rows_is_refused(
    run_cli: Callable[..., RunResult], registered: Registered, tmp_path: Path
) -> None:
    source = _write(inputs().head(0), tmp_path / "in.csv")
    _refused(run_cli("predict", "bc", str(source), "-o", "out.csv"), "holds no rows to score")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "ws"]


def test_an_unreadable_input_exits_2(
    run_cli: Callable[..., RunResult], registered: Registered, tmp_path: Path
) -> None:
    result = run_cli("predict", "bc", str(tmp_path / "missing.csv"), "-o", "out.csv")
    assert result.exit_code == 2, result.stderr
    assert len(result.error_lines) == 1
    assert "missing.csv" in result.error_lines[0]
    assert not (tmp_path / "out.csv").exists()
