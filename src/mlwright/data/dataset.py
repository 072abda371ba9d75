"""The dataset handle: a name, a version, a fingerprint, a schema, a profile and a file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlwright.core.errors import ConfigError

if TYPE_CHECKING:
    from datetime import datetime

    from mlwright.data.profile import Profile
    from mlwright.data.schema import Schema

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")


def check_name(name: str, kind: str = "dataset") -> str:
    """Refuse names that would not survive a reference like ``name:3`` or a URL."""
    if not _NAME.fullmatch(name):
        msg = f"invalid {kind} name {name!r}"
        hint = "use letters, digits, '_', '.' and '-', starting with a letter or digit"
        raise ConfigError(msg, hint=hint)
    return name


def parse_ref(ref: str) -> tuple[str, int | None]:
    """Split ``name`` or ``name:version`` into its parts."""
    name, sep, version = ref.partition(":")
    check_name(name)
    if not sep:
        return name, None
    if not re.fullmatch(r"[0-9]+", version) or int(version) < 1:
        msg = f"invalid version {version!r} in {ref!r}"
        raise ConfigError(msg, hint="versions are whole numbers from 1, e.g. churn:2")
    return name, int(version)


@dataclass(frozen=True, slots=True)
class Dataset:
    """An immutable, fingerprinted table in the workspace (a handle, not a frame).

    ``uri`` is where its Parquet file is: a local path or an fsspec URL.
    """

    name: str
    version: int
    fingerprint: str
    uri: str
    schema: Schema
    profile: Profile
    n_rows: int
    size_bytes: int
    source: str
    created_at: datetime
    created_by: str | None

    @property
    def ref(self) -> str:
        """The reference ``name:version``."""
        return f"{self.name}:{self.version}"

    def to_arrow(self) -> Any:
        """Read the whole table as a ``pyarrow.Table``."""
        import fsspec
        import pyarrow.parquet as pq

        if "://" not in self.uri:
            # A local file is read by its path: reading through a Python file object can
            # abort the interpreter at exit (apache/arrow#34314, #50482).
            return pq.read_table(self.uri)
        with fsspec.open(self.uri, "rb") as fh:
            return pq.read_table(fh)

    def to_pandas(self) -> Any:
        """Read the whole table as a ``pandas.DataFrame``."""
        return self.to_arrow().to_pandas()
