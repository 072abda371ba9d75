"""Find columns that predict a target almost perfectly: the usual sign of target leakage.

For a class target, a column leaks when grouping the rows by its value (numbers binned,
missing as its own group) leaves almost every group pure in one class, far beyond what the
majority class alone gives. For a numeric target, a column leaks when it is almost perfectly
correlated with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlwright.data.duck import ident
from mlwright.data.schema import Role
from mlwright.data.stats import N_HISTOGRAM_BINS, bin_sql, value_expr

if TYPE_CHECKING:
    from mlwright.data.schema import Schema
    from mlwright.data.stats import ColumnStats

# Share of the gap between the majority-class baseline and perfect purity a column must close.
PURITY_LIFT_THRESHOLD = 0.98
CORRELATION_THRESHOLD = 0.99
# A class target has at most this many distinct values.
MAX_CLASSES = 50
_SKIPPED_ROLES = (Role.IDENTIFIER, Role.CONSTANT, Role.TEXT)


def leaking_columns(
    con: Any, parquet: str, schema: Schema, stats: dict[str, ColumnStats], target: str
) -> dict[str, float]:
    """Columns that predict ``target`` almost perfectly, with the strength of the signal."""
    target_col = schema[target]
    candidates = [
        c
        for c in schema.columns
        if c.name != target and c.role not in _SKIPPED_ROLES and _few_groups(c, stats[c.name])
    ]
    if not candidates or stats[target].n_present == 0:
        return {}
    is_class = target_col.role in (Role.CATEGORICAL, Role.BOOLEAN) or (
        target_col.role is Role.NUMERIC and stats[target].n_distinct <= 10
    )
    if is_class and stats[target].n_distinct <= MAX_CLASSES:
        return _purity_leaks(con, parquet, candidates, stats, target)
    if target_col.role is Role.NUMERIC:
        numeric = [c for c in candidates if value_expr(c.name, c.dtype) is not None]
        return _correlation_leaks(con, parquet, numeric, target, target_col.dtype)
    return {}


def _few_groups(column: Any, stats: ColumnStats) -> bool:
    """Many small groups are pure by chance; only numbers (binned) or few categories count."""
    if value_expr(column.name, column.dtype) is not None:
        return True
    return stats.n_distinct <= max(MAX_CLASSES, stats.n_present // 20)


def _group_expr(name: str, dtype: str, stats: ColumnStats) -> str:
    v = value_expr(name, dtype)
    if v is None or stats.min is None or stats.max is None or stats.max <= stats.min:
        return f"{ident(name)}::VARCHAR"
    return f"{bin_sql(v, stats.min, stats.max, N_HISTOGRAM_BINS)}::VARCHAR"


def _purity_leaks(
    con: Any, parquet: str, candidates: list[Any], stats: dict[str, ColumnStats], target: str
) -> dict[str, float]:
    t = ident(target)
    source = f"(SELECT * FROM read_parquet({parquet}) WHERE {t} IS NOT NULL)"
    parts = [
        f"SELECT {i} AS k, sum(m) AS pure FROM (SELECT max(c) AS m FROM ("
        f"SELECT {_group_expr(c.name, c.dtype, stats[c.name])} AS g, {t} AS y, count(*) AS c "
        f"FROM {source} GROUP BY 1, 2) GROUP BY g)"
        for i, c in enumerate(candidates)
    ]
    baseline_sql = f"SELECT max(c), sum(c) FROM (SELECT count(*) AS c FROM {source} GROUP BY {t})"
    majority, total = con.execute(baseline_sql).fetchone()
    if not total or majority == total:
        return {}
    leaks = {}
    for k, pure in con.execute(" UNION ALL ".join(parts)).fetchall():
        lift = (pure - majority) / (total - majority)
        if lift >= PURITY_LIFT_THRESHOLD:
            leaks[candidates[k].name] = round(float(lift), 4)
    return leaks


def _correlation_leaks(
    con: Any, parquet: str, candidates: list[Any], target: str, target_dtype: str
) -> dict[str, float]:
    if not candidates:
        return {}
    y = value_expr(target, target_dtype)
    selects = [f"corr({value_expr(c.name, c.dtype)}, {y})" for c in candidates]
    row = con.execute(f"SELECT {', '.join(selects)} FROM read_parquet({parquet})").fetchone()
    return {
        c.name: round(abs(float(r)), 4)
        for c, r in zip(candidates, row, strict=True)
        if r is not None and abs(r) >= CORRELATION_THRESHOLD
    }
