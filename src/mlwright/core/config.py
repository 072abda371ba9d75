"""Every setting of mlwright, its ``MLWRIGHT_*`` variable, its type and its default.

Precedence, highest first: arguments passed to :class:`Settings`, ``MLWRIGHT_*`` environment
variables, the file ``mlwright.toml`` in the current directory, then the defaults below.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CONFIG_FILE = "mlwright.toml"
DEFAULT_WORKSPACE = Path(".mlwright")


class Settings(BaseSettings):
    """Where the workspace lives and how heavy work is bounded.

    Parameters
    ----------
    workspace
        Folder of the embedded store and the local artifacts (``MLWRIGHT_WORKSPACE``).
    store_uri
        SQLAlchemy URI of the metadata store (``MLWRIGHT_STORE_URI``); defaults to the
        SQLite file ``mlwright.db`` inside ``workspace``.
    artifacts_uri
        fsspec URL of the artifact store (``MLWRIGHT_ARTIFACTS_URI``); defaults to the folder
        ``artifacts`` inside ``workspace``.
    ingest_memory_mb
        Memory DuckDB may use while ingesting; beyond it DuckDB spills to disk
        (``MLWRIGHT_INGEST_MEMORY_MB``).
    ingest_threads
        Threads DuckDB may use while ingesting; 0 means one per core (``MLWRIGHT_INGEST_THREADS``).
    """

    model_config = SettingsConfigDict(
        env_prefix="MLWRIGHT_", toml_file=CONFIG_FILE, extra="forbid", frozen=True
    )

    workspace: Path = DEFAULT_WORKSPACE
    store_uri: str | None = None
    artifacts_uri: str | None = None
    ingest_memory_mb: int = Field(default=1024, ge=64)
    ingest_threads: int = Field(default=0, ge=0)

    @field_validator("store_uri", "artifacts_uri")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            msg = "must not be blank; leave it unset to use the workspace folder"
            raise ValueError(msg)
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then environment, then ``mlwright.toml``; no dotenv or secrets dir."""
        return init_settings, env_settings, TomlConfigSettingsSource(settings_cls)

    @property
    def resolved_store_uri(self) -> str:
        """The metadata store URI, defaulting to the workspace's SQLite file."""
        return self.store_uri or f"sqlite:///{(self.workspace / 'mlwright.db').resolve()}"

    @property
    def resolved_artifacts_uri(self) -> str:
        """The artifact store URL, defaulting to the workspace's ``artifacts`` folder."""
        return self.artifacts_uri or str((self.workspace / "artifacts").resolve())
