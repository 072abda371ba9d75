"""Files written whole or not at all: each through a temporary file renamed into place."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path


def write_texts(files: Mapping[Path, str]) -> None:
    """Write each path's text; the files appear only once every one has been written.

    The temporary names are unique, so two writers of the same files never share one; a
    failure leaves neither temporary files nor a new file behind.
    """
    unique = uuid.uuid4().hex[:8]
    written = []
    try:
        for target, text in files.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.{unique}.partial")
            partial.write_text(text, encoding="utf-8")
            written.append((partial, target))
        for partial, target in written:
            partial.replace(target)
    finally:
        for partial, _ in written:
            partial.unlink(missing_ok=True)
