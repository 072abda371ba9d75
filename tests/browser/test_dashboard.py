"""The dashboard in a real browser: every page quiet and offline, run -> model -> report, a
promotion through its confirmation page. Screenshots go to the test's folder."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from mlwright.workspace import Workspace
from tests.ui.dashboard import Built, UiServer, build, start

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.browser.conftest import Watched


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Built, UiServer]]:
    folder = tmp_path_factory.mktemp("dashboard")
    built = build(folder / "ws")
    server = start(built.path, folder / "ui.log", "--allow-write")
    yield built, server
    server.stop()


def test_every_page_renders_quietly_and_fetches_only_itself(
    watched: Watched, dashboard: tuple[Built, UiServer], tmp_path: Path
) -> None:
    built, server = dashboard
    page, errors, requests = watched.page, watched.errors, watched.requests
    paths = [
        "/",
        "/datasets",
        "/datasets/customers/1",
        "/runs",
        f"/runs/{built.first_run}",
        f"/runs/compare?a={built.first_run}&b={built.second_run}",
        "/models",
        "/models/churn",
        "/monitoring",
        "/monitoring/churn",
        "/reports",
    ]
    for number, path in enumerate(paths):
        requests.clear()
        answer = page.goto(server.url + path)
        assert answer is not None
        assert answer.status == 200, path
        page.screenshot(path=str(tmp_path / f"page-{number}.png"), full_page=True)
        assert requests == [server.url + path], path  # no asset, no script, no CDN
    assert errors == []


def test_from_a_run_to_its_model_to_its_report_then_promote(
    watched: Watched, dashboard: tuple[Built, UiServer], tmp_path: Path
) -> None:
    built, server = dashboard
    page, errors = watched.page, watched.errors
    page.goto(f"{server.url}/runs")
    page.get_by_role("link", name=built.second_run).first.click()
    assert page.url == f"{server.url}/runs/{built.second_run}"
    page.get_by_role("link", name="churn:2").click()
    assert page.url == f"{server.url}/models/churn"
    page.screenshot(path=str(tmp_path / "model.png"), full_page=True)
    page.locator(f"a[href='/runs/{built.second_run}/report']").click()
    assert page.url == f"{server.url}/runs/{built.second_run}/report"
    assert page.locator(".summary p").first.inner_text().startswith("This model predicts")
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    page.goto(f"{server.url}/models/churn")
    page.get_by_label("alias").fill("production")
    page.get_by_label("version").select_option("2")
    page.get_by_role("button", name="review…").click()
    assert "point churn@production at version 2 (now version 1)" in page.content()
    page.get_by_role("button", name="Yes, point churn@production at version 2").click()
    assert page.url == f"{server.url}/models/churn"
    page.screenshot(path=str(tmp_path / "promoted.png"), full_page=True)
    with Workspace(built.path) as ws:
        assert ws.model_version("churn@production").version == 2
    history = page.locator("h2:has-text('Alias history') + table tbody tr").first.inner_text()
    assert "production" in history
    assert "\t2\t1\t" in history
    assert errors == []
