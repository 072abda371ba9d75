"""The exception and warning hierarchy of mlwright.

::

    MlwrightError                      every error mlwright raises on purpose
    ├── ConfigError (ValueError)       a setting or argument has an invalid value
    ├── MissingDependencyError (ImportError)   an optional extra is not installed
    ├── DataError (ValueError)         input data cannot be read or is unusable
    │   ├── SourceNotFoundError (FileNotFoundError)
    │   ├── UnsupportedFormatError
    │   ├── EncodingError (UnicodeError)
    │   ├── MalformedDataError         ragged rows, duplicate columns, parse failures
    │   ├── EmptyDataError             no rows
    │   └── SourceQueryError           a SQL source failed or could not be reached
    ├── SchemaError (ValueError)       a schema or role override does not fit the data
    ├── TrainingError (ValueError)     the task cannot be learned from this data as asked
    ├── NotFoundError (LookupError)    a named object is not in the workspace
    │   ├── DatasetNotFoundError
    │   ├── RunNotFoundError
    │   └── ModelNotFoundError
    ├── StoreError                     the metadata or artifact store failed
    │   └── SchemaVersionError         the store was written by a newer mlwright
    └── PackageError                   a model package is damaged, tampered with or unsafe

    MlwrightWarning (UserWarning)      something the caller should change

Errors carry structured fields (``path``, ``column``, ``value``, ``hint``) so that the CLI and
the HTTP layer can render them without parsing messages.
"""

from __future__ import annotations

from typing import Any


class MlwrightError(Exception):
    """Base class of every error that mlwright raises on purpose."""

    def __init__(self, message: str, *, hint: str | None = None, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.fields = fields

    def __str__(self) -> str:
        return f"{self.message}; {self.hint}" if self.hint else self.message


class ConfigError(MlwrightError, ValueError):
    """A setting or argument has an invalid value."""


class MissingDependencyError(MlwrightError, ImportError):
    """An optional dependency is needed but not installed."""


class DataError(MlwrightError, ValueError):
    """Input data cannot be read or is unusable."""


class SourceNotFoundError(DataError, FileNotFoundError):
    """A file, glob or table named as a data source does not exist."""


class UnsupportedFormatError(DataError):
    """A file's format is not one that mlwright reads."""


class EncodingError(DataError, UnicodeError):
    """A text file cannot be decoded with the detected or given encoding."""


class MalformedDataError(DataError):
    """A file parses but breaks the rules of its format (ragged rows, duplicate columns)."""


class EmptyDataError(DataError):
    """A source has no data rows."""


class SourceQueryError(DataError):
    """A SQL source failed: the query was rejected or the database could not be reached."""


class SchemaError(MlwrightError, ValueError):
    """A schema, or an override of it, does not fit the data."""


class TrainingError(MlwrightError, ValueError):
    """The task cannot be learned from this data as asked (e.g. a target with one class)."""


class NotFoundError(MlwrightError, LookupError):
    """A named object is not in the workspace."""


class DatasetNotFoundError(NotFoundError):
    """No dataset with the given name or version exists."""


class RunNotFoundError(NotFoundError):
    """No run with the given id exists."""


class ModelNotFoundError(NotFoundError):
    """No registered model version matches the given reference."""


class StoreError(MlwrightError):
    """The metadata or artifact store failed."""


class SchemaVersionError(StoreError):
    """The store's schema is newer than this mlwright understands."""


class PackageError(MlwrightError):
    """A model package is damaged, tampered with, of an unknown format, or holds unsafe code."""


class MlwrightWarning(UserWarning):
    """Something the caller should change, raised through :func:`warnings.warn`."""
