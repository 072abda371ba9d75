"""The time budget of a training run, counted in seconds or, when deterministic, in work.

A wall-clock budget makes the search depend on how fast the machine happens to be; a
deterministic run counts units of work instead (rows x features x the family's cost, per
fit), so the same seed and data try the same candidates on any machine.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from mlwright.core.errors import ConfigError

# A fit costs FIT_OVERHEAD_UNITS plus one unit per cell (row x feature) it learns from,
# times its family's cost; about WORK_UNITS_PER_SECOND of them take a second on a 2-core
# machine (LightGBM's defaults: about 0.15 s for a small fold, 1 s per million cells). A
# deterministic run therefore takes roughly, not exactly, its budget of wall time.
WORK_UNITS_PER_SECOND = 1e6
FIT_OVERHEAD_UNITS = 1.5e5


def fit_work(n_rows: int, n_features: int, cost: float) -> float:
    """Units of work of one fit on ``n_rows`` x ``n_features`` by a family of this cost."""
    return (FIT_OVERHEAD_UNITS + n_rows * max(n_features, 1)) * cost


MIN_BUDGET_S = 1.0
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|m|min|mins|h|hr|hrs)?\s*$", re.I)
_UNIT_S = {"s": 1, "sec": 1, "secs": 1, "m": 60, "min": 60, "mins": 60, "h": 3600}
_UNIT_S |= {"hr": 3600, "hrs": 3600}


def parse_duration(value: str | float) -> float:
    """Seconds from ``60``, ``90s``, ``2m`` or ``1h``."""
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(value)
        if match is None:
            msg = f"cannot read the time budget {value!r}"
            raise ConfigError(msg, hint="write seconds (60), or 90s, 2m, 1h")
        seconds = float(match.group(1)) * _UNIT_S[(match.group(2) or "s").lower()]
    if seconds < MIN_BUDGET_S:
        msg = f"time budget {value!r} is under {MIN_BUDGET_S:g} s"
        raise ConfigError(msg, hint="give at least a few seconds, e.g. --time-budget 30")
    return seconds


@dataclass(slots=True)
class Budget:
    """Time (or work) left for a run; ``spend`` records work, ``left_s`` reads what remains."""

    seconds: float
    deterministic: bool = False
    started: float = field(default_factory=time.monotonic)
    work_done: float = 0.0

    @property
    def elapsed_s(self) -> float:
        """Seconds since the run started, on the wall clock."""
        return time.monotonic() - self.started

    @property
    def used_s(self) -> float:
        """Budget used, in seconds: wall time, or work converted at the fixed rate."""
        if self.deterministic:
            return self.work_done / WORK_UNITS_PER_SECOND
        return self.elapsed_s

    @property
    def left_s(self) -> float:
        """Budget left, in seconds (never negative)."""
        return max(0.0, self.seconds - self.used_s)

    def spend(self, work: float) -> None:
        """Record units of work done (counted only by a deterministic run)."""
        self.work_done += work

    def affords(self, estimate_s: float, reserve_s: float = 0.0) -> bool:
        """Whether something estimated to take ``estimate_s`` fits, keeping ``reserve_s``."""
        return estimate_s <= self.left_s - reserve_s
