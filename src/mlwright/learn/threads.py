"""How many threads a training run should use: the cores that other work leaves free.

OpenMP learners (LightGBM, scikit-learn's histogram boosting) slow down sharply when their
threads compete with another busy process: every iteration waits for the slowest thread.
So a run counts the cores other processes keep busy, over a fifth of a second before it
starts, and uses the rest (at least one). Threads that wait sleep rather than spin
(``OMP_WAIT_POLICY=PASSIVE``, set unless the user set it), which costs nothing on an idle
machine and a lot less on a busy one.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

SAMPLE_S = 0.2
# Below this many training rows a fit uses one thread: more cost more than they save, and
# LightGBM's threads can stall for seconds on a busy machine.
THREADS_MIN_ROWS = 20_000
_PROC_STAT = Path("/proc/stat")


def prefer_passive_waiting() -> None:
    """Ask OpenMP runtimes loaded from now on to sleep, not spin, while waiting."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _busy_ticks() -> tuple[float, float] | None:
    """Busy and total CPU ticks of the whole machine, or None where /proc/stat is absent."""
    try:
        fields = _PROC_STAT.read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    ticks = [float(x) for x in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0.0)
    return sum(ticks) - idle, sum(ticks)


def free_cores(n_cores: int | None = None, sample_s: float = SAMPLE_S) -> int:
    """Cores not kept busy by other processes right now (at least 1)."""
    cores = n_cores or os.cpu_count() or 1
    start, own_start = _busy_ticks(), sum(os.times()[:2])
    if start is None:
        return cores
    time.sleep(sample_s)
    end, own_end = _busy_ticks(), sum(os.times()[:2])
    if end is None or end[1] <= start[1]:
        return cores
    busy_share = (end[0] - start[0]) / (end[1] - start[1])
    own_cores = (own_end - own_start) / sample_s
    others = max(0.0, busy_share * cores - own_cores)
    return max(1, min(cores, round(cores - others)))


def threads_for(n_rows: int, n_jobs: int) -> int:
    """Threads for a fit on ``n_rows`` rows, given ``n_jobs`` usable cores."""
    return n_jobs if n_rows >= THREADS_MIN_ROWS else 1
