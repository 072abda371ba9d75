"""Column statistics of a Parquet table, computed by DuckDB in a few vectorised passes.

The first pass computes every column's counts, extremes and moments, and the content
fingerprint, exactly, in one scan. Quantiles, histogram shares and the shape of strings
(length, words, share of numbers) come from a deterministic sample of about
``SAMPLE_ROWS`` rows (every k-th row of evenly spaced row groups; all rows of a smaller
table), which is what keeps profiling a large table cheap. Exact distinct counts and top
values read only the columns they need, mostly in one more scan.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlwright.data.duck import ident
from mlwright.data.schema import (
    is_integer_type,
    is_numeric_type,
    is_temporal_type,
    is_text_type,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

QUANTILES = (0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)
N_TOP_VALUES = 10
N_HISTOGRAM_BINS = 20
# Quantiles and string shape are estimated from about this many evenly spaced rows.
SAMPLE_ROWS = 100_000
# Up to about this many distinct values, one histogram() map gives a column's exact count and
# its top values at once.
HISTOGRAM_DISTINCT_MAX = 10_000
# Integer columns spanning at most this many values are counted with a bitmap (1 byte each).
BITMAP_MAX_SPAN = 1 << 26
SAMPLE_TABLE = "profile_sample"
# A file of more row groups is sampled in about this many evenly spaced ones.
SAMPLE_GROUPS = 10


@dataclass(frozen=True, slots=True)
class ColumnStats:
    """First-pass statistics of one column; numbers of temporal columns are epoch seconds."""

    name: str
    dtype: str
    n_present: int
    n_distinct: int
    n_finite: int | None = None
    min: float | None = None
    max: float | None = None
    mean: float | None = None
    std: float | None = None
    quantiles: tuple[float, ...] | None = None
    mean_length: float | None = None
    mean_spaces: float | None = None
    number_share: float | None = None


@dataclass(frozen=True, slots=True)
class TableStats:
    """First-pass statistics of a table, and its content fingerprint."""

    n_rows: int
    columns: tuple[ColumnStats, ...]
    fingerprint: str
    # Sampled statistics came from every ``stride``-th row, which ``sample`` (a relation) holds.
    stride: int = 1
    sample: str = ""


def value_expr(name: str, dtype: str) -> str | None:
    """The column as a DOUBLE for moments and histograms, or None for non-numeric columns."""
    q = ident(name)
    if dtype.upper() == "BOOLEAN":
        return f"{q}::INTEGER::DOUBLE"
    if is_temporal_type(dtype):
        return f"epoch({q})::DOUBLE"
    if is_numeric_type(dtype):
        # Infinities and NaN would poison the moments; they count as absent here.
        return f"(CASE WHEN isfinite({q}::DOUBLE) THEN {q}::DOUBLE END)"
    return None


def sample_stride(n_rows: int) -> int:
    """Every how many rows the sample takes one, so that it holds about ``SAMPLE_ROWS``."""
    return max(1, -(-n_rows // SAMPLE_ROWS))


def _exact_aggregates(i: int, name: str, dtype: str, shift: float | None) -> list[str]:
    """Counts, extremes and moments of a column; its distinct count unless it is boolean.

    With a ``shift`` near the mean (the sample's median), the moments are two sums of the
    shifted values, which DuckDB computes faster than ``avg`` and ``stddev_samp`` and which
    lose no precision to cancellation; without one, those two aggregates.
    """
    q = ident(name)
    parts = [f"count({q}) AS c{i}_n"]
    if dtype.upper() != "BOOLEAN":  # two values at most: the extremes say how many
        parts.append(f"approx_count_distinct({q}) AS c{i}_d")
    v = value_expr(name, dtype)
    if v is not None:
        parts += [f"count({v}) AS c{i}_nv", f"min({v}) AS c{i}_min", f"max({v}) AS c{i}_max"]
        if shift is None:
            parts += [f"avg({v}) AS c{i}_mean", f"stddev_samp({v}) AS c{i}_std"]
        else:
            d = f"({v} - {shift!r})"
            parts += [f"sum({d}) AS c{i}_s1", f"sum({d} * {d}) AS c{i}_s2"]
    return parts


def _sampled_aggregates(i: int, name: str, dtype: str) -> list[str]:
    q = ident(name)
    v = value_expr(name, dtype)
    if v is not None:
        quantiles = ", ".join(str(p) for p in QUANTILES)
        return [f"quantile_cont({v}, [{quantiles}]) AS c{i}_q"]
    if is_text_type(dtype):
        return [
            f"avg(length({q})) AS c{i}_len",
            f"avg(length({q}) - length(replace({q}, ' ', ''))) AS c{i}_spaces",
            f"count(try_cast({q} AS DOUBLE)) / nullif(count({q}), 0) AS c{i}_num",
        ]
    return []


def scan_stats(con: Any, parquet: str, columns: tuple[tuple[str, str], ...]) -> TableStats:
    """Per-column statistics and the order-sensitive content fingerprint.

    The fingerprint is a SHA-256 over the column names and types, the row count and the sum
    of DuckDB's hash of every row with its position, so identical data in the same order
    gets the same fingerprint whichever file it came from. The sample is kept (see
    :func:`take_sample`) for later sampled passes such as :func:`histograms`.
    """
    relation = f"read_parquet({parquet}, file_row_number = true)"
    n_rows = int(con.execute(f"SELECT count(*) FROM read_parquet({parquet})").fetchone()[0])
    stride = sample_stride(n_rows)
    row = ", ".join(["file_row_number", *(ident(n) for n, _ in columns)])
    content_hash = f"sum(hash({row})::HUGEINT)::VARCHAR AS content_hash"
    sampled = [
        a for i, (name, dtype) in enumerate(columns) for a in _sampled_aggregates(i, name, dtype)
    ]
    sample = take_sample(con, parquet, [name for name, _ in columns], stride)
    if stride == 1:
        exact = [a for i, (n, t) in enumerate(columns) for a in _exact_aggregates(i, n, t, None)]
        query = ", ".join([content_hash, *exact, *sampled])
        values = _fetch_row(con, f"SELECT {query} FROM {relation}")
        shifts: dict[int, float] = {}
    else:
        values = _fetch_row(con, f"SELECT {', '.join(sampled)} FROM {sample}") if sampled else {}
        shifts = _shifts(values, len(columns))
        exact = [
            a for i, (n, t) in enumerate(columns) for a in _exact_aggregates(i, n, t, shifts.get(i))
        ]
        values |= _fetch_row(con, f"SELECT {', '.join([content_hash, *exact])} FROM {relation}")
    stats = tuple(
        _column_stats(i, name, dtype, values, shifts.get(i))
        for i, (name, dtype) in enumerate(columns)
    )
    payload = json.dumps([list(columns), n_rows, values["content_hash"]])
    fingerprint = hashlib.sha256(payload.encode()).hexdigest()
    return TableStats(n_rows, stats, fingerprint, stride=stride, sample=sample)


def take_sample(con: Any, parquet: str, names: list[str], stride: int) -> str:
    """A relation holding about one row in ``stride``: the table itself at stride 1.

    Reading a sample from Parquet decompresses every row group it touches, so a file of
    more than ``SAMPLE_GROUPS`` row groups is sampled in evenly spaced row groups only (every
    k-th row of each), which reads a fraction of the file; rows of a smaller file are
    taken every ``stride``-th. The sample is read once into a temporary table of the
    connection, which every sampled pass then reuses.
    """
    if stride == 1:
        return f"read_parquet({parquet})"
    where = f"file_row_number % {stride} = 0"
    groups = _row_group_ranges(con, parquet)
    if len(groups) > SAMPLE_GROUPS:
        picked = groups[:: len(groups) // SAMPLE_GROUPS]
        rows = sum(end - start for start, end in picked)
        within = max(1, -(-rows // SAMPLE_ROWS))
        ranges = " OR ".join(f"file_row_number BETWEEN {a} AND {b - 1}" for a, b in picked)
        where = f"({ranges}) AND file_row_number % {within} = 0"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {SAMPLE_TABLE} AS "
        f"SELECT {', '.join(ident(n) for n in names)} "
        f"FROM read_parquet({parquet}, file_row_number = true) WHERE {where}"
    )
    return SAMPLE_TABLE


def _row_group_ranges(con: Any, parquet: str) -> list[tuple[int, int]]:
    """The ``[first row, end)`` of each row group of the file, from its footer."""
    sizes = con.execute(
        f"SELECT row_group_id, any_value(row_group_num_rows) FROM parquet_metadata({parquet}) "
        "GROUP BY row_group_id ORDER BY row_group_id"
    ).fetchall()
    ranges, start = [], 0
    for _, n in sizes:
        ranges.append((start, start + int(n)))
        start += int(n)
    return ranges


def _shifts(sampled: dict[str, Any], n_columns: int) -> dict[int, float]:
    """Each numeric column's sample median: the shift that keeps its sums of squares exact."""
    middle = QUANTILES.index(0.5)
    shifts = {}
    for i in range(n_columns):
        quantiles = sampled.get(f"c{i}_q")
        median = quantiles[middle] if quantiles else None
        if median is not None and math.isfinite(median):
            shifts[i] = float(median)
    return shifts


def _fetch_row(con: Any, query: str) -> dict[str, Any]:
    cursor = con.execute(query)
    return dict(zip([d[0] for d in cursor.description], cursor.fetchone(), strict=True))


def _column_stats(
    i: int, name: str, dtype: str, values: dict[str, Any], shift: float | None
) -> ColumnStats:
    def get(key: str) -> Any:
        return values.get(f"c{i}_{key}")

    quantiles = get("q")
    low, high = _float(get("min")), _float(get("max"))
    n_values = None if get("nv") is None else int(get("nv"))
    mean, std = _float(get("mean")), _float(get("std"))
    if shift is not None and n_values:
        mean, std = _moments(n_values, get("s1"), get("s2"), shift)
    if dtype.upper() == "BOOLEAN":
        n_distinct = 0 if not n_values else 1 if low == high else 2
    else:
        n_distinct = int(get("d"))
    return ColumnStats(
        name=name,
        dtype=dtype,
        n_present=int(get("n")),
        n_distinct=n_distinct,
        n_finite=n_values,
        min=low,
        max=high,
        mean=mean,
        std=std,
        quantiles=tuple(float(x) for x in quantiles) if quantiles else None,
        mean_length=_float(get("len")),
        mean_spaces=_float(get("spaces")),
        number_share=_float(get("num")),
    )


def _moments(n: int, s1: Any, s2: Any, shift: float) -> tuple[float | None, float | None]:
    """Mean and sample standard deviation from the sums of ``v - shift`` and its square."""
    total, squares = _float(s1), _float(s2)
    if total is None or squares is None:
        return None, None
    mean = _float(shift + total / n)
    if n < 2:
        return mean, None
    variance = (squares - total * total / n) / (n - 1)
    return mean, math.sqrt(max(variance, 0.0))


def _float(value: Any) -> float | None:
    """A statistic as a float; one that overflowed (a mean of values near 1e308) is unknown."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def exact_distinct(
    con: Any, parquet: str, columns: Sequence[ColumnStats], *, top: Sequence[ColumnStats] = ()
) -> tuple[dict[str, int], dict[str, list[tuple[str, int]]]]:
    """Exact distinct counts of ``columns``, and the top values of the columns in ``top``.

    One scan does most of the work: a column of ``top`` with at most about
    ``HISTOGRAM_DISTINCT_MAX`` distinct values gets both its count and its top values from
    DuckDB's ``histogram()`` aggregate; an integer column of a narrow range is counted with a
    bitmap in NumPy, which is faster than hashing millions of distinct values; any other
    column is counted with ``count(DISTINCT)``. Top values of a column of ``top`` with more
    distinct values are left to :func:`top_values`.
    """
    by_histogram = [s for s in top if s.n_distinct <= HISTOGRAM_DISTINCT_MAX]
    in_histogram = {s.name for s in by_histogram}
    wanted = [s for s in columns if s.name not in in_histogram]
    by_bitmap = [s for s in wanted if _bitmap_countable(s)]
    in_bitmap = {s.name for s in by_bitmap}
    by_count = [s for s in wanted if s.name not in in_bitmap]
    aggregates = [f"histogram({ident(s.name)}::VARCHAR)" for s in by_histogram]
    aggregates += [f"count(DISTINCT {ident(s.name)})" for s in by_count]
    counts: dict[str, int] = {}
    tops: dict[str, list[tuple[str, int]]] = {}
    if aggregates:
        row = con.execute(f"SELECT {', '.join(aggregates)} FROM read_parquet({parquet})").fetchone()
        for s, found in zip(by_histogram, row, strict=False):
            pairs = sorted((found or {}).items(), key=lambda pair: (-pair[1], pair[0]))
            counts[s.name] = len(pairs)
            tops[s.name] = [(str(v), int(c)) for v, c in pairs[:N_TOP_VALUES]]
        for s, count in zip(by_count, row[len(by_histogram) :], strict=True):
            counts[s.name] = int(count)
    for s in by_bitmap:
        counts[s.name] = _bitmap_distinct(con, parquet, s.name)
    return {s.name: counts[s.name] for s in columns}, tops


def _bitmap_countable(s: ColumnStats) -> bool:
    """Whether a bitmap counts an integer column faster than DuckDB: many values, narrow range.

    A bitmap costs a pass over the values in Python; hashing is cheaper for a column of a
    few distinct values, whose hash table stays small.
    """
    if not is_integer_type(s.dtype) or s.min is None or s.max is None:
        return False
    if s.n_distinct <= HISTOGRAM_DISTINCT_MAX:
        return False
    # Beyond 2**53 the extremes, which are doubles, may be off by more than one.
    exact = max(abs(s.min), abs(s.max)) < 2**53
    return exact and s.max - s.min < BITMAP_MAX_SPAN


def _bitmap_distinct(con: Any, parquet: str, name: str) -> int:
    """The number of distinct values of an integer column of a narrow range."""
    import numpy as np

    q = ident(name)
    query = f"SELECT {q} AS v FROM read_parquet({parquet}) WHERE {q} IS NOT NULL"
    values = con.execute(query).fetchnumpy()["v"]
    if len(values) == 0:
        return 0
    low = values.min()
    seen = np.zeros(int(values.max()) - int(low) + 1, dtype=np.bool_)
    seen[values - low] = True
    return int(np.count_nonzero(seen))


def top_values(con: Any, parquet: str, names: list[str]) -> dict[str, list[tuple[str, int]]]:
    """The most frequent present values of each column, with their counts."""
    if not names:
        return {}
    parts = [
        f"(SELECT {i} AS k, {ident(n)}::VARCHAR AS v, count(*) AS c "
        f"FROM read_parquet({parquet}) WHERE {ident(n)} IS NOT NULL "
        f"GROUP BY 2 ORDER BY 3 DESC, 2 LIMIT {N_TOP_VALUES})"
        for i, n in enumerate(names)
    ]
    found: dict[str, list[tuple[str, int]]] = {n: [] for n in names}
    for k, value, count in con.execute(" UNION ALL ".join(parts)).fetchall():
        found[names[k]].append((str(value), int(count)))
    for values in found.values():
        values.sort(key=lambda pair: (-pair[1], pair[0]))
    return found


def histogram_edges(low: float, high: float, n_bins: int = N_HISTOGRAM_BINS) -> list[float]:
    """Equal-width bin edges over [low, high]; one bin when the range is empty.

    The edges interpolate between the ends, so that a range wider than the largest double
    (-1e308 to 1e308) does not overflow to ``inf`` and ``nan``.
    """
    if high <= low:
        return [low, high]
    return [low * (1 - i / n_bins) + high * (i / n_bins) for i in range(n_bins)] + [high]


def bin_sql(value: str, low: float, high: float, n_bins: int) -> str:
    """SQL for the bin (0 to ``n_bins - 1``) of ``value`` among equal bins over [low, high].

    Both ends are halved first, so that ``high - low`` stays finite for any finite doubles.
    A missing value has no bin (NULL).
    """
    half_span = high / 2 - low / 2
    bin_number = "0"
    if half_span > 0:
        position = f"floor((({value}) / 2 - {low / 2!r}) / {half_span!r} * {n_bins})"
        bin_number = f"least(greatest({position}, 0), {n_bins - 1})"
    # least() and greatest() skip NULLs, so without this a missing value would land in bin 0.
    return f"CASE WHEN ({value}) IS NOT NULL THEN {bin_number} END"


def histograms(
    con: Any,
    relation: str,
    columns: list[tuple[str, str, list[float]]],
    *,
    totals: dict[str, int] | None = None,
) -> dict[str, list[int]]:
    """Count each column's values in its bins ``(name, dtype, edges)``; the last bin is closed.

    ``relation`` may be a sample of the table: then pass ``totals``, and each column's counts
    are scaled to its exact number of values in ``totals`` (largest remainders), so that they
    still sum to it. Shares per bin are then off by a fraction of a percent at most.
    """
    if not columns:
        return {}
    aggregates = []
    for name, dtype, edges in columns:
        v = value_expr(name, dtype)
        bins = bin_sql(str(v), edges[0], edges[-1], len(edges) - 1)
        aggregates.append(f"histogram(CASE WHEN {v} IS NOT NULL THEN {bins}::INTEGER END)")
    # One scan for every column: DuckDB's histogram() maps each bin to its count.
    row = con.execute(f"SELECT {', '.join(aggregates)} FROM {relation}").fetchone()
    counts = {name: [0] * (len(edges) - 1) for name, _, edges in columns}
    for (name, _, _), found in zip(columns, row, strict=True):
        for b, count in (found or {}).items():
            counts[name][b] = int(count)
    if totals is not None:
        counts = {name: scale_counts(c, totals[name]) for name, c in counts.items()}
    return counts


def scale_counts(counts: list[int], total: int) -> list[int]:
    """Scale counts to sum to ``total``, rounding by largest remainders."""
    seen = sum(counts)
    if seen == 0:
        return counts
    shares = [c * total / seen for c in counts]
    scaled = [int(share) for share in shares]
    by_remainder = sorted(range(len(counts)), key=lambda j: shares[j] - scaled[j], reverse=True)
    for j in by_remainder[: total - sum(scaled)]:
        scaled[j] += 1
    return scaled


def non_numbers(con: Any, parquet: str, name: str) -> tuple[int, str | None]:
    """How many present values of a text column do not parse as numbers, and the first one."""
    q = ident(name)
    bad = f"{q} IS NOT NULL AND try_cast({q} AS DOUBLE) IS NULL"
    source = f"read_parquet({parquet})"
    count = int(con.execute(f"SELECT count(*) FROM {source} WHERE {bad}").fetchone()[0])
    if count == 0:
        return 0, None
    first = con.execute(f"SELECT {q} FROM {source} WHERE {bad} LIMIT 1").fetchone()
    return count, str(first[0])
