"""The metadata store interface, and the registry that picks an implementation by URI."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from importlib import import_module
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from mlwright.core.errors import ConfigError, MlwrightWarning

if TYPE_CHECKING:
    from typing import Any

    from mlwright.core.types import TrialReport
    from mlwright.track.entities import (
        AliasEvent,
        CheckRecord,
        DatasetRecord,
        ModelVersionRecord,
        NewCheck,
        NewDataset,
        NewModelVersion,
        NewRun,
        RunRecord,
    )


class DatasetStore(ABC):
    """Versions of named datasets."""

    @abstractmethod
    def add_dataset(self, new: NewDataset) -> DatasetRecord:
        """Record a new version of ``new.name``; versions count up from 1 and are never reused."""

    @abstractmethod
    def get_dataset(self, name: str, version: int | None = None) -> DatasetRecord:
        """One version (the latest when ``version`` is None); raises DatasetNotFoundError."""

    @abstractmethod
    def list_datasets(self, name: str | None = None) -> list[DatasetRecord]:
        """Every version, or every version of one name, by name then version."""

    @abstractmethod
    def find_dataset(self, name: str, fingerprint: str) -> DatasetRecord | None:
        """The version of ``name`` with this content fingerprint, if there is one."""

    @abstractmethod
    def delete_dataset(self, name: str, version: int | None = None) -> list[DatasetRecord]:
        """Delete one version, or all versions when ``version`` is None; return what went."""

    @abstractmethod
    def is_artifact_referenced(self, key: str) -> bool:
        """Whether any record still points at the artifact ``key``."""


class RunStore(ABC):
    """Training runs, their candidates and notes, written as the run goes."""

    @abstractmethod
    def create_run(self, new: NewRun) -> RunRecord:
        """Record a run that is starting (status ``running``) and give it an id."""

    @abstractmethod
    def add_trial(self, run_id: str, report: TrialReport) -> None:
        """Record one candidate of a running run."""

    @abstractmethod
    def add_note(self, run_id: str, text: str) -> None:
        """Record a finding of a running run."""

    @abstractmethod
    def finish_run(
        self,
        run_id: str,
        *,
        status: str,
        task_type: str | None = None,
        metric: str | None = None,
        result: dict[str, Any] | None = None,
        model_key: str | None = None,
        error: str | None = None,
    ) -> RunRecord:
        """Mark a run ``finished`` (with its result and model) or ``failed`` (with the error)."""

    @abstractmethod
    def get_run(self, run_id: str) -> RunRecord:
        """A run by id or unique id prefix, with its trials and notes; raises RunNotFoundError."""

    @abstractmethod
    def list_runs(
        self,
        dataset_name: str | None = None,
        *,
        dataset_version: int | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[RunRecord]:
        """Runs (without trials and notes), newest first; of one dataset (version) if given.

        ``limit`` and ``offset`` read one page of them.
        """

    @abstractmethod
    def count_runs(self, dataset_name: str | None = None) -> int:
        """How many runs there are (of one dataset name if given)."""

    @abstractmethod
    def delete_run(self, run_id: str) -> RunRecord:
        """Delete a run with its trials and notes; return what went."""


class ModelStore(ABC):
    """The registry: numbered versions of named models, and movable aliases."""

    @abstractmethod
    def add_model_version(self, new: NewModelVersion) -> ModelVersionRecord:
        """Record the next version of ``new.name``; numbers count up from 1, never reused."""

    @abstractmethod
    def get_model_version(
        self, name: str, version: int | None = None, *, alias: str | None = None
    ) -> ModelVersionRecord:
        """One version by number or alias, else the latest; raises ModelNotFoundError."""

    @abstractmethod
    def list_model_versions(self, name: str | None = None) -> list[ModelVersionRecord]:
        """Every version, or every version of one name, by name then version."""

    @abstractmethod
    def set_alias(
        self, name: str, alias: str, version: int | None, *, moved_by: str | None = None
    ) -> AliasEvent:
        """Point an alias at a version, or remove it (``version`` None); keep the move."""

    @abstractmethod
    def alias_history(self, name: str) -> list[AliasEvent]:
        """Every alias move of a model, oldest first."""

    @abstractmethod
    def delete_model_version(
        self, name: str, version: int | None = None
    ) -> list[ModelVersionRecord]:
        """Delete one version or all; refuses a version an alias points to."""


class CheckStore(ABC):
    """The monitoring history: drift checks and retrain decisions, kept per model."""

    @abstractmethod
    def add_check(self, new: NewCheck) -> CheckRecord:
        """Record a check; ids only grow. Raises ConfigError for an unknown kind."""

    @abstractmethod
    def list_checks(
        self, model_name: str | None = None, *, kind: str | None = None, limit: int | None = None
    ) -> list[CheckRecord]:
        """Checks, newest first; of one model and one kind if given, at most ``limit``."""

    @abstractmethod
    def delete_checks(self, model_name: str) -> int:
        """Delete every check of a model (when the model itself goes); return how many went."""


class MetadataStore(DatasetStore, RunStore, ModelStore, CheckStore, ABC):
    """Everything the workspace records: datasets, runs, registered models and checks."""

    @abstractmethod
    def schema_revision(self) -> str | None:
        """The store's schema revision."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""


StoreBuilder = Callable[[str], MetadataStore]


# Built-in implementations, named as entry points are ("module:attribute") and imported only
# when chosen, so that the interface does not import its implementations.
_BUILTIN = {
    "sqlite": "mlwright.track.sql.store:SqlMetadataStore",
    "postgresql": "mlwright.track.sql.store:SqlMetadataStore",
}


def _load(target: str) -> StoreBuilder:
    module, _, attribute = target.partition(":")
    builder: StoreBuilder = getattr(import_module(module), attribute)
    return builder


def available_schemes() -> dict[str, StoreBuilder]:
    """Built-in schemes, plus third-party ones from the ``mlwright.stores`` entry points."""
    import warnings

    schemes = {scheme: _load(target) for scheme, target in _BUILTIN.items()}
    for ep in entry_points(group="mlwright.stores"):
        if ep.name in schemes:
            continue
        try:
            schemes[ep.name] = ep.load()
        except Exception as exc:  # a broken plugin must not break the built-in stores
            message = f"store plugin {ep.name!r} failed to load: {exc}"
            warnings.warn(message, MlwrightWarning, stacklevel=2)
    return schemes


def open_store(uri: str) -> MetadataStore:
    """Open the metadata store a URI names (``sqlite:///...``, ``postgresql+psycopg://...``)."""
    scheme = uri.split(":", 1)[0].split("+", 1)[0].lower()
    schemes = available_schemes()
    if scheme not in schemes:
        msg = f"no metadata store for URI scheme {scheme!r}"
        raise ConfigError(msg, hint=f"available schemes: {', '.join(sorted(schemes))}")
    return schemes[scheme](uri)
