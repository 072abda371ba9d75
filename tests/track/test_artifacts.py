"""The artifact store: content addressing, atomic writes, crash safety, any fsspec URL."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from typing import TYPE_CHECKING

import pytest

from mlwright.core.errors import StoreError
from mlwright.track.artifacts import ArtifactStore

if TYPE_CHECKING:
    from pathlib import Path


def test_put_bytes_is_addressed_by_sha256(tmp_path: Path) -> None:
    store = ArtifactStore(str(tmp_path / "a"))
    key = store.put_bytes(b"hello")
    assert key == hashlib.sha256(b"hello").hexdigest()
    with store.open(key) as fh:
        assert fh.read() == b"hello"
    assert store.keys() == [key]


def test_same_content_is_stored_once(tmp_path: Path) -> None:
    store = ArtifactStore(str(tmp_path / "a"))
    source = tmp_path / "f.bin"
    source.write_bytes(b"x" * 1000)
    assert store.put_file(source) == store.put_bytes(b"x" * 1000)
    assert len(store.keys()) == 1


def test_put_file_with_move_renames_the_file_in(tmp_path: Path) -> None:
    store = ArtifactStore(str(tmp_path / "a"))
    source = tmp_path / "data.parquet"
    source.write_bytes(b"parquet bytes")
    key = store.put_file(source, move=True)
    assert not source.exists()
    assert store.local_path(key).read_bytes() == b"parquet bytes"  # type: ignore[union-attr]


def test_failed_write_leaves_nothing_visible(tmp_path: Path) -> None:
    store = ArtifactStore(str(tmp_path / "a"))
    with pytest.raises(RuntimeError), store.writer() as handle:
        handle.write(b"half of it")
        raise RuntimeError
    assert store.keys() == []
    assert list((tmp_path / "a" / "tmp").iterdir()) == []


def test_writer_publishes_under_the_hash_of_what_was_written(tmp_path: Path) -> None:
    store = ArtifactStore(str(tmp_path / "a"))
    with store.writer() as handle:
        handle.write(b"part one, ")
        handle.write(b"part two")
    assert handle.key == hashlib.sha256(b"part one, part two").hexdigest()
    assert store.exists(handle.key)


def test_a_killed_writer_never_publishes_a_half_file(tmp_path: Path) -> None:
    """SIGKILL in the middle of a write: readers see no artifact at all."""
    root = tmp_path / "a"
    started = tmp_path / "started"
    script = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from mlwright.track.artifacts import ArtifactStore
        store = ArtifactStore({str(root)!r})
        with store.writer() as handle:
            handle.write(b"x" * 1_000_000)
            Path({str(started)!r}).touch()
            time.sleep(60)
            handle.write(b"never")
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 30
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert started.exists(), "the writer did not start"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    store = ArtifactStore(str(root))
    assert store.keys() == []
    assert not (root / "objects").exists() or not any((root / "objects").rglob("*"))


def test_memory_filesystem_works_like_a_remote_store() -> None:
    store = ArtifactStore("memory://mlwright-test-artifacts")
    key = store.put_bytes(b"remote bytes")
    assert store.local_path(key) is None
    assert store.uri(key).startswith("memory://")
    with store.open(key) as fh:
        assert fh.read() == b"remote bytes"
    store.delete(key)
    assert not store.exists(key)


def test_missing_artifact_is_a_store_error(tmp_path: Path) -> None:
    store = ArtifactStore(str(tmp_path / "a"))
    with pytest.raises(StoreError, match="missing"):
        store.open("0" * 64)


def test_keys_must_be_sha256_hex(tmp_path: Path) -> None:
    store = ArtifactStore(str(tmp_path / "a"))
    with pytest.raises(StoreError, match="not an artifact key"):
        store.open("../../etc/passwd")
