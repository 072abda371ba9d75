"""The plain one-pass NumPy/SciPy drift baseline; one JSON object on stdout.

The same tests that mlwright's monitor uses, written the obvious way, as the floor a drift
monitor's cost is judged against. Runs in mlwright's ``.venv`` (NumPy, SciPy, pyarrow), as
``benchmarks/drift.py`` does::

    .venv/bin/python benchmarks/drift/baseline.py \\
        benchmarks/out/drift/reference_100000.parquet benchmarks/out/drift/current_100000.parquet

Both files are read with ``pyarrow.parquet.read_table``; then each column is visited once:

numeric columns (integer or floating point)
    * PSI on 20 bins cut at the reference's 5%, 10%, ..., 95% quantiles (edges computed on the
      non-missing reference values; equal edges, as an integer column has, are merged, so such
      a column has fewer bins), plus one bin for missing values;
    * the two-sample Kolmogorov-Smirnov test on the non-missing values,
      ``scipy.stats.ks_2samp`` (default ``method="auto"``: exact for small samples,
      asymptotic otherwise), whose p-value is the column's p-value;

categorical columns (strings)
    * the counts of every level seen on either side, plus one for missing values;
    * PSI on those counts;
    * Pearson's chi-square test of homogeneity on the 2 x k table of counts,
      ``scipy.stats.chi2_contingency`` (levels empty on both sides dropped; Yates' correction
      only applies to 2 x 2), whose p-value is the column's p-value;
    * the Jensen-Shannon distance of the two shares, ``scipy.spatial.distance.jensenshannon``
      (natural log, as Evidently computes it), reported for information only.

PSI is ``sum((c - r) * ln(c / r))`` over the bins' shares ``r`` (reference) and ``c``
(current), each share floored at ``EPS`` = 1e-6 so an empty bin on one side gives a large but
finite term (a bin empty on both sides gives 0).

Flagging, with fixed textbook thresholds: a column is flagged as drifted when

    PSI > 0.1   OR   p < 0.05 / (number of columns)   (Bonferroni; 0.0025 for 20 columns).

PSI 0.1 is the common "moderate shift" line (0.1-0.25 moderate, > 0.25 large); it catches
large changes whatever the sample size. The p-value test catches small shifts that PSI
misses once samples are large; the Bonferroni correction holds the chance of any false alarm
across all the columns of an unshifted pair at about 5% (the tests are independent across
columns here), instead of 5% per column. Neither threshold is tuned to this data.

Printed fields, as ``evidently_run.py`` prints them: ``tool``, ``version`` (NumPy / SciPy /
pyarrow), ``rows``, ``import_s``, ``load_s``, ``detect_s``, ``wall_s``, ``peak_rss_mb``
(``ru_maxrss`` of this process), ``flagged`` and ``columns`` (per column ``test``, ``score``
= PSI, ``p_value``, ``threshold`` = the PSI threshold, ``alpha`` = the corrected p-value
threshold, ``drifted``, and the test's own statistic: ``ks`` or ``chi2``, and ``js`` for
categoricals).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from typing import Any

STARTED = time.perf_counter()

PSI_THRESHOLD = 0.1
ALPHA = 0.05
BINS = 20
EPS = 1e-6


def psi(reference_counts: Any, current_counts: Any) -> float:
    """Population stability index of two count vectors over the same bins."""
    import numpy as np

    r = np.maximum(reference_counts / max(reference_counts.sum(), 1), EPS)
    c = np.maximum(current_counts / max(current_counts.sum(), 1), EPS)
    return float(np.sum((c - r) * np.log(c / r)))


def numeric_column(reference: Any, current: Any) -> dict[str, Any]:
    """PSI on reference-quantile bins (+ missing) and the KS test of one numeric column."""
    import numpy as np
    from scipy.stats import ks_2samp

    ref = reference.to_numpy().astype(np.float64, copy=False)
    cur = current.to_numpy().astype(np.float64, copy=False)
    ref_missing, cur_missing = np.isnan(ref), np.isnan(cur)
    ref, cur = ref[~ref_missing], cur[~cur_missing]
    inner = np.unique(np.quantile(ref, np.arange(1, BINS) / BINS)) if len(ref) else np.empty(0)
    nbins = len(inner) + 1
    ref_counts = np.bincount(np.searchsorted(inner, ref, side="right"), minlength=nbins)
    cur_counts = np.bincount(np.searchsorted(inner, cur, side="right"), minlength=nbins)
    ref_counts = np.append(ref_counts, ref_missing.sum())
    cur_counts = np.append(cur_counts, cur_missing.sum())
    ks = ks_2samp(ref, cur) if len(ref) and len(cur) else None
    return {
        "test": "PSI + Kolmogorov-Smirnov",
        "score": psi(ref_counts, cur_counts),
        "p_value": float(ks.pvalue) if ks is not None else None,
        "ks": float(ks.statistic) if ks is not None else None,
        "bins": int(nbins + 1),
    }


def categorical_column(reference: Any, current: Any) -> dict[str, Any]:
    """PSI, chi-square and Jensen-Shannon distance of one categorical column (+ missing)."""
    import numpy as np
    import pyarrow.compute as pc
    from scipy.spatial.distance import jensenshannon
    from scipy.stats import chi2_contingency

    ref_counts = pc.value_counts(reference)  # nulls are counted as a value of their own
    cur_counts = pc.value_counts(current)
    levels: dict[Any, int] = {}
    for v in (*ref_counts.field("values").to_pylist(), *cur_counts.field("values").to_pylist()):
        levels.setdefault(v, len(levels))
    table = np.zeros((2, len(levels)), dtype=np.int64)
    for row, counts in enumerate((ref_counts, cur_counts)):
        for v, n in zip(
            counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True
        ):
            table[row, levels[v]] += n
    kept = table[:, table.sum(axis=0) > 0]
    chi2 = chi2_contingency(kept) if kept.shape[1] > 1 else None
    shares = table / np.maximum(table.sum(axis=1, keepdims=True), 1)
    return {
        "test": "PSI + chi-square",
        "score": psi(table[0], table[1]),
        "p_value": float(chi2.pvalue) if chi2 is not None else None,
        "chi2": float(chi2.statistic) if chi2 is not None else None,
        "js": float(jensenshannon(shares[0], shares[1])),
        "bins": len(levels),
    }


def detect(reference: Any, current: Any) -> list[dict[str, Any]]:
    """Every column of the two pyarrow tables, tested and judged."""
    import pyarrow as pa

    alpha = ALPHA / max(len(reference.column_names), 1)
    results = []
    for name in reference.column_names:
        ref, cur = reference.column(name), current.column(name)
        kind = ref.type
        if pa.types.is_integer(kind) or pa.types.is_floating(kind):
            result = numeric_column(ref, cur)
        else:
            result = categorical_column(ref, cur)
        p = result["p_value"]
        drifted = result["score"] > PSI_THRESHOLD or (p is not None and p < alpha)
        results.append(
            {
                "column": name,
                **result,
                "threshold": PSI_THRESHOLD,
                "alpha": alpha,
                "drifted": drifted,
            }
        )
    return results


def run(reference_path: str, current_path: str) -> dict[str, Any]:
    """The baseline on the pair, timed; the fields the module docstring lists."""
    t0 = time.perf_counter()
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
    import scipy

    t1 = time.perf_counter()
    reference = pq.read_table(reference_path)
    current = pq.read_table(current_path)
    t2 = time.perf_counter()
    columns = detect(reference, current)
    t3 = time.perf_counter()
    return {
        "tool": "baseline",
        "version": f"numpy {np.__version__}, scipy {scipy.__version__}, pyarrow {pa.__version__}",
        "rows": [reference.num_rows, current.num_rows],
        "import_s": t1 - t0,
        "load_s": t2 - t1,
        "detect_s": t3 - t2,
        "wall_s": time.perf_counter() - STARTED,
        # ru_maxrss is in kilobytes on Linux.
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6,
        "flagged": [c["column"] for c in columns if c["drifted"]],
        "columns": columns,
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: baseline.py REFERENCE.parquet CURRENT.parquet", file=sys.stderr)
        return 2
    print(json.dumps(run(*args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
