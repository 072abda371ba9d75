"""A monitoring check as one self-contained HTML page: no script, no network, inline SVG."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).parent / "templates"
# Pixels of the bar at the limit; the bar stops at twice the limit.
LIMIT_PX = 80


def render_html(report: dict[str, Any], *, when: datetime | None = None) -> str:
    """The page for ``MonitorReport.to_dict()``; values are escaped."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    columns = list(report["drift"]["features"])
    if report.get("prediction"):
        columns.append(report["prediction"])
    stamp = (when or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    return env.get_template("monitor.html.j2").render(
        r=report, columns=columns, when=stamp, bar=_bar
    )


def write_html(report: dict[str, Any], path: str | Path) -> Path:
    """Write the page to ``path`` (through a temporary file: never half a page)."""
    from mlwright.core.files import write_texts

    target = Path(path)
    write_texts({target: render_html(report)})
    return target


def _bar(feature: dict[str, Any]) -> int:
    """The bar's width: the PSI against its limit, capped at twice the limit."""
    limit = feature.get("threshold")
    if not limit:
        return 0
    ratio: float = min(feature["statistic"] / limit, 2.0)
    return round(ratio * LIMIT_PX)
