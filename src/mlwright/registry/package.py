"""The model package: one zip file that holds everything needed to use a model elsewhere.

Layout (format version 1; the procedure to change it is in ``docs/model-package.md``)::

    manifest.json      format name and version, and the sha256 and size of every other file
    model.skops        the preprocessing + estimator pipelines (skops; boosters detached)
    boosters/N.txt     LightGBM boosters in LightGBM's own text format
    schema.json        task, target, classes and the input columns (name, type, role)
    profile.json       the training data's profile: the reference for drift checks
    metrics.json       cross-validated and held-out test metrics
    lineage.json       the run, the dataset version and fingerprint, seed and code version
    environment.json   Python, platform and library versions at training time

Reading verifies every file against the manifest before parsing any of them, refuses types
outside an explicit trusted list (nothing is unpickled), and warns when the installed
library versions differ from the recorded ones.
"""

from __future__ import annotations

import hashlib
import json
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any

from mlwright.core.errors import MlwrightError, MlwrightWarning, PackageError
from mlwright.registry.boosters import attach_boosters, detached_boosters
from mlwright.registry.environment import environment, version_differences

if TYPE_CHECKING:
    from pathlib import Path

    from mlwright.learn.model import TabularModel

FORMAT = "mlwright-model"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MODEL_FILE = "model.skops"
BOOSTER_DIR = "boosters/"
JSON_FILES = ("schema", "profile", "metrics", "lineage", "environment")
# Optional in format 1: packages written before it was added lack it.
CONTRACT = "contract"
PACKAGE_SUFFIX = ".mlwright.zip"


@dataclass(frozen=True, slots=True)
class InputColumn:
    """A column the model reads: its name, its storage type at training, and its role."""

    name: str
    dtype: str
    role: str


@dataclass(frozen=True, slots=True)
class PackageInfo:
    """What a package says about its model, besides the model itself."""

    task_type: str
    target: str
    columns: tuple[InputColumn, ...]
    classes: tuple[Any, ...] | None = None
    profile: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    lineage: dict[str, Any] = field(default_factory=dict)
    environment: dict[str, Any] = field(default_factory=dict)
    # The data contract (``mlwright.registry.contract``); None in packages written without one.
    contract: dict[str, Any] | None = None
    format_version: int = FORMAT_VERSION
    created_at: str = ""

    def schema_dict(self) -> dict[str, Any]:
        """The ``schema.json`` document."""
        return {
            "task_type": self.task_type,
            "target": self.target,
            "classes": None if self.classes is None else list(self.classes),
            "columns": [{"name": c.name, "dtype": c.dtype, "role": c.role} for c in self.columns],
        }


def write_package(model: TabularModel, info: PackageInfo, dest: Path | IO[bytes]) -> None:
    """Write ``model`` and ``info`` as a package to the file ``dest``.

    The installed library versions are recorded whatever ``info.environment`` says.
    """
    from mlwright.learn.persist import model_to_bytes

    with detached_boosters(model) as boosters:
        files = {MODEL_FILE: model_to_bytes(model)}
    for i, text in enumerate(boosters):
        files[f"{BOOSTER_DIR}{i}.txt"] = text.encode()
    documents = {
        "schema": info.schema_dict(),
        "profile": info.profile,
        "metrics": info.metrics,
        "lineage": info.lineage,
        "environment": environment(),
    }
    if info.contract is not None:
        documents[CONTRACT] = info.contract
    for name, document in documents.items():
        files[f"{name}.json"] = json.dumps(document, indent=2, default=str).encode()
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "files": {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in files.items()
        },
    }
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr(MANIFEST, json.dumps(manifest, indent=2))
        for name, data in files.items():
            zf.writestr(name, data)


def read_package(source: Path | IO[bytes], *, where: str = "") -> tuple[TabularModel, PackageInfo]:
    """Verify and load a package; ``where`` names it in errors (default: ``source``).

    Raises
    ------
    PackageError
        Not a package, damaged or truncated, tampered with (a file differs from the
        manifest), of an unknown format version, or holding types mlwright does not trust.
    """
    where = where or str(source)
    try:
        with zipfile.ZipFile(source) as zf:
            version, manifest, files = _verified_files(zf, where)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        msg = f"{where} is not a readable model package ({exc})"
        raise PackageError(msg, hint="it is damaged or truncated; export it again") from exc
    try:
        return _READERS[version](files, manifest, where)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        msg = f"{where} has a malformed document ({type(exc).__name__}: {exc})"
        raise PackageError(msg, hint="the package is damaged; export it again") from exc


def _verified_files(
    zf: zipfile.ZipFile, where: str
) -> tuple[int, dict[str, Any], dict[str, bytes]]:
    """The format version, the manifest and every other file, each checked against it."""
    names = set(zf.namelist())
    if MANIFEST not in names:
        msg = f"{where} has no {MANIFEST}: it is not an mlwright model package"
        raise PackageError(msg, hint="pass a package written by mlwright models export")
    try:
        manifest = json.loads(zf.read(MANIFEST))
        listed = manifest["files"]
        version = manifest["format_version"]
        if manifest.get("format") != FORMAT or not isinstance(version, int):
            problem = f"format {manifest.get('format')!r} version {version!r}"
            raise ValueError(problem)
        if not isinstance(listed, dict) or not all(_is_entry(e) for e in listed.values()):
            problem = "its file list is not a map of sha256 and size"
            raise ValueError(problem)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        msg = f"{where} has an unreadable {MANIFEST} ({exc})"
        raise PackageError(msg, hint="the package is damaged; export it again") from exc
    if version not in _READERS:
        newer = version > FORMAT_VERSION
        msg = f"{where} is in package format {version}; this mlwright reads {sorted(_READERS)}"
        hint = "upgrade mlwright" if newer else "re-export it with a supported mlwright"
        raise PackageError(msg, hint=hint)
    unlisted = sorted(names - set(listed) - {MANIFEST})
    missing = sorted(set(listed) - names)
    if unlisted or missing:
        what = f"files not in its manifest: {unlisted}" if unlisted else f"missing {missing}"
        msg = f"{where} has {what}"
        raise PackageError(msg, hint="the package was altered; use the original")
    files = {}
    for name, expected in listed.items():
        # The size is checked before decompressing, so a zip bomb is never inflated.
        same_size = zf.getinfo(name).file_size == expected["size"]
        data = zf.read(name) if same_size else b""
        if not same_size or hashlib.sha256(data).hexdigest() != expected["sha256"]:
            msg = f"{where}: {name} does not match the sha256 in its manifest"
            raise PackageError(msg, hint="the package was altered or damaged; use the original")
        files[name] = data
    return version, manifest, files


def _is_entry(entry: Any) -> bool:
    """Whether a manifest entry is ``{"sha256": str, "size": int}``."""
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("sha256"), str)
        and isinstance(entry.get("size"), int)
    )


def _read_v1(
    files: dict[str, bytes], manifest: dict[str, Any], where: str
) -> tuple[TabularModel, PackageInfo]:
    from mlwright.learn.persist import model_from_bytes

    try:
        documents = {name: json.loads(files[f"{name}.json"]) for name in JSON_FILES}
        contract = files.get(f"{CONTRACT}.json")
        documents[CONTRACT] = None if contract is None else json.loads(contract)
    except (KeyError, ValueError) as exc:
        msg = f"{where} lacks or garbles {exc}"
        raise PackageError(msg, hint="the package is damaged; export it again") from exc
    schema = documents["schema"]
    info = PackageInfo(
        task_type=schema["task_type"],
        target=schema["target"],
        classes=None if schema["classes"] is None else tuple(schema["classes"]),
        columns=tuple(InputColumn(c["name"], c["dtype"], c["role"]) for c in schema["columns"]),
        profile=documents["profile"],
        metrics=documents["metrics"],
        lineage=documents["lineage"],
        environment=documents["environment"],
        contract=documents[CONTRACT],
        format_version=int(manifest["format_version"]),
        created_at=str(manifest.get("created_at", "")),
    )
    changed = version_differences(info.environment.get("libraries", {}))
    if changed:
        message = (
            f"{where} was built with other library versions ({'; '.join(changed)}); "
            "predictions may differ slightly. Retrain to be sure."
        )
        warnings.warn(message, MlwrightWarning, stacklevel=3)
    try:
        model = model_from_bytes(files[MODEL_FILE])
    except MlwrightError as exc:
        msg = f"{where}: {exc.message}"
        raise PackageError(msg, hint=exc.hint) from exc
    except Exception as exc:  # skops parses untrusted bytes: any failure means "not loadable"
        msg = f"{where}: {MODEL_FILE} is not a valid skops model ({type(exc).__name__}: {exc})"
        raise PackageError(msg, hint="the package is damaged or forged; use the original") from exc
    found = sorted(n for n in files if n.startswith(BOOSTER_DIR))
    expected = sorted(f"{BOOSTER_DIR}{i}.txt" for i in range(len(found)))
    if found != expected:
        msg = f"{where} holds unexpected booster files: {found}"
        raise PackageError(msg, hint="the package was altered; use the original")
    try:
        attach_boosters(model, [files[f"{BOOSTER_DIR}{i}.txt"].decode() for i in range(len(found))])
    except MlwrightError:
        raise
    except Exception as exc:  # LightGBM refuses a garbled booster text
        msg = f"{where}: a booster does not load ({type(exc).__name__}: {exc})"
        raise PackageError(msg, hint="the package is damaged; export it again") from exc
    return model, info


# One reader per format version this mlwright can load; old ones stay (see the docs).
_READERS = {1: _read_v1}
