"""The report in a real browser: it renders offline, quietly, with its summary and plots."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from mlwright.workspace import Workspace
from tests.cli.planted import customers

if TYPE_CHECKING:
    from pathlib import Path

    from tests.browser.conftest import Watched


@pytest.fixture(scope="module")
def report_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report-page")
    with Workspace(folder / "ws") as ws:
        ws.ingest(customers(2000, 0), name="customers")
        run = ws.train(
            "customers", target="churn", time_budget=4, families=["lightgbm", "linear"], seed=0
        )
        ws.report(run.id, folder / "report.html")
    return folder / "report.html"


def test_the_report_renders_offline_without_errors(
    watched: Watched, report_page: Path, tmp_path: Path
) -> None:
    page, errors, requests = watched.page, watched.errors, watched.requests
    page.goto(report_page.as_uri())
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert errors == []
    assert requests == [report_page.as_uri()]  # nothing fetched: the page is self-contained
    assert page.title().endswith("— mlwright report")
    summary = page.locator(".summary p").all_inner_texts()
    assert summary[0].startswith('This model predicts whether churn is "yes"')
    assert any(s.startswith("It fails most where") for s in summary)
    plots = page.locator("svg[role=img]")
    assert plots.count() >= 8
    for index in range(plots.count()):  # every plot is drawn with a size
        box = plots.nth(index).bounding_box()
        assert box is not None
        assert box["width"] > 100
        assert box["height"] > 50
    page.get_by_role("link", name="Where it fails").click()
    assert page.url.endswith("#analysis")
    assert page.locator("#analysis").is_visible()
    assert requests == [report_page.as_uri()]  # the link stays on the page
    assert (tmp_path / "report.png").stat().st_size > 50_000
