"""The monitoring page in a real browser: it renders offline, quietly, and shows the findings."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from mlwright.monitor.check import Finding, MonitorReport
from mlwright.monitor.drift import detect_drift
from mlwright.monitor.html import write_html

if TYPE_CHECKING:
    from pathlib import Path

    from tests.browser.conftest import Watched


def report() -> MonitorReport:
    rng = np.random.default_rng(0)
    reference = pa.table({"age": rng.normal(40, 10, 2000), "plan": rng.choice(["a", "b"], 2000)})
    current = pa.table({"age": rng.normal(50, 10, 2000), "plan": rng.choice(["a", "b"], 2000)})
    drift = detect_drift(reference, current)
    findings = [
        Finding("feature_drift", f.column, f"{f.column} drifted")
        for f in drift.features
        if f.drifted
    ]
    return MonitorReport(
        model="churn:1",
        reference="customers:1",
        current="now.csv <b>",
        n_reference=2000,
        n_current=2000,
        drift=drift,
        prediction=None,
        multivariate=None,
        performance=None,
        findings=findings,
    )


def test_the_page_renders_offline_without_errors(watched: Watched, tmp_path: Path) -> None:
    page_file = write_html(report().to_dict(), tmp_path / "check.html")
    page, errors, requests = watched.page, watched.errors, watched.requests
    page.goto(page_file.as_uri())
    page.screenshot(path=str(tmp_path / "check.png"), full_page=True)
    assert errors == []
    assert requests == [page_file.as_uri()]  # nothing fetched: the page is self-contained
    assert page.title() == "churn:1: drift — mlwright monitor"
    assert page.locator(".badge").inner_text() == "drift"
    assert page.locator("ul.findings li").all_inner_texts() == ["age drifted"]
    assert page.locator("tr.drifted td").first.inner_text() == "age"
    assert "now.csv <b>" in page.locator("p.muted").first.inner_text()  # shown as text
    assert (tmp_path / "check.png").stat().st_size > 10_000
