"""Files written together appear together, or not at all."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from mlwright.core.files import write_texts

if TYPE_CHECKING:
    from pathlib import Path


def test_both_files_appear(tmp_path: Path) -> None:
    write_texts({tmp_path / "a" / "page.html": "<p>", tmp_path / "a" / "page.json": "{}"})
    assert (tmp_path / "a" / "page.html").read_text() == "<p>"
    assert (tmp_path / "a" / "page.json").read_text() == "{}"
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["page.html", "page.json"]


def test_a_failure_leaves_nothing_behind(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(OSError):
        write_texts({tmp_path / "page.json": "{}", blocker / "page.html": "<p>"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker"]
