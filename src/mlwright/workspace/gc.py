"""Retention: delete failed and old runs and artifacts that nothing refers to.

A registered version, the run it came from, a dataset version and anything an alias points
to are never deleted. Artifacts younger than ``min_age_s`` are spared even when nothing
refers to them yet: another process may be between writing one and recording it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from mlwright.core.errors import ConfigError

if TYPE_CHECKING:
    from mlwright.track.entities import RunRecord
    from mlwright.workspace.facade import Workspace

DEFAULT_MIN_AGE_S = 3600.0
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$", re.IGNORECASE)
_UNIT_S = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_age(value: str) -> float:
    """Seconds from ``0``, ``90s``, ``30m``, ``1h`` or ``7d``."""
    match = _AGE.match(value)
    if match is None:
        msg = f"cannot read the age {value!r}"
        raise ConfigError(msg, hint="write seconds (0, 90), or 30m, 1h, 7d")
    return float(match.group(1)) * _UNIT_S[match.group(2).lower()]


@dataclass(frozen=True, slots=True)
class Collectable:
    """What a clean-up deletes (or, in a dry run, would delete)."""

    runs: tuple[RunRecord, ...]
    artifacts: tuple[tuple[str, int], ...]  # (key, size in bytes)

    @property
    def bytes_freed(self) -> int:
        """The bytes the artifacts take."""
        return sum(size for _, size in self.artifacts)


def plan(
    ws: Workspace, *, keep_last: int | None = None, min_age_s: float = DEFAULT_MIN_AGE_S
) -> Collectable:
    """What a clean-up would delete, deleting nothing.

    Failed runs go; with ``keep_last`` N, finished runs beyond the N newest of each dataset
    go too, unless a registered version came from them. Artifacts go when no dataset
    version, kept run or model version refers to them.
    """
    if keep_last is not None and keep_last < 0:
        msg = f"--keep-last must be 0 or more, got {keep_last}"
        raise ConfigError(msg, hint="e.g. --keep-last 5 keeps the five newest runs per dataset")
    versions = ws.store.list_model_versions()
    runs = ws.store.list_runs()  # newest first
    registered = {v.run_id for v in versions}
    doomed: list[RunRecord] = []
    finished_seen: dict[str, int] = {}
    for run in runs:
        if run.id in registered:
            continue
        if run.status == "failed":
            doomed.append(run)
        elif run.status == "finished" and keep_last is not None:
            seen = finished_seen.get(run.dataset_name, 0)
            finished_seen[run.dataset_name] = seen + 1
            if seen >= keep_last:
                doomed.append(run)
    gone = {r.id for r in doomed}
    referenced = {d.artifact_key for d in ws.store.list_datasets()}
    referenced |= {v.package_key for v in versions}
    referenced |= {k for r in runs if r.id not in gone for k in r.artifact_keys}
    cutoff = datetime.now(UTC) - timedelta(seconds=min_age_s)
    # The models of the runs deleted here go whatever their age: nothing is writing them.
    freed = {k for r in doomed for k in r.artifact_keys}
    stored = ws.artifacts.keys()
    artifacts = tuple(
        (key, ws.artifacts.size(key))
        for key in stored
        if key not in referenced and (key in freed or ws.artifacts.modified(key) <= cutoff)
    )
    return Collectable(runs=tuple(doomed), artifacts=artifacts)


def collect(ws: Workspace, planned: Collectable) -> Collectable:
    """Delete what :func:`plan` found: the runs first, then the artifacts."""
    from mlwright.workspace.reporting import forget_report

    for run in planned.runs:
        ws.store.delete_run(run.id)
        forget_report(ws, run.id)
    # Recorded since the plan was made: a run's own files are named in its result only.
    owned = {k for r in ws.store.list_runs() for k in r.artifact_keys}
    for key, _ in planned.artifacts:
        if key not in owned and not ws.store.is_artifact_referenced(key):
            ws.artifacts.delete(key)
    return planned
