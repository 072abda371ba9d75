"""What each dashboard page shows, read from the workspace as plain values for the templates.

Pages read only what they show: lists come from the store's list calls (no trials, no
notes), one run's page reads that run in full, and plots are drawn server-side as inline
SVG (:mod:`mlwright.report.svg`), so the browser fetches nothing but the page.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlwright.track.entities import CheckRecord, RunRecord
    from mlwright.workspace.facade import Workspace

PAGE_SIZE = 50
# Checks of one model drawn on its monitoring page (newest).
CHECKS_SHOWN = 60


def overview(ws: Workspace) -> dict[str, Any]:
    """Counts and the newest of everything."""
    runs = ws.store.list_runs(limit=10)
    versions = ws.store.list_model_versions()
    datasets = ws.store.list_datasets()
    checks = ws.store.list_checks(None, limit=10)
    return {
        "n_datasets": len({d.name for d in datasets}),
        "n_runs": ws.store.count_runs(),
        "n_models": len({v.name for v in versions}),
        "n_versions": len(versions),
        "runs": [run_row(r) for r in runs],
        "checks": [check_row(c) for c in checks],
    }


def dataset_list(ws: Workspace) -> list[dict[str, Any]]:
    """Every dataset version, newest first within each name."""
    return [
        {
            "name": d.name,
            "version": d.version,
            "ref": d.ref,
            "rows": d.n_rows,
            "columns": d.n_columns,
            "warnings": len(d.profile.get("warnings", [])),
            "created_at": d.created_at,
            "source": d.source,
        }
        for d in ws.store.list_datasets()
    ]


def dataset_page(ws: Workspace, name: str, version: int) -> dict[str, Any]:
    """One version: its schema with each column's profile, warnings, and its siblings."""
    record = ws.store.get_dataset(name, version)
    profiles = {c["name"]: c for c in record.profile.get("columns", [])}
    from mlwright.report.svg import spark_bars

    columns = []
    for column in record.schema["columns"]:
        profile = profiles.get(column["name"], {})
        histogram = profile.get("histogram")
        shape = None
        if histogram:
            low, high = histogram["edges"][0], histogram["edges"][-1]
            span = f"{low:g} to {high:g}"
            if column.get("role") == "datetime":
                span = f"{_date(low)} to {_date(high)}"
            shape = spark_bars(histogram["counts"], title=f"{column['name']}: {span}")
        shown = {k: v for k, v in profile.items() if k != "name"}
        if column.get("role") == "datetime":  # profiled as epoch seconds: shown as dates
            shown |= {k: _date(shown.get(k)) for k in ("min", "mean", "max")}
        columns.append({**column, **shown, "shape": shape})
    return {
        "record": record,
        "columns": columns,
        "warnings": record.profile.get("warnings", []),
        "versions": ws.store.list_datasets(name),
        "runs": [
            run_row(r) for r in ws.store.list_runs(name, dataset_version=version, limit=PAGE_SIZE)
        ],
    }


def report_list(ws: Workspace) -> list[dict[str, Any]]:
    """The reports written so far (newest first), with the models their runs became."""
    from mlwright.workspace.reporting import written_reports

    by_run: dict[str, list[str]] = {}
    for version in ws.store.list_model_versions():
        by_run.setdefault(version.run_id, []).append(version.ref)
    return [
        {
            "run": run_id,
            "models": by_run.get(run_id, []),
            "written": datetime.fromtimestamp(page.stat().st_mtime, UTC),
        }
        for run_id, page in written_reports(ws)
    ]


def run_row(run: RunRecord) -> dict[str, Any]:
    """One line of a run list."""
    result = run.result
    cv = result.get("cv_score") or {}
    return {
        "id": run.id,
        "status": run.status,
        "dataset": run.dataset_ref,
        "target": run.target,
        "task_type": run.task_type,
        "metric": run.metric,
        "cv": cv.get("mean"),
        "chosen": _chosen(result),
        "started_at": run.started_at,
        "duration_s": result.get("duration_s"),
    }


def run_list(ws: Workspace, page: int) -> dict[str, Any]:
    """One page of runs, newest first."""
    total = ws.store.count_runs()
    n_pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), n_pages)
    shown = ws.store.list_runs(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return {
        "runs": [run_row(r) for r in shown],
        "page": page,
        "n_pages": n_pages,
        "total": total,
    }


def run_page(ws: Workspace, run_id: str) -> dict[str, Any]:
    """One run in full: what it was asked, its leaderboard, test metrics, notes, models."""
    from mlwright.workspace.run import Run

    record = ws.store.get_run(run_id)  # in full: trials and notes
    run = Run(record, ws)
    versions = [v for v in ws.store.list_model_versions() if v.run_id == record.id]
    return {
        "run": run_row(record),
        "record": record,
        "leaderboard": run.leaderboard[:25] if record.status == "finished" else [],
        "metrics": record.result.get("test_metrics", []),
        "threshold": record.result.get("threshold"),
        "cost": record.result.get("cost"),
        "versions": versions,
        # A report scores the rows the run held out: none with --test-size 0.
        "has_report": record.model_key is not None and bool(record.result.get("n_test")),
    }


def compare(ws: Workspace, first: str, second: str) -> dict[str, Any]:
    """Two runs side by side: settings, choice and every test metric."""
    runs = [ws.store.get_run(first), ws.store.get_run(second)]
    names: list[str] = []
    for run in runs:
        for metric in run.result.get("test_metrics", []):
            if metric["name"] not in names:
                names.append(metric["name"])
    by_run = [{m["name"]: m for m in r.result.get("test_metrics", [])} for r in runs]
    settings = sorted({k for r in runs for k in r.config})
    return {
        "runs": [run_row(r) for r in runs],
        "records": runs,
        "metrics": [{"name": n, "values": [m.get(n) for m in by_run]} for n in names],
        "settings": [{"name": k, "values": [r.config.get(k) for r in runs]} for k in settings],
    }


def model_list(ws: Workspace) -> list[dict[str, Any]]:
    """Each model name: its versions, aliases and latest version."""
    by_name: dict[str, list[Any]] = {}
    for version in ws.store.list_model_versions():
        by_name.setdefault(version.name, []).append(version)
    rows = []
    for name, versions in sorted(by_name.items()):
        latest = max(versions, key=lambda v: v.version)
        aliases = sorted(f"{a} -> {v.version}" for v in versions for a in v.aliases)
        rows.append(
            {
                "name": name,
                "versions": len(versions),
                "latest": latest,
                "aliases": aliases,
                "task_type": latest.task_type,
                "target": latest.target,
            }
        )
    return rows


def model_page(ws: Workspace, name: str) -> dict[str, Any]:
    """A model's versions (with lineage to run and dataset), aliases and their history."""
    versions = sorted(ws.store.list_model_versions(name), key=lambda v: -v.version)
    if not versions:
        from mlwright.core.errors import NotFoundError

        msg = f"no model named {name!r}"
        raise NotFoundError(msg, hint="see the models page")
    return {
        "name": name,
        "versions": versions,
        "history": list(reversed(ws.store.alias_history(name))),
        "checks": [check_row(c) for c in ws.store.list_checks(name, limit=5)],
    }


def check_row(check: CheckRecord) -> dict[str, Any]:
    """One line of the monitoring history."""
    summary = check.summary
    drifted = (summary.get("drift") or {}).get("drifted") or []
    performance = summary.get("performance") or {}
    return {
        "id": check.id,
        "kind": check.kind,
        "model": check.model_name,
        "version": check.model_version,
        "status": check.status,
        "created_at": check.created_at,
        "drifted": drifted,
        "metric": performance.get("metric"),
        "value": performance.get("value"),
        "current": summary.get("current"),
    }


def monitoring_list(ws: Workspace) -> list[dict[str, Any]]:
    """The newest checks of every model."""
    return [check_row(c) for c in ws.store.list_checks(None, limit=200)]


def monitoring_page(ws: Workspace, name: str) -> dict[str, Any]:
    """One model over time: status per check, PSI per feature per check, performance."""
    from mlwright.report.svg import Series, line_chart

    checks = list(reversed(ws.store.list_checks(name, limit=CHECKS_SHOWN)))
    drift_checks = [c for c in checks if c.kind != "retrain"]
    features: list[str] = []
    for check in drift_checks:
        for feature in (check.summary.get("drift") or {}).get("features", []):
            if feature["column"] not in features:
                features.append(feature["column"])
    grid = []
    for column in features:
        cells = []
        for check in drift_checks:
            found = {
                f["column"]: f for f in (check.summary.get("drift") or {}).get("features", [])
            }.get(column)
            cells.append(found)
        grid.append({"column": column, "cells": cells})
    performance = [
        (i, (c.summary.get("performance") or {}).get("value")) for i, c in enumerate(drift_checks)
    ]
    points = [(i, v) for i, v in performance if v is not None]
    chart = None
    if points:
        metric = (drift_checks[points[0][0]].summary.get("performance") or {}).get("metric", "")
        chart = line_chart(
            [Series(metric, [p[0] + 1 for p in points], [p[1] for p in points])],
            title=f"{metric} per check",
            x_label="check (oldest first)",
            y_label=metric,
        )
    return {
        "name": name,
        "checks": [check_row(c) for c in checks],
        "drift_checks": [check_row(c) for c in drift_checks],
        "grid": grid,
        "chart": chart,
    }


def _chosen(result: dict[str, Any]) -> str:
    chosen = result.get("chosen") or {}
    members = chosen.get("members") or []
    if not members:
        return ""
    if chosen.get("kind") == "ensemble":
        return "ensemble of " + ", ".join(m["family"] for m in members)
    return str(members[0]["family"])


def _date(seconds: Any) -> str | None:
    """Epoch seconds as a UTC date and time (None stays None)."""
    if not isinstance(seconds, int | float):
        return None
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M")
