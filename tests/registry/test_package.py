"""A registered model as a package file: it round-trips, and a damaged or forged one is refused.

One real model is trained for the whole module (LightGBM on the breast cancer data, with text
labels), registered as ``bc@production`` and exported; each test works on copies of it.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest

import mlwright
from mlwright.core.errors import (
    ConfigError,
    DataError,
    MlwrightWarning,
    ModelNotFoundError,
    PackageError,
    SchemaError,
)
from mlwright.registry.environment import library_versions
from mlwright.registry.package import FORMAT, FORMAT_VERSION, read_package
from tests.registry.payloads import TouchOnRebuild, TouchOnUnpickle

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from mlwright.registry.loaded import LoadedModel
    from mlwright.workspace import Workspace
    from mlwright.workspace.run import Run

DOCUMENTS = {
    "manifest.json",
    "model.skops",
    "schema.json",
    "profile.json",
    "metrics.json",
    "lineage.json",
    "environment.json",
    "contract.json",
}


@dataclass(frozen=True)
class Trained:
    """The module's workspace, its run registered as bc:1 (bc@production), and its export."""

    root: Path
    ws: Workspace
    run: Run
    package: Path
    X: pd.DataFrame

    @property
    def n_boosters(self) -> int:
        """How many LightGBM pipelines the trained model holds: one booster file each."""
        return len(self.run.model().pipelines)

    @property
    def files(self) -> set[str]:
        """The names the package must hold."""
        return DOCUMENTS | {f"boosters/{i}.txt" for i in range(self.n_boosters)}


def breast_cancer() -> pd.DataFrame:
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer(as_frame=True)
    frame = data.frame.copy()
    frame["target"] = np.where(data.target == 1, "benign", "malignant")
    return frame


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trained]:
    root = tmp_path_factory.mktemp("registry")
    ws = mlwright.Workspace(root / "ws")
    frame = breast_cancer()
    ws.ingest(frame, name="bc", target="target")
    # deterministic: the budget counts work, so every machine trains the same ensemble.
    run = ws.train(
        "bc", target="target", time_budget=5, families=["lightgbm"], seed=0, deterministic=True
    )
    run.register("bc", alias="production")
    package = ws.export_model("bc", root)
    yield Trained(root, ws, run, package, frame.drop(columns="target").head(40))
    ws.close()


@pytest.fixture(scope="module")
def loaded(trained: Trained) -> LoadedModel:
    return mlwright.load_model(trained.package)


# --- taking a package apart and putting it back together ---------------------------------


def members(package: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(package) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def rebuild(
    package: Path,
    dest: Path,
    *,
    replace: dict[str, bytes] | None = None,
    add: dict[str, bytes] | None = None,
    remove: tuple[str, ...] = (),
    rehash: bool = True,
    manifest_changes: dict[str, Any] | None = None,
) -> Path:
    """A copy of ``package`` with files changed; ``rehash`` rewrites the manifest to match.

    With ``rehash`` the package passes verification: only what its files hold can stop it.
    """
    files = members(package)
    manifest = json.loads(files.pop("manifest.json"))
    files.update(replace or {})
    files.update(add or {})
    for name in remove:
        del files[name]
    if rehash:
        manifest["files"] = {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in files.items()
        }
    manifest.update(manifest_changes or {})
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        for name, data in files.items():
            zf.writestr(name, data)
    return dest


# --- round trip and layout ---------------------------------------------------------------


def test_the_package_predicts_as_the_run_model(trained: Trained, loaded: LoadedModel) -> None:
    model = trained.run.model()
    np.testing.assert_array_equal(loaded.predict(trained.X), model.predict(trained.X))
    np.testing.assert_allclose(
        loaded.predict_proba(trained.X), model.predict_proba(trained.X), rtol=0, atol=1e-12
    )
    assert set(loaded.predict(trained.X)) <= {"benign", "malignant"}
    assert list(loaded.classes_) == ["benign", "malignant"]
    assert (loaded.task_type, loaded.target, loaded.n_features_in_) == ("binary", "target", 30)
    assert list(loaded.feature_names_in_) == list(trained.X.columns)
    assert loaded.info.lineage["run_id"] == trained.run.id
    assert loaded.info.lineage["dataset"] == "bc:1"
    assert loaded.metrics["metric"] == "roc_auc"
    assert loaded.source.run_id == trained.run.id
    assert 0.5 <= loaded.score(trained.X, breast_cancer()["target"].head(40)) <= 1.0


def test_the_zip_holds_the_documented_files(trained: Trained) -> None:
    import lightgbm as lgb
    import skops.io as sio

    files = members(trained.package)
    assert trained.n_boosters >= 1
    assert set(files) == trained.files
    manifest = json.loads(files["manifest.json"])
    assert (manifest["format"], manifest["format_version"]) == (FORMAT, FORMAT_VERSION)
    assert set(manifest["files"]) == trained.files - {"manifest.json"}
    for name, listed in manifest["files"].items():
        assert listed == {
            "sha256": hashlib.sha256(files[name]).hexdigest(),
            "size": len(files[name]),
        }
    # The boosters travel as LightGBM's own text, not inside the skops tree.
    for i in range(trained.n_boosters):
        booster_text = files[f"boosters/{i}.txt"].decode()
        assert booster_text.startswith("tree\nversion=")
        assert lgb.Booster(model_str=booster_text).num_trees() > 0
    assert "lightgbm.basic.Booster" not in sio.get_untrusted_types(data=files["model.skops"])
    schema = json.loads(files["schema.json"])
    assert (schema["task_type"], schema["target"]) == ("binary", "target")
    assert schema["classes"] == ["benign", "malignant"]
    assert [c["name"] for c in schema["columns"]] == list(trained.X.columns)
    assert {(c["dtype"], c["role"]) for c in schema["columns"]} == {("DOUBLE", "numeric")}
    environment = json.loads(files["environment.json"])
    assert environment["libraries"] == library_versions()
    assert json.loads(files["lineage.json"])["run_id"] == trained.run.id
    profile_columns = {c["name"] for c in json.loads(files["profile.json"])["columns"]}
    assert profile_columns == {*trained.X.columns, "target"}


def test_a_written_model_keeps_its_boosters(trained: Trained, tmp_path: Path) -> None:
    """Writing takes the boosters out of the model for a moment; they come back, and the
    package read back writes the same booster again."""
    from mlwright.registry.package import write_package

    model, info = read_package(trained.package)
    before = model.predict_proba(trained.X)
    write_package(model, info, tmp_path / "rewritten.zip")
    np.testing.assert_array_equal(model.predict_proba(trained.X), before)
    rewritten, original = members(tmp_path / "rewritten.zip"), members(trained.package)
    for name in [*(f"boosters/{i}.txt" for i in range(trained.n_boosters)), "schema.json"]:
        assert rewritten[name] == original[name], name


# --- damaged and altered packages ---------------------------------------------------------


def test_a_tampered_file_is_named(trained: Trained, tmp_path: Path) -> None:
    files = members(trained.package)
    schema = bytearray(files["schema.json"])
    at = schema.index(b"binary")
    schema[at] = ord("B")  # one byte; the manifest still has the old hash
    tampered = rebuild(
        trained.package, tmp_path / "t.zip", replace={"schema.json": bytes(schema)}, rehash=False
    )
    with pytest.raises(PackageError, match=r"schema\.json does not match the sha256") as info:
        read_package(tampered)
    assert str(tampered) in info.value.message


@pytest.mark.parametrize("keep", [0.0, 0.5, 0.99])
def test_a_truncated_package_is_refused(trained: Trained, tmp_path: Path, keep: float) -> None:
    data = trained.package.read_bytes()
    truncated = tmp_path / "truncated.mlwright.zip"
    truncated.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(PackageError, match="not a readable model package") as info:
        mlwright.load_model(truncated)
    assert info.value.hint is not None
    assert "damaged or truncated" in info.value.hint


def test_a_file_that_is_not_a_package_is_refused(tmp_path: Path) -> None:
    csv = tmp_path / "data.zip"
    csv.write_text("a,b\n1,2\n")
    with pytest.raises(PackageError, match="not a readable model package"):
        mlwright.load_model(csv)
    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain, "w") as zf:
        zf.writestr("model.pkl", b"data")
    with pytest.raises(PackageError, match=r"no manifest\.json"):
        mlwright.load_model(plain)


def test_a_file_not_in_the_manifest_is_refused(trained: Trained, tmp_path: Path) -> None:
    extra = rebuild(trained.package, tmp_path / "e.zip", add={"README.txt": b"hello"}, rehash=False)
    with pytest.raises(PackageError, match=r"files not in its manifest: \['README\.txt'\]"):
        read_package(extra)


def test_a_file_missing_from_the_package_is_refused(trained: Trained, tmp_path: Path) -> None:
    gone = rebuild(trained.package, tmp_path / "m.zip", remove=("metrics.json",), rehash=False)
    with pytest.raises(PackageError, match=r"missing \['metrics.json'\]"):
        read_package(gone)


def test_an_unlisted_booster_is_refused_even_when_hashed(trained: Trained, tmp_path: Path) -> None:
    booster = members(trained.package)["boosters/0.txt"]
    gap = f"boosters/{trained.n_boosters + 1}.txt"
    extra = rebuild(trained.package, tmp_path / "b.zip", add={gap: booster})
    with pytest.raises(PackageError, match="unexpected booster files"):
        read_package(extra)


def test_a_booster_too_few_or_too_many_is_refused(trained: Trained, tmp_path: Path) -> None:
    n = trained.n_boosters
    last = f"boosters/{n - 1}.txt"
    fewer = rebuild(trained.package, tmp_path / "fewer.zip", remove=(last,))
    with pytest.raises(PackageError, match=rf"holds {n - 1} booster\(s\) for {n} estimator"):
        read_package(fewer)
    booster = members(trained.package)[last]
    more = rebuild(trained.package, tmp_path / "more.zip", add={f"boosters/{n}.txt": booster})
    with pytest.raises(PackageError, match=rf"holds {n + 1} booster\(s\) for {n} estimator"):
        read_package(more)


def test_a_garbled_booster_is_refused(trained: Trained, tmp_path: Path) -> None:
    garbled = rebuild(trained.package, tmp_path / "g.zip", replace={"boosters/0.txt": b"nonsense"})
    with pytest.raises(PackageError, match="a booster does not load"):
        read_package(garbled)


def test_a_newer_format_version_asks_for_an_upgrade(trained: Trained, tmp_path: Path) -> None:
    newer = rebuild(
        trained.package, tmp_path / "n.zip", manifest_changes={"format_version": FORMAT_VERSION + 1}
    )
    with pytest.raises(PackageError, match=f"package format {FORMAT_VERSION + 1}") as info:
        read_package(newer)
    assert info.value.hint == "upgrade mlwright"


def test_an_unknown_format_name_is_refused(trained: Trained, tmp_path: Path) -> None:
    other = rebuild(trained.package, tmp_path / "o.zip", manifest_changes={"format": "other"})
    with pytest.raises(PackageError, match=r"unreadable manifest\.json"):
        read_package(other)


MALFORMED_MANIFESTS = {
    "format_version as text": lambda m: m.update(format_version="1"),
    "files as a list": lambda m: m.update(files=sorted(m["files"])),
    "an entry without its size": lambda m: m["files"]["schema.json"].pop("size"),
    "an entry that is not an object": lambda m: m["files"].update({"schema.json": "0" * 64}),
}


@pytest.mark.parametrize("change", MALFORMED_MANIFESTS.values(), ids=MALFORMED_MANIFESTS.keys())
def test_a_malformed_manifest_is_a_package_error(
    trained: Trained, tmp_path: Path, change: Any
) -> None:
    files = members(trained.package)
    manifest = json.loads(files["manifest.json"])
    change(manifest)
    files["manifest.json"] = json.dumps(manifest).encode()
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(broken, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    with pytest.raises(PackageError):
        read_package(broken)


MALFORMED_DOCUMENTS = {
    "schema without task_type": ("schema.json", b"{}"),
    "schema as a list": ("schema.json", b"[]"),
    "a column without dtype": (
        "schema.json",
        b'{"task_type": "binary", "target": "y", "classes": null, "columns": [{"name": "a"}]}',
    ),
    "environment as a list": ("environment.json", b"[]"),
}


@pytest.mark.parametrize("document", MALFORMED_DOCUMENTS.values(), ids=MALFORMED_DOCUMENTS.keys())
def test_a_malformed_document_is_a_package_error(
    trained: Trained, tmp_path: Path, document: tuple[str, bytes]
) -> None:
    name, data = document
    forged = rebuild(trained.package, tmp_path / "d.zip", replace={name: data})
    with pytest.raises(PackageError):
        read_package(forged)


# --- forged packages: nothing in them runs --------------------------------------------------


def test_a_pickle_posing_as_the_model_never_runs(trained: Trained, tmp_path: Path) -> None:
    marker = tmp_path / "pwned-by-pickle"
    payload = pickle.dumps(TouchOnUnpickle(marker))
    forged = rebuild(trained.package, tmp_path / "forged.zip", replace={"model.skops": payload})
    with pytest.raises(PackageError, match=r"model\.skops is not a valid skops model"):
        mlwright.load_model(forged)
    assert not marker.exists()
    pickle.loads(payload)  # the control: the payload is live when unpickled
    assert marker.exists()


def test_a_skops_file_of_an_untrusted_type_never_runs(trained: Trained, tmp_path: Path) -> None:
    import skops.io as sio

    marker = tmp_path / "pwned-by-skops"
    payload = sio.dumps(TouchOnRebuild(str(marker)))
    marker.unlink()  # building it touched the marker; loading it must not
    forged = rebuild(trained.package, tmp_path / "forged.zip", replace={"model.skops": payload})
    name = f"{TouchOnRebuild.__module__}.TouchOnRebuild"
    with pytest.raises(PackageError, match="does not trust") as info:
        mlwright.load_model(forged)
    assert name in info.value.message
    assert not marker.exists()
    sio.loads(payload, trusted=[name])  # the control: the payload is live when trusted
    assert marker.exists()


def test_a_trusted_but_foreign_object_is_refused(trained: Trained, tmp_path: Path) -> None:
    """A skops file of trusted types that is not an mlwright model is not a model either."""
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    foreign = sio.dumps(LogisticRegression())
    forged = rebuild(trained.package, tmp_path / "forged.zip", replace={"model.skops": foreign})
    with pytest.raises(PackageError, match="not a trained mlwright model"):
        read_package(forged)


# --- library versions ---------------------------------------------------------------------


def test_older_library_versions_warn_and_still_load(trained: Trained, tmp_path: Path) -> None:
    environment = json.loads(members(trained.package)["environment.json"])
    environment["libraries"]["scikit-learn"] = "0.24.2"
    old = rebuild(
        trained.package,
        tmp_path / "old.zip",
        replace={"environment.json": json.dumps(environment).encode()},
    )
    with pytest.warns(MlwrightWarning, match=r"scikit-learn 0\.24\.2 -> ") as caught:
        model = mlwright.load_model(old)
    assert len(caught) == 1
    assert "lightgbm" not in str(caught[0].message)  # only what differs is named
    np.testing.assert_array_equal(model.predict(trained.X), trained.run.model().predict(trained.X))


# --- input checks -------------------------------------------------------------------------


def test_a_missing_column_is_named(loaded: LoadedModel, trained: Trained) -> None:
    with pytest.raises(SchemaError, match=r"lacks 1 column.*: mean area") as info:
        loaded.predict(trained.X.drop(columns=["mean area"]))
    assert info.value.fields["column"] == "mean area"


def test_an_extra_column_warns_and_is_ignored(loaded: LoadedModel, trained: Trained) -> None:
    wider = trained.X.assign(customer_id=range(len(trained.X)))
    with pytest.warns(MlwrightWarning, match="ignoring 1 column.*: customer_id"):
        predicted = loaded.predict(wider)
    np.testing.assert_array_equal(predicted, loaded.predict(trained.X))


def test_numbers_as_text_are_converted(loaded: LoadedModel, trained: Trained) -> None:
    as_text = trained.X.astype(str)
    assert not any(pd.api.types.is_numeric_dtype(t) for t in as_text.dtypes)
    np.testing.assert_array_equal(loaded.predict(as_text), loaded.predict(trained.X))
    np.testing.assert_array_equal(loaded.predict_proba(as_text), loaded.predict_proba(trained.X))
    records = trained.X.head(3).to_dict(orient="records")  # a list of dicts is a table too
    np.testing.assert_array_equal(loaded.predict(records), loaded.predict(trained.X.head(3)))


def test_an_impossible_value_names_its_row_and_column(
    loaded: LoadedModel, trained: Trained
) -> None:
    bad = trained.X.astype(object)
    bad.iloc[6, bad.columns.get_loc("mean perimeter")] = "abc"
    with pytest.raises(
        DataError, match=r"row 7, column 'mean perimeter': 'abc' is not a number"
    ) as info:
        loaded.predict(bad)
    assert info.value.fields == {"column": "mean perimeter", "row": 7, "value": "abc"}
    assert info.value.hint is not None
    assert "DOUBLE" in info.value.hint


def test_missing_values_stay_missing_and_predict(loaded: LoadedModel, trained: Trained) -> None:
    holes = trained.X.astype(object)
    holes.iloc[2, 0] = None
    assert len(loaded.predict(holes)) == len(trained.X)


# --- loading by path and by reference -----------------------------------------------------


def test_load_model_by_path_and_by_reference(trained: Trained) -> None:
    expected = trained.run.model().predict(trained.X)
    by_path = mlwright.load_model(trained.package)
    by_text = mlwright.load_model(str(trained.package))
    by_alias = mlwright.load_model("bc@production", workspace=trained.root / "ws")
    by_version = mlwright.load_model("bc:1", workspace=trained.root / "ws")
    assert (by_alias.source.ref, by_alias.source.version) == ("bc:1", 1)
    assert by_alias.source.run_id == trained.run.id
    assert by_path.source.ref == str(trained.package)
    for model in (by_path, by_text, by_alias, by_version):
        np.testing.assert_array_equal(model.predict(trained.X), expected)
    with pytest.raises(ModelNotFoundError, match="bc@staging"):
        mlwright.load_model("bc@staging", workspace=trained.root / "ws")


def test_a_registered_run_cannot_be_deleted(trained: Trained) -> None:
    with pytest.raises(ConfigError, match=r"registered as bc:1") as info:
        trained.ws.delete_run(trained.run.id)
    assert info.value.hint is not None
    assert "delete those versions first" in info.value.hint
    assert trained.ws.run(trained.run.id).status == "finished"
    assert trained.run.model() is not None  # its model file is still there


def test_an_aliased_version_cannot_be_deleted(trained: Trained) -> None:
    with pytest.raises(ConfigError, match="bc@production -> 1"):
        trained.ws.delete_model("bc:1")
    assert [v.ref for v in trained.ws.model_versions("bc")] == ["bc:1"]


def test_export_into_a_folder_names_the_file(trained: Trained, tmp_path: Path) -> None:
    written = trained.ws.export_model("bc@production", tmp_path)
    assert written == tmp_path / "bc-1.mlwright.zip"
    assert written.read_bytes() == trained.package.read_bytes()
