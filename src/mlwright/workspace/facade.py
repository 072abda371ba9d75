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
from mlwright.core.types import (
    ProgressCallback,
    TrainingProgress,
    ignore_progress,
    ignore_training_progress,
)
from mlwright.data.dataset import Dataset, check_name, parse_ref

T = TypeVar("T")

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from concurrent.futures import Future
    from datetime import timedelta

    from mlwright.data.schema import Role
    from mlwright.insight.analyze import Analysis
    from mlwright.monitor.check import MonitorConfig, MonitorReport
    from mlwright.registry.loaded import LoadedModel
    from mlwright.track.artifacts import ArtifactStore
    from mlwright.track.entities import (
        AliasEvent,
        CheckRecord,
        DatasetRecord,
        ModelVersionRecord,
    )
    from mlwright.track.store import MetadataStore
    from mlwright.workspace.retrain import RetrainDecision
    from mlwright.workspace.run import Run

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

    def train(
        self,
        dataset: str,
        *,
        target: str,
        time_budget: str | float = 60,
        task: str | None = None,
        metric: str | None = None,
        n_folds: int = 5,
        test_size: float = 0.2,
        split: str | None = None,
        cost: str | None = None,
        seed: int = 0,
        deterministic: bool = False,
        families: list[str] | None = None,
        keep_columns: list[str] | None = None,
        n_jobs: int = 0,
        progress: TrainingProgress = ignore_training_progress,
        on_note: Callable[[str], None] | None = None,
    ) -> Run:
        """Find the best model for ``target`` within the time budget, and evaluate it.

        Parameters
        ----------
        dataset
            A dataset reference: ``name`` (latest) or ``name:version``.
        target
            The column to predict.
        time_budget
            Seconds, or ``"90s"``, ``"2m"``, ``"1h"``; the whole call takes at most about
            the budget x 1.1 + 5 s.
        task
            ``binary``, ``multiclass`` or ``regression`` (default: inferred from the target).
        metric
            The metric to optimise (default: ROC AUC, log loss or RMSE by task).
        n_folds, test_size, split
            Cross-validation folds; the share of rows held out for the test (0 for none);
            ``random``, ``stratified``, ``group:COLUMN`` or ``time:COLUMN``.
        cost
            Business costs of errors, e.g. ``"fp=1,fn=5"``: the decision threshold then
            minimises the expected cost (binary tasks).
        seed, deterministic
            The random seed; with ``deterministic`` the budget counts units of work, not
            seconds, so the same seed and data give the same leaderboard on any machine.
        families, keep_columns
            Model families to try (default: all); columns to keep even if they look leaked.
        n_jobs
            Threads per fit (0: one per core).
        progress, on_note
            Callbacks for the progress display and for findings as they are made.

        Returns
        -------
        Run
            The finished run; ``run.model()`` loads the trained model.

        Raises
        ------
        TrainingError
            The target cannot be learned as asked; the run is recorded as failed.
        """
        from mlwright.data.split import SplitSpec
        from mlwright.learn.automl import TrainConfig
        from mlwright.learn.budget import parse_duration
        from mlwright.learn.cost import CostMatrix
        from mlwright.learn.task import parse_task_type
        from mlwright.workspace.training import run_training

        if n_folds < 2:
            msg = f"--folds must be at least 2, got {n_folds}"
            raise ConfigError(msg, hint="use 5 (the default) or 3 for large data")
        if not 0 <= test_size < 1:
            msg = f"--test-size must be in [0, 1), got {test_size}"
            raise ConfigError(msg, hint="e.g. 0.2 for a fifth of the rows, 0 for none")
        config = TrainConfig(
            target=target,
            task_type=None if task is None else parse_task_type(task),
            metric=metric,
            time_budget_s=parse_duration(time_budget),
            n_folds=n_folds,
            test_size=test_size,
            split=None if split is None else SplitSpec.parse(split),
            cost=None if cost is None else CostMatrix.parse(cost),
            seed=seed,
            deterministic=deterministic,
            families=None if families is None else tuple(families),
            keep_columns=tuple(keep_columns or ()),
            n_jobs=n_jobs,
        )
        return run_training(self, dataset, config, progress=progress, on_note=on_note)

    def run(self, run_id: str) -> Run:
        """A run by id (or a unique prefix of it)."""
        from mlwright.workspace.run import Run

        return Run(self.store.get_run(run_id), self)

    def runs(self, dataset: str | None = None) -> list[Run]:
        """Every run, newest first; only those on dataset name ``dataset`` if given."""
        from mlwright.workspace.run import Run

        return [Run(r, self) for r in self.store.list_runs(dataset)]

    def delete_run(self, run_id: str) -> Run:
        """Delete a run and its files (unless something else still uses the same file)."""
        from mlwright.workspace.models import refuse_if_registered
        from mlwright.workspace.run import Run

        refuse_if_registered(self, self.store.get_run(run_id).id)
        from mlwright.workspace.reporting import forget_report

        record = self.store.delete_run(run_id)
        for key in record.artifact_keys:
            if not self.store.is_artifact_referenced(key):
                self.artifacts.delete(key)
        forget_report(self, record.id)
        return Run(record, self)

    def register(self, run_id: str, name: str, *, alias: str | None = None) -> ModelVersionRecord:
        """Register a finished run's model as the next version of ``name`` (and alias it).

        The model is written as a verified package (``docs/model-package.md``) with its
        input schema, reference profile, metrics, lineage and library versions.
        """
        from mlwright.workspace.models import register

        return register(self, run_id, name, alias=alias)

    def model_versions(self, name: str | None = None) -> list[ModelVersionRecord]:
        """Every registered version, or every version of ``name``."""
        return self.store.list_model_versions(name)

    def model_version(self, ref: str) -> ModelVersionRecord:
        """The version ``NAME``, ``NAME:VERSION`` or ``NAME@ALIAS`` names."""
        from mlwright.workspace.models import resolve

        return resolve(self, ref)

    def load_model(self, ref: str) -> LoadedModel:
        """Verify and load a registered model (or a package file); it predicts on tables."""
        from mlwright.workspace.models import load

        return load(self, ref)

    def monitor(
        self,
        ref: str,
        *,
        current: str | Path | None = None,
        dataset: str | None = None,
        since: str | timedelta | None = None,
        config: MonitorConfig | None = None,
        record: bool = True,
        time_column: str | None = None,
    ) -> MonitorReport:
        """Check a model on current data: drift of its inputs and predictions, performance.

        Give exactly one of ``current`` (a file), ``dataset`` (a dataset reference) or
        ``since`` (``"24h"``: the serving prediction log). With labels, ``time_column``
        (the log's own times with ``since``) gives performance per day or hour too. The
        check is kept in the workspace's monitoring history unless ``record`` is False.
        """
        from mlwright.workspace.monitoring import monitor

        return monitor(
            self,
            ref,
            current=current,
            dataset=dataset,
            since=since,
            config=config,
            record=record,
            time_column=time_column,
        )

    def retrain(
        self,
        name: str,
        data: Any,
        *,
        alias: str = "production",
        margin: float = 0.01,
        time_budget: str | float | None = None,
        seed: int = 0,
    ) -> RetrainDecision:
        """Train a challenger to ``name@alias`` on ``data``; promote it only if better.

        ``data`` is a DataFrame or a file with the target. A quarter of it is held out; the
        rest is the next version of the champion's dataset. Champion and challenger are
        scored on the holdout with the champion's metric, and the alias moves to the
        challenger when it is better by ``margin``. The decision is kept in the history.
        """
        from mlwright.workspace.retrain import retrain

        return retrain(
            self, name, data, alias=alias, margin=margin, time_budget=time_budget, seed=seed
        )

    def analyze(self, ref: str, data: Any, *, shifts: bool = False) -> Analysis:
        """Where and why model ``ref`` fails on labelled ``data`` (a DataFrame or a file).

        The slices where it does significantly worse (as rules), the worst-predicted rows,
        the features its errors move with, its calibration, and next steps; with
        ``shifts``, its metric on simulated shifts of the data too.
        """
        from mlwright.insight.analyze import analyze_model
        from mlwright.workspace.monitoring import read_rows

        return analyze_model(self.load_model(ref), read_rows(data), shifts=shifts)

    def report(
        self,
        subject: str,
        path: str | Path | None = None,
        *,
        data: Any = None,
        shifts: bool = True,
    ) -> dict[str, Any]:
        """The facts of a report on a run (by id) or a model (``NAME[:VERSION|@ALIAS]``).

        It scores the model on the rows its run held out (or on labelled ``data``) and
        explains it: a plain-language summary, metrics with intervals against a naive rule,
        plots, the inputs it relies on, the leaderboard with each candidate's worst slice,
        where it fails and (with ``shifts``) how it holds up under shifts. With ``path``,
        the page is written there and its JSON twin beside it (``.json``).
        """
        from mlwright.report.facts import build_report
        from mlwright.workspace.reporting import report_inputs, write_report

        facts = build_report(report_inputs(self, subject, data=data), shifts=shifts)
        if path is not None:
            write_report(facts, path)
        return facts

    def run_report(self, run_id: str) -> Path:
        """The report page of a run kept in the workspace (written on first request)."""
        from mlwright.workspace.reporting import run_report

        return run_report(self, run_id)

    def checks(self, name: str | None = None, *, limit: int | None = None) -> list[CheckRecord]:
        """The monitoring history (drift checks and retrain decisions), newest first."""
        return self.store.list_checks(name, limit=limit)

    def set_alias(self, name: str, version: int | None, alias: str) -> AliasEvent:
        """Point ``alias`` (e.g. ``production``) at a version; None removes the alias."""
        from mlwright.workspace.models import move_alias

        return move_alias(self, name, version, alias)

    def alias_history(self, name: str) -> list[AliasEvent]:
        """Every alias move of a model, oldest first."""
        return self.store.alias_history(name)

    def delete_model(self, ref: str) -> list[ModelVersionRecord]:
        """Delete ``NAME:VERSION`` or all versions of ``NAME``; aliased versions are refused."""
        from mlwright.workspace.models import delete

        return delete(self, ref)

    def export_model(self, ref: str, dest: str | Path, *, format: str = "package") -> Path:
        """Write a model as a package file, or (``format="onnx"``) as an ONNX graph."""
        from mlwright.workspace.models import export_model

        return export_model(self, ref, Path(dest), format=format)

    def who(self) -> str:
        """Who is working: user@host, recorded with what they create."""
        return _who()

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


def load_model(ref: str | Path, *, workspace: str | Path | None = None) -> LoadedModel:
    """Load a model by reference (``NAME``, ``NAME:VERSION``, ``NAME@ALIAS``) or package file.

    A reference is looked up in ``workspace`` (default: as :class:`Workspace` finds it).
    """
    from mlwright.workspace.models import is_package_path, load_package_file

    if is_package_path(ref):  # no workspace needed
        return load_package_file(Path(ref))
    with Workspace(workspace) as ws:
        return ws.load_model(str(ref))


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
