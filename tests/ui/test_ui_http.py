"""``mlwright ui`` over real HTTP: every page, read-only by default, confirmed writes, tokens."""

from __future__ import annotations

import shutil
import subprocess
from typing import TYPE_CHECKING

import httpx
import pytest

from mlwright.workspace import Workspace
from tests.ui.dashboard import MLWRIGHT, TOKEN, Built, UiServer, build, start

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build(tmp_path_factory.mktemp("ui-template") / "ws")


@pytest.fixture
def workspace(template: Built, tmp_path: Path) -> Built:
    path = tmp_path / "ws"
    shutil.copytree(template.path, path)
    return Built(path, template.first_run, template.second_run)


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Callable[..., UiServer]]:
    started: list[UiServer] = []

    def launch(path: Path, *options: str, token_file: Path | None = None) -> UiServer:
        log = tmp_path / f"ui-{len(started)}.log"
        started.append(start(path, log, *options, token_file=token_file))
        return started[-1]

    yield launch
    for server in started:
        server.stop()


def test_every_page_answers_with_what_it_is_about(
    workspace: Built, servers: Callable[..., UiServer]
) -> None:
    url = servers(workspace.path).url
    first, second = workspace.first_run, workspace.second_run
    expected = {
        "/": ["Workspace", "2</strong>runs", first],
        "/datasets": ["customers:1", "2,000"],
        "/datasets/customers/1": [
            "tenure",
            "numeric",
            'aria-label="tenure: 0 to 59"',
            "Newest runs on this version",
            first,
        ],
        "/reports": ["No report written yet"],
        "/runs": ["2 runs", first, second],
        f"/runs/{first}": ["Test metrics", "roc_auc", "Leaderboard", "churn:1", "Report"],
        f"/runs/compare?a={first}&b={second}": ["side by side", "test roc_auc", "families"],
        "/models": ["churn", "production -&gt; 1"],
        "/models/churn": ["churn:1", "churn:2", "Alias history", "production"],
        "/monitoring": ["churn", "drift", "usage"],
        "/monitoring/churn": ["Drift per feature over time", "usage"],
    }
    for path, texts in expected.items():
        answer = httpx.get(url + path, timeout=60)
        assert answer.status_code == 200, path
        for text in texts:
            assert text in answer.text, (path, text)
        assert "<script" not in answer.text
    report = httpx.get(f"{url}/runs/{first}/report", timeout=120)
    assert report.status_code == 200
    assert "In plain words" in report.text
    twin = httpx.get(f"{url}/runs/{first}/report.json", timeout=60)
    assert twin.json()["model"]["run"] == first
    listed = httpx.get(f"{url}/reports", timeout=30).text
    assert f'href="/runs/{first}/report#analysis"' in listed
    assert "churn:1" in listed


def test_other_sites_cannot_drive_or_frame_it(
    workspace: Built, servers: Callable[..., UiServer]
) -> None:
    url = servers(workspace.path, "--allow-write").url
    page = httpx.get(f"{url}/models/churn")
    assert page.headers["x-frame-options"] == "DENY"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    # Another site's name pointed at 127.0.0.1 (DNS rebinding) gets nothing.
    rebound = httpx.get(f"{url}/models/churn", headers={"host": "evil.example"})
    assert rebound.status_code == 400
    assert "churn:1" not in rebound.text
    cross = httpx.post(
        f"{url}/models/churn/promote",
        data={"version": 2, "alias": "production"},
        headers={"sec-fetch-site": "cross-site"},
    )
    assert cross.status_code == 403
    with Workspace(workspace.path) as ws:
        assert ws.model_version("churn@production").version == 1


def test_unknown_things_get_a_clear_not_found_page(
    workspace: Built, servers: Callable[..., UiServer]
) -> None:
    url = servers(workspace.path).url
    for path in ("/runs/ffffffffffff", "/models/nosuch", "/datasets/nosuch/1", "/nowhere"):
        answer = httpx.get(url + path, timeout=30)
        assert answer.status_code == 404, path
        assert "Not possible" in answer.text
    half = httpx.get(f"{url}/runs/compare?a={workspace.first_run}")
    assert half.status_code == 400
    assert "missing or invalid: b" in half.text


def test_read_only_by_default(workspace: Built, servers: Callable[..., UiServer]) -> None:
    url = servers(workspace.path).url
    confirm = httpx.get(f"{url}/models/churn/promote?version=2&alias=production", timeout=30)
    assert confirm.status_code == 403
    assert "read-only" in confirm.text
    post = httpx.post(f"{url}/models/churn/promote", data={"version": 2, "alias": "production"})
    assert post.status_code == 403
    assert "make production" not in httpx.get(f"{url}/models/churn").text
    with Workspace(workspace.path) as ws:
        assert ws.model_version("churn@production").version == 1


def test_with_allow_write_an_alias_moves_after_confirmation(
    workspace: Built, servers: Callable[..., UiServer]
) -> None:
    url = servers(workspace.path, "--allow-write").url
    confirm = httpx.get(f"{url}/models/churn/promote?version=2&alias=production", timeout=30)
    assert confirm.status_code == 200
    assert "point churn@production at version 2 (now version 1)" in confirm.text
    with Workspace(workspace.path) as ws:  # asking changes nothing
        assert ws.model_version("churn@production").version == 1
    bad = httpx.get(f"{url}/models/churn/promote?version=2&alias=no%20spaces", timeout=30)
    assert bad.status_code == 400
    assert "invalid alias" in bad.text
    foreign = httpx.post(
        f"{url}/models/churn/promote",
        data={"version": 2, "alias": "production"},
        headers={"origin": "http://evil.example"},
    )
    assert foreign.status_code == 403
    done = httpx.post(f"{url}/models/churn/promote", data={"version": 2, "alias": "production"})
    assert done.status_code == 303
    with Workspace(workspace.path) as ws:
        assert ws.model_version("churn@production").version == 2
    page = httpx.get(f"{url}/models/churn").text
    assert "make production" in page
    deleted = httpx.post(f"{url}/models/churn/1/delete")
    assert deleted.status_code == 303
    with Workspace(workspace.path) as ws:
        assert [v.version for v in ws.model_versions("churn")] == [2]
    # Its run, no longer registered, can go too, with the report written for it.
    assert httpx.get(f"{url}/runs/{workspace.first_run}/report", timeout=120).status_code == 200
    report = workspace.path / "reports" / workspace.first_run
    assert report.exists()
    assert httpx.post(f"{url}/runs/{workspace.first_run}/delete").status_code == 303
    assert not report.exists()
    assert httpx.get(f"{url}/runs/{workspace.first_run}").status_code == 404


def test_a_token_is_needed_for_every_page(
    workspace: Built, servers: Callable[..., UiServer], tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    url = servers(workspace.path, token_file=token_file).url
    refused = httpx.get(f"{url}/runs")
    assert refused.status_code == 401
    assert "Sign in" in refused.text
    assert workspace.first_run not in refused.text
    bearer = httpx.get(f"{url}/runs", headers={"authorization": f"Bearer {TOKEN}"})
    assert bearer.status_code == 200
    with httpx.Client(base_url=url) as browser:
        wrong = browser.post("/login", data={"token": "not-it"})
        assert wrong.status_code == 401
        assert "not the dashboard" in wrong.text
        right = browser.post("/login", data={"token": TOKEN})
        assert right.status_code == 303
        assert "httponly" in right.headers["set-cookie"].lower()
        assert TOKEN not in right.headers["set-cookie"]  # a session derived from it
        assert browser.get("/runs").status_code == 200


def test_a_public_address_needs_a_token(tmp_path: Path) -> None:
    result = subprocess.run(
        [MLWRIGHT, "--workspace", str(tmp_path / "ws"), "ui", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "error: refusing to open the dashboard on 0.0.0.0 without a token" in result.stderr
