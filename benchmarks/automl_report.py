"""The results of ``benchmarks/automl.py``: ranks, normalised scores, and the printed report."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from collections.abc import Sequence

GREATER_IS_BETTER = {"roc_auc": True, "log_loss": False, "rmse": False}


@dataclass
class Outcome:
    """One system on one dataset: its score, its times, or why it has none."""

    dataset: str
    system: str
    metric: str
    score: float | None = None
    error: str | None = None
    fit_s: float | None = None
    predict_s: float | None = None
    process_s: float | None = None  # the child's whole life: start-up, load, fit, predict
    load1: float | None = None  # the machine's 1-minute load average when the run started
    info: dict[str, Any] = field(default_factory=dict)
    rank: float | None = None
    normalised: float | None = None

    @property
    def ok(self) -> bool:
        return self.score is not None

    @property
    def gain(self) -> float:
        """The score with "higher is better" for every metric; NaN when it failed."""
        if self.score is None:
            return math.nan
        return self.score if GREATER_IS_BETTER[self.metric] else -self.score


@dataclass
class Report:
    """Everything measured, as printed and as written with ``--json``."""

    machine: dict[str, object]
    budget_s: float
    timeout_s: float
    systems: list[str]
    suite: list[dict[str, object]] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def budget_limit_s(self) -> float:
        """mlwright's budget rule: a fit may take up to 10% and 5 s more than its budget."""
        return self.budget_s * 1.1 + 5

    def outcome(self, dataset: str, system: str) -> Outcome | None:
        return next((o for o in self.outcomes if o.dataset == dataset and o.system == system), None)


# --- ranks and normalised scores ------------------------------------------------------------


def rank_and_normalise(outcomes: list[Outcome], *, floor: str) -> None:
    """Set each outcome's rank and normalised score among the systems on its dataset.

    Ranks go from 1 (best); ties share the mean rank, and failed systems share the last
    places. The normalised score is 0 for the ``floor`` system and 1 for the best one; it is
    None on a dataset where no system beats the floor, or where the floor failed.
    """
    for dataset in dict.fromkeys(o.dataset for o in outcomes):
        group = [o for o in outcomes if o.dataset == dataset]
        gains = pd.Series({o.system: o.gain for o in group})
        ranks = gains.rank(ascending=False, method="average", na_option="bottom")
        base, best = gains.get(floor, math.nan), gains.max()
        for o in group:
            o.rank = float(ranks[o.system])
            o.normalised = (o.gain - base) / (best - base) if o.ok and best > base else None


@dataclass(frozen=True, slots=True)
class Summary:
    """One system over the whole suite."""

    system: str
    n_datasets: int
    n_ok: int
    mean_rank: float
    mean_normalised: float | None
    n_normalised: int
    n_beats_floor: int
    n_compared: int  # datasets where this system and the floor both have a score
    median_fit_s: float | None
    max_fit_s: float | None
    n_within_budget: int
    total_process_s: float


def summarise(report: Report, system: str, floor: str) -> Summary:
    mine = [o for o in report.outcomes if o.system == system]
    ok = [o for o in mine if o.ok]
    normalised = [o.normalised for o in ok if o.normalised is not None]
    floors = {o.dataset: o for o in report.outcomes if o.system == floor and o.ok}
    compared = [o for o in ok if o.dataset in floors]
    fits = [o.fit_s for o in ok if o.fit_s is not None]
    return Summary(
        system=system,
        n_datasets=len(mine),
        n_ok=len(ok),
        mean_rank=statistics.mean(o.rank or math.nan for o in mine) if mine else math.nan,
        mean_normalised=statistics.mean(normalised) if normalised else None,
        n_normalised=len(normalised),
        n_beats_floor=sum(o.gain > floors[o.dataset].gain for o in compared),
        n_compared=len(compared),
        median_fit_s=statistics.median(fits) if fits else None,
        max_fit_s=max(fits) if fits else None,
        n_within_budget=sum(f <= report.budget_limit_s for f in fits),
        total_process_s=sum(o.process_s or 0.0 for o in mine),
    )


# --- text -----------------------------------------------------------------------------------


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Left-aligned columns with a rule under the header."""
    lines = [header, *rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = [
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines
    ]
    text.insert(1, "  ".join("-" * w for w in widths))
    return text


def _num(value: float | None, fmt: str = "{:.1f}") -> str:
    return "-" if value is None or math.isnan(value) else fmt.format(value)


def _score_cell(outcome: Outcome | None) -> str:
    if outcome is None:
        return ""
    if not outcome.ok:
        return "error"
    return f"{outcome.score:.4f} ({outcome.rank:g})"


def _time_cell(outcome: Outcome | None) -> str:
    if outcome is None:
        return ""
    if outcome.fit_s is None or outcome.predict_s is None:
        return f"- / - / {_num(outcome.process_s)}"
    both = outcome.fit_s + outcome.predict_s
    return f"{_num(outcome.fit_s)} / {_num(both)} / {_num(outcome.process_s)}"


def format_scores(report: Report) -> list[str]:
    header = ("dataset", "metric", *report.systems)
    rows = []
    for entry in report.suite:
        name = str(entry["name"])
        cells = [_score_cell(report.outcome(name, s)) for s in report.systems]
        rows.append((name, str(entry["metric"]), *cells))
    return table(header, rows)


def format_times(report: Report) -> list[str]:
    header = ("dataset", "rows", *report.systems)
    rows = []
    for entry in report.suite:
        name = str(entry["name"])
        cells = [_time_cell(report.outcome(name, s)) for s in report.systems]
        rows.append((name, f"{entry['rows']:,}", *cells))
    return table(header, rows)


def format_summary(report: Report, floor: str) -> list[str]:
    header = ["system", "ok", "mean rank", "mean norm. score", f"beats {floor}"]
    header += ["fit s median / max", "fit within rule", "process s total"]
    rows = []
    for system in report.systems:
        s = summarise(report, system, floor)
        norm = f"{_num(s.mean_normalised, '{:.3f}')} (on {s.n_normalised})"
        fits = f"{_num(s.median_fit_s)} / {_num(s.max_fit_s)}"
        rows.append(
            (
                system,
                f"{s.n_ok}/{s.n_datasets}",
                _num(s.mean_rank, "{:.2f}"),
                norm,
                f"{s.n_beats_floor}/{s.n_compared}",
                fits,
                f"{s.n_within_budget}/{s.n_ok}",
                f"{s.total_process_s:,.0f}",
            )
        )
    return table(header, rows)


def format_errors(report: Report) -> list[str]:
    return [f"  {o.system} on {o.dataset}: {o.error}" for o in report.outcomes if not o.ok]


def format_report(report: Report, floor: str = "lightgbm") -> str:
    """The whole report as plain text: scores, summary, times, errors and the method."""
    budget, limit = report.budget_s, report.budget_limit_s
    loads = [o.load1 for o in report.outcomes if o.load1 is not None]
    text = [f"test scores (rank on the dataset), budget {budget:g} s per fit", ""]
    text += format_scores(report)
    text += ["", "summary", "", *format_summary(report, floor)]
    text += [
        "",
        "wall time, s: fit / fit + predict / whole child process (start-up, load, fit, predict)",
        "",
        *format_times(report),
    ]
    errors = format_errors(report)
    if errors:
        text += ["", "errors (logs under runs/<dataset>/<system>/log.txt in the out dir)", *errors]
    m = report.machine
    text += [
        "",
        "scores: roc_auc higher is better; log_loss and rmse lower is better. Rank 1 is the "
        "best on a dataset; failed systems share the last places.",
        f"normalised score: 0 = default {floor}, 1 = the best system on the dataset; "
        f"'on n' counts the datasets where some system beats {floor}.",
        f"budget rule (mlwright's target): fit wall time <= {budget:g} x 1.1 + 5 = {limit:g} s; "
        f"a child is killed after {report.timeout_s:g} s.",
        f"machine: {m['cpus']} CPUs, Python {m['python']}, {m['platform']}, {m['date']}; "
        f"1-minute load average at the start of a run: max {_num(max(loads, default=None))}.",
    ]
    return "\n".join(text)


def format_suite(rows: list[dict[str, object]]) -> str:
    """The suite as a table, one dataset a line (``--list``)."""
    header = tuple(str(k) for k in rows[0])
    return "\n".join(
        table(
            header,
            [tuple(f"{v:,}" if isinstance(v, int) else str(v) for v in r.values()) for r in rows],
        )
    )
