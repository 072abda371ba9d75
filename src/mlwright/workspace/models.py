"""Registering runs as model versions, moving aliases, and loading and exporting packages.

A registration writes the run's model as a package (see :mod:`mlwright.registry.package`)
into the artifact store, then records the version; a package that is written but never
recorded (a crash between the two) is unreferenced and ``mlwright gc`` removes it.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlwright.core.errors import ConfigError, NotFoundError
from mlwright.registry.refs import ModelRef, check_alias, parse_model_ref

if TYPE_CHECKING:
    from mlwright.learn.model import TabularModel
    from mlwright.registry.loaded import LoadedModel
    from mlwright.registry.package import PackageInfo
    from mlwright.track.entities import AliasEvent, ModelVersionRecord, RunRecord
    from mlwright.workspace.facade import Workspace


def register(
    ws: Workspace, run_id: str, name: str, *, alias: str | None = None
) -> ModelVersionRecord:
    """Package a finished run's model and record it as the next version of ``name``."""
    from mlwright.data.dataset import check_name
    from mlwright.learn.persist import model_from_bytes
    from mlwright.registry.package import write_package
    from mlwright.track.entities import NewModelVersion

    check_name(name, "model")
    if alias is not None:
        check_alias(alias)
    run = ws.store.get_run(run_id)
    if run.status != "finished" or run.model_key is None:
        msg = f"run {run.id} has no model to register (status: {run.status})"
        raise ConfigError(msg, hint="register a finished run; list them with: mlwright runs list")
    with ws.artifacts.open(run.model_key) as handle:
        model = model_from_bytes(handle.read())
    info = package_info(ws, run, model)
    with tempfile.TemporaryDirectory(prefix="mlwright-package-") as tmp:
        path = Path(tmp) / "model.zip"
        write_package(model, info, path)
        package_key = ws.artifacts.put_file(path, move=True)
    record = ws.store.add_model_version(
        NewModelVersion(
            name=name,
            run_id=run.id,
            package_key=package_key,
            task_type=info.task_type,
            target=info.target,
            metrics=headline_metrics(run),
            dataset_name=run.dataset_name,
            dataset_version=run.dataset_version,
            dataset_fingerprint=run.dataset_fingerprint,
            created_by=ws.who(),
        )
    )
    if alias is not None:
        ws.store.set_alias(name, alias, record.version, moved_by=ws.who())
        record = ws.store.get_model_version(name, record.version)
    return record


def package_info(ws: Workspace, run: RunRecord, model: TabularModel) -> PackageInfo:
    """What a package of the run's model says.

    Its schema, reference profile, data contract, metrics and lineage.
    """
    from mlwright.registry.contract import learn_contract
    from mlwright.registry.package import InputColumn, PackageInfo

    dataset = ws.store.get_dataset(run.dataset_name, run.dataset_version)
    by_name = {c["name"]: c for c in dataset.schema["columns"]}
    columns = tuple(
        InputColumn(name, by_name[name]["dtype"], by_name[name]["role"])
        for name in model.feature_columns
    )
    kept = {*model.feature_columns, run.target}
    profile = dict(dataset.profile)
    profile["columns"] = [c for c in dataset.profile["columns"] if c["name"] in kept]
    data = ws.dataset(run.dataset_ref)
    table = data.uri if "://" not in data.uri else data.to_arrow()
    contract = learn_contract(model, columns, profile, table)
    result = run.result
    return PackageInfo(
        task_type=str(run.task_type),
        target=run.target,
        columns=columns,
        classes=None if model.classes is None else tuple(model.classes),
        profile=profile,
        contract=contract.to_dict(),
        metrics={
            "metric": run.metric,
            "greater_is_better": result.get("greater_is_better", True),
            "cv_score": result.get("cv_score"),
            "test_metrics": result.get("test_metrics", []),
            "confidence_accuracy": result.get("confidence_accuracy"),
            "threshold": model.threshold,
        },
        lineage={
            "run_id": run.id,
            "dataset": run.dataset_ref,
            "dataset_fingerprint": run.dataset_fingerprint,
            "target": run.target,
            "config": run.config,
            **run.lineage,
        },
    )


def headline_metrics(run: RunRecord) -> dict[str, Any]:
    """The run's metric, its cross-validated score and each test metric's value."""
    metrics: dict[str, Any] = {"metric": run.metric, "cv_score": run.result.get("cv_score")}
    for m in run.result.get("test_metrics", []):
        metrics[f"test_{m['name']}"] = m.get("value")
    return metrics


def resolve(ws: Workspace, ref: str | ModelRef) -> ModelVersionRecord:
    """The version a reference names."""
    parsed = parse_model_ref(ref) if isinstance(ref, str) else ref
    return ws.store.get_model_version(parsed.name, parsed.version, alias=parsed.alias)


def is_package_path(ref: str | Path) -> bool:
    """Whether ``ref`` names a package file rather than a registered model."""
    path = Path(ref)
    return isinstance(ref, Path) or path.suffix == ".zip" or path.is_file()


def load(ws: Workspace, ref: str) -> LoadedModel:
    """Verify and load a package file, or the package of the version ``ref`` names."""
    from mlwright.registry.loaded import LoadedModel, ModelSource
    from mlwright.registry.package import read_package

    if is_package_path(ref):
        return load_package_file(Path(ref))
    record = resolve(ws, ref)
    local = ws.artifacts.local_path(record.package_key)
    where = f"model {record.ref}"
    if local is not None:
        model, info = read_package(local, where=where)
    else:
        with ws.artifacts.open(record.package_key) as handle:
            model, info = read_package(handle, where=where)
    source = ModelSource(
        ref=record.ref, name=record.name, version=record.version, run_id=record.run_id
    )
    return LoadedModel(model, info, source)


def move_alias(ws: Workspace, name: str, version: int | None, alias: str) -> AliasEvent:
    """Point ``alias`` of ``name`` at ``version``, or remove it when ``version`` is None."""
    check_alias(alias)
    return ws.store.set_alias(name, alias, version, moved_by=ws.who())


def delete(ws: Workspace, ref: str) -> list[ModelVersionRecord]:
    """Delete ``NAME:VERSION`` or every version of ``NAME``, and packages nothing else uses."""
    parsed = parse_model_ref(ref)
    if parsed.alias is not None:
        msg = f"delete takes NAME or NAME:VERSION, not an alias ({ref})"
        raise ConfigError(msg, hint=f"resolve it first: mlwright models show {ref}")
    doomed = ws.store.delete_model_version(parsed.name, parsed.version)
    for record in doomed:
        if not ws.store.is_artifact_referenced(record.package_key):
            ws.artifacts.delete(record.package_key)
    return doomed


EXPORT_FORMATS = ("package", "onnx")


def export_model(ws: Workspace, ref: str, dest: Path, *, format: str = "package") -> Path:
    """Write the model ``ref`` names to ``dest`` (a file, or a folder to put it in).

    ``package`` copies the verified package; ``onnx`` converts the pipeline to an ONNX
    graph where every step converts (see :mod:`mlwright.registry.onnx`).
    """
    from mlwright.registry.package import PACKAGE_SUFFIX

    if format not in EXPORT_FORMATS:
        msg = f"unknown export format {format!r}"
        raise ConfigError(msg, hint=f"use one of: {', '.join(EXPORT_FORMATS)}")
    record = resolve(ws, ref)
    suffix = PACKAGE_SUFFIX if format == "package" else ".onnx"
    if dest.is_dir() or not dest.suffix:  # a folder, existing or to be made
        dest = dest / f"{record.name}-{record.version}{suffix}"
    dest.parent.mkdir(parents=True, exist_ok=True)
    if format == "onnx":
        from mlwright.registry.onnx import write_onnx

        write_onnx(load(ws, ref), dest)
        return dest
    with ws.artifacts.open(record.package_key) as src, dest.open("wb") as out:
        shutil.copyfileobj(src, out)
    return dest


def versions_of_run(ws: Workspace, run_id: str) -> list[ModelVersionRecord]:
    """The registered versions that came from a run."""
    return [v for v in ws.store.list_model_versions() if v.run_id == run_id]


def refuse_if_registered(ws: Workspace, run_id: str) -> None:
    """Raise when a registered version came from the run: deleting it would orphan lineage."""
    versions = versions_of_run(ws, run_id)
    if versions:
        refs = ", ".join(v.ref for v in versions)
        msg = f"run {run_id} is registered as {refs}; it is kept as their lineage"
        raise ConfigError(msg, hint="delete those versions first: mlwright models delete REF")


def load_package_file(path: Path) -> LoadedModel:
    """Verify and load a package file (one written by ``mlwright models export``)."""
    from mlwright.registry.loaded import LoadedModel, ModelSource
    from mlwright.registry.package import read_package

    if not path.is_file():
        msg = f"no model package at {path}"
        raise NotFoundError(
            msg, hint="give a model reference (NAME, NAME:VERSION, NAME@ALIAS) or a package file"
        )
    model, info = read_package(path)
    return LoadedModel(model, info, ModelSource(ref=str(path), run_id=info.lineage.get("run_id")))
