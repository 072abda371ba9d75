"""The Python API: one workspace object over the data, the stores and (later) models."""

from __future__ import annotations

import contextlib
import getpass
import logging
import shutil
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from mlwright.core.config import Settings
from mlwright.core.errors import ConfigError, MlwrightError
from mlwright.core.types import ProgressCallback, ignore_progress
from mlwright.data.dataset import Dataset, check_name, parse_ref

T = TypeVar("T")

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from concurrent.futures import Future

    from mlwright.data.schema import Role
    from mlwright.track.artifacts import ArtifactStore
    from mlwright.track.entities import DatasetRecord
    from mlwright.track.store import MetadataStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IngestResult:
    """The dataset an ingest produced, and whether it is new or identical to an earlier one."""

    dataset: Dataset
    is_new: bool


class Workspace:
    """Where everything lives: a metadata store and an artifact store.

    Parameters
    ----------
    path
        The workspace folder (default ``./.mlwright``, or ``MLWRIGHT_WORKSPACE``).
    store_uri
        Metadata store URI; default the SQLite file in the workspace folder.
    artifacts_uri
        Artifact store URL (local folder or any fsspec URL); default ``<path>/artifacts``.
    settings
        Settings to start from; arguments above override them. By default they are read
        from ``MLWRIGHT_*`` variables and ``mlwright.toml``.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> ws.ingest(pd.DataFrame({"x": [1, 2, 3]}), name="tiny").dataset.ref
    'tiny:1'
    >>> ws.close()
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        store_uri: str | None = None,
        artifacts_uri: str | None = None,
        settings: Settings | None = None,
    ) -> None:
        overrides: dict[str, Any] = {}
        if path is not None:
            overrides["workspace"] = Path(path)
        if store_uri is not None:
            overrides["store_uri"] = store_uri
        if artifacts_uri is not None:
            overrides["artifacts_uri"] = artifacts_uri
        self.settings = _settings(settings, overrides)
        self.path = self.settings.workspace.resolve()
        self._store: MetadataStore | None = None
        self._opening: Future[MetadataStore] | None = None
        self._artifacts: ArtifactStore | None = None

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def store(self) -> MetadataStore:
        """The metadata store, opened (and its schema upgraded) on first use."""
        if self._store is None:
            if self._opening is not None:
                opening, self._opening = self._opening, None
                self._store = opening.result()  # re-raises what opening it raised
            else:
                from mlwright.track.store import open_store

                self._store = open_store(self.settings.resolved_store_uri)
        return self._store

    def _open_store_in_background(self) -> None:
        """Start opening the store (imports, schema check) while DuckDB works on the data.

        DuckDB releases the GIL, so this costs the ingest nothing on the wall clock; an
        error surfaces when the store is first used.
        """
        if self._store is not None or self._opening is not None:
            return
        from mlwright.track.store import open_store

        self._opening = _in_background(open_store, self.settings.resolved_store_uri)

    @property
    def artifacts(self) -> ArtifactStore:
        """The content-addressed artifact store."""
        if self._artifacts is None:
            from mlwright.track.artifacts import ArtifactStore

            self._artifacts = ArtifactStore(self.settings.resolved_artifacts_uri)
        return self._artifacts

    def close(self) -> None:
        """Release the store's connections."""
        if self._opening is not None:
            with contextlib.suppress(Exception):  # its error was the caller's to see, or moot
                self._store = self._opening.result()
            self._opening = None
        if self._store is not None:
            self._store.close()
        self._store = None

    def ingest(
        self,
        source: Any,
        *,
        name: str,
        sql: str | None = None,
        file_format: str | None = None,
        delimiter: str | None = None,
        header: bool | None = None,
        encoding: str | None = None,
        sheet: str | None = None,
        roles: Mapping[str, Role | str] | None = None,
        target: str | None = None,
        progress: ProgressCallback = ignore_progress,
    ) -> IngestResult:
        """Read a source into a new dataset version, with its schema and profile.

        Parameters
        ----------
        source
            A file path or glob; a database URI or DuckDB/SQLite file with ``sql``; or a
            pandas, Polars or PyArrow table.
        name
            The dataset name; each ingest of new content adds a version.
        sql
            A query to run against the database ``source`` names.
        file_format, delimiter, header, encoding, sheet
            Override detection (format from suffix; CSV dialect; Excel sheet).
        roles
            Column roles that override inference, e.g. ``{"customer_id": "identifier"}``.
        target
            The column to be predicted later; every other column is checked for leakage.
        progress
            Receives the stage of the work.

        Returns
        -------
        IngestResult
            The dataset, and ``is_new=False`` when identical content was already stored
            under this name (nothing is added then).

        Raises
        ------
        DataError
            The source cannot be read; nothing is written to the workspace.
        """
        from mlwright.data.ingest import stage
        from mlwright.data.profile import analyze
        from mlwright.data.source import ReadOptions, resolve_source
        from mlwright.track.artifacts import sha256_file

        check_name(name)
        options = ReadOptions(delimiter=delimiter, header=header, encoding=encoding, sheet=sheet)
        resolved = resolve_source(source, sql=sql, file_format=file_format, options=options)
        work_dir = self.path / "tmp" / f"ingest-{uuid.uuid4().hex}"
        work_dir.mkdir(parents=True)
        limits = {"memory_mb": self.settings.ingest_memory_mb}
        limits["threads"] = self.settings.ingest_threads
        self._open_store_in_background()
        try:
            progress(f"reading {resolved.display}")
            staged = stage(resolved, work_dir / "data.parquet", work_dir=work_dir, **limits)
            progress(f"profiling {staged.n_rows:,} rows")
            # Hashing the file for the artifact store overlaps the profiling's quieter moments.
            digest = _in_background(sha256_file, staged.path)
            analysis = analyze(staged.path, staged.columns, roles=roles, target=target, **limits)
            existing = self._identical(name, analysis)
            if existing is not None:
                logger.info("%s is identical to %s; nothing added", resolved.display, existing.ref)
                return IngestResult(self._dataset(existing), is_new=False)
            progress("storing")
            record = self._record(name, resolved.display, staged, analysis, digest.result())
        finally:
            shutil.rmtree(work_dir, ignore_errors=True)
        logger.info("ingested %s as %s (%d rows)", resolved.display, record.ref, record.n_rows)
        return IngestResult(self._dataset(record), is_new=True)

    def _identical(self, name: str, analysis: Any) -> DatasetRecord | None:
        """The version of ``name`` with this content, these roles and this target, if any.

        The same bytes with other roles or another target make a new version (sharing the
        stored file), so that the choice the caller made is never silently dropped.
        """
        existing = self.store.find_dataset(name, analysis.fingerprint)
        if existing is None:
            return None
        same_schema = existing.schema == analysis.schema.to_dict()
        same_target = existing.profile.get("target") == analysis.profile.target
        return existing if same_schema and same_target else None

    def _record(
        self, name: str, display: str, staged: Any, analysis: Any, sha256: str
    ) -> DatasetRecord:
        from mlwright.track.entities import NewDataset

        size = staged.path.stat().st_size
        key = self.artifacts.put_file(staged.path, move=True, sha256=sha256)
        new = NewDataset(
            name=name,
            fingerprint=analysis.fingerprint,
            artifact_key=key,
            n_rows=staged.n_rows,
            n_columns=len(staged.columns),
            size_bytes=size,
            source=display,
            schema=analysis.schema.to_dict(),
            profile=analysis.profile.to_dict(),
            created_by=_who(),
        )
        try:
            return self.store.add_dataset(new)
        except BaseException:
            if not self.store.is_artifact_referenced(key):
                self.artifacts.delete(key)
            raise

    def dataset(self, ref: str) -> Dataset:
        """The dataset ``name`` (latest version) or ``name:version``."""
        name, version = parse_ref(ref)
        return self._dataset(self.store.get_dataset(name, version))

    def datasets(self, name: str | None = None) -> list[Dataset]:
        """Every dataset version, or every version of one name."""
        return [self._dataset(r) for r in self.store.list_datasets(name)]

    def delete_dataset(self, ref: str) -> list[Dataset]:
        """Delete ``name:version``, or every version of ``name``; return what was deleted.

        The Parquet file goes too, unless another version holds the same bytes.
        """
        name, version = parse_ref(ref)
        deleted = self.store.delete_dataset(name, version)
        for record in deleted:
            if not self.store.is_artifact_referenced(record.artifact_key):
                self.artifacts.delete(record.artifact_key)
        return [self._dataset(r) for r in deleted]

    def _dataset(self, record: DatasetRecord) -> Dataset:
        from mlwright.data.profile import Profile
        from mlwright.data.schema import Schema

        return Dataset(
            name=record.name,
            version=record.version,
            fingerprint=record.fingerprint,
            uri=self.artifacts.uri(record.artifact_key),
            schema=Schema.from_dict(record.schema),
            profile=Profile.from_dict(record.profile),
            n_rows=record.n_rows,
            size_bytes=record.size_bytes,
            source=record.source,
            created_at=record.created_at,
            created_by=record.created_by,
        )


def _in_background(function: Callable[..., T], *args: Any) -> Future[T]:
    """Run ``function(*args)`` in a thread of its own; the future holds its result or error."""
    from concurrent.futures import ThreadPoolExecutor

    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mlwright")
    future = executor.submit(function, *args)
    executor.shutdown(wait=False)
    return future


def _settings(base: Settings | None, overrides: dict[str, Any]) -> Settings:
    from pydantic import ValidationError

    try:
        if base is None:
            return Settings(**overrides)
        return base.model_copy(update=overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"]) or "settings"
        msg = f"invalid setting {where}: {error['msg']}"
        hint = "check the arguments, MLWRIGHT_* variables and mlwright.toml"
        raise ConfigError(msg, hint=hint) from exc
    except (OSError, ValueError) as exc:
        if isinstance(exc, MlwrightError):
            raise
        msg = f"cannot read the settings: {exc}"
        raise ConfigError(msg, hint="check mlwright.toml") from exc


def _who() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"
