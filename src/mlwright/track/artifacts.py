"""Content-addressed artifact store over fsspec, written atomically.

Every artifact is stored once under ``objects/<sha256[:2]>/<sha256>``. A write goes to a
temporary name in ``tmp/`` of the same store first and is renamed into place only when it
is complete, so a reader never sees a half-written file, whatever happens mid-write.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from mlwright.core.errors import StoreError

if TYPE_CHECKING:
    from collections.abc import Iterator

CHUNK_BYTES = 8 << 20
_HEX = frozenset("0123456789abcdef")


def sha256_file(path: Path) -> str:
    """The SHA-256 of a local file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


class ArtifactStore:
    """Immutable blobs addressed by their SHA-256, on any fsspec filesystem.

    Parameters
    ----------
    url
        A local folder or an fsspec URL (``s3://bucket/prefix``, ``memory://x``).
    """

    def __init__(self, url: str) -> None:
        from fsspec.core import url_to_fs

        self.url = url
        self.fs, self.root = url_to_fs(url)
        self.is_local = "file" in _protocols(self.fs)

    def _object_path(self, key: str) -> str:
        if len(key) != 64 or not set(key) <= _HEX:
            msg = f"{key!r} is not an artifact key (a SHA-256 hex digest)"
            raise StoreError(msg)
        return f"{self.root}/objects/{key[:2]}/{key}"

    def _tmp_path(self) -> str:
        return f"{self.root}/tmp/{uuid.uuid4().hex}.part"

    def exists(self, key: str) -> bool:
        """Whether the artifact is stored."""
        return bool(self.fs.exists(self._object_path(key)))

    def put_file(self, path: Path, *, move: bool = False, sha256: str | None = None) -> str:
        """Store a local file and return its key; ``move`` lets a local store rename it in.

        ``sha256`` is the file's digest when the caller has computed it already (as
        :func:`sha256_file` does), so that a large file is not read twice. Publishing is a
        rename, atomic against a crash of the process; syncing a large file to disk first is
        left to the filesystem, as DuckDB and Parquet writers do.
        """
        key = sha256 or sha256_file(path)
        if self.exists(key):
            return key
        final = self._object_path(key)
        tmp = self._tmp_path()
        self.fs.makedirs(f"{self.root}/tmp", exist_ok=True)
        self.fs.makedirs(final.rsplit("/", 1)[0], exist_ok=True)
        try:
            if self.is_local and move and _same_device(path, Path(tmp).parent):
                os.replace(path, tmp)
            else:
                self.fs.put_file(str(path), tmp)
            self._publish(tmp, final)
        except OSError as exc:
            self._discard(tmp)
            msg = f"cannot write artifact {key[:12]} to {self.url}: {exc}"
            raise StoreError(msg, hint="check free space and permissions") from exc
        return key

    def put_bytes(self, data: bytes) -> str:
        """Store bytes and return their key."""
        key = hashlib.sha256(data).hexdigest()
        if self.exists(key):
            return key
        with self.writer() as handle:
            handle.write(data)
        return key

    @contextlib.contextmanager
    def writer(self) -> Iterator[HashingWriter]:
        """Stream bytes into a new artifact; it becomes visible only if the block completes.

        After the block, the yielded handle's ``key`` holds the artifact's key.
        """
        tmp = self._tmp_path()
        self.fs.makedirs(f"{self.root}/tmp", exist_ok=True)
        digest = hashlib.sha256()
        try:
            with self.fs.open(tmp, "wb") as raw:
                handle = HashingWriter(raw, digest)
                yield handle
                _sync(raw)
            handle.key = digest.hexdigest()
            final = self._object_path(handle.key)
            self.fs.makedirs(final.rsplit("/", 1)[0], exist_ok=True)
            self._publish(tmp, final)
        except BaseException:
            self._discard(tmp)
            raise

    def _publish(self, tmp: str, final: str) -> None:
        if self.is_local:
            os.replace(tmp, final)  # atomic on POSIX within one filesystem
        else:
            self.fs.mv(tmp, final)

    def _discard(self, tmp: str) -> None:
        with contextlib.suppress(OSError):
            self.fs.rm(tmp)

    def open(self, key: str) -> IO[bytes]:
        """Open a stored artifact for reading."""
        path = self._object_path(key)
        try:
            return self.fs.open(path, "rb")  # type: ignore[no-any-return]
        except FileNotFoundError as exc:
            msg = f"artifact {key[:12]} is missing from {self.url}"
            raise StoreError(msg, hint="the store was changed by hand; restore it") from exc

    def local_path(self, key: str) -> Path | None:
        """The artifact's path on this machine, or None when the store is remote."""
        return Path(self._object_path(key)) if self.is_local else None

    def uri(self, key: str) -> str:
        """A URL of the artifact that fsspec understands."""
        path = self._object_path(key)
        return path if self.is_local else str(self.fs.unstrip_protocol(path))

    def size(self, key: str) -> int:
        """Size of a stored artifact in bytes."""
        return int(self.fs.size(self._object_path(key)))

    def modified(self, key: str) -> datetime:
        """When the artifact was written (UTC)."""
        moment: datetime = self.fs.modified(self._object_path(key))
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

    def delete(self, key: str) -> None:
        """Remove an artifact; missing ones are ignored."""
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm(self._object_path(key))

    def keys(self) -> list[str]:
        """Every stored key."""
        found = self.fs.glob(f"{self.root}/objects/*/*")
        return sorted(p.rsplit("/", 1)[-1] for p in found)


class HashingWriter:
    """A write-only file object that hashes what passes through it."""

    def __init__(self, raw: IO[bytes], digest: Any) -> None:
        self._raw = raw
        self._digest = digest
        self.key: str | None = None

    def write(self, data: bytes) -> int:
        """Write and hash ``data``."""
        self._digest.update(data)
        return self._raw.write(data)


def _sync(fh: IO[bytes]) -> None:
    """Flush to disk before the rename, so that a crash cannot publish an empty file."""
    fh.flush()
    with contextlib.suppress(AttributeError, OSError, ValueError):
        os.fsync(fh.fileno())


def _same_device(path: Path, folder: Path) -> bool:
    return path.stat().st_dev == folder.stat().st_dev


def _protocols(fs: Any) -> tuple[str, ...]:
    protocol = fs.protocol
    return (protocol,) if isinstance(protocol, str) else tuple(protocol)
