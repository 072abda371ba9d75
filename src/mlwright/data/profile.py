"""Profile a staged Parquet table: schema, per-column statistics, histograms and warnings.

The profile is kept with the dataset; its histograms, with their fixed bin edges, are the
reference that drift monitoring compares production data against.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from mlwright.core.errors import SchemaError
from mlwright.data.duck import connect, literal
from mlwright.data.leakage import leaking_columns
from mlwright.data.schema import (
    TEXT_MIN_MEAN_LENGTH,
    TEXT_MIN_MEAN_SPACES,
    ColumnSchema,
    Role,
    RoleEvidence,
    Schema,
    infer_role,
    is_integer_type,
    is_text_type,
    parse_roles,
)
from mlwright.data.stats import (
    QUANTILES,
    ColumnStats,
    TableStats,
    exact_distinct,
    histogram_edges,
    histograms,
    non_numbers,
    scan_stats,
    top_values,
)

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

HIGH_MISSING_SHARE = 0.3
HIGH_CARDINALITY = 1000
# A text column is "mixed" when most, but not all, of its values parse as numbers.
MIXED_MIN_NUMBER_SHARE = 0.5
UNIQUE_CHECK_MIN_RATIO = 0.9
# Up to this many (estimated) distinct values a column's values are counted exactly: that is
# cheap, and DuckDB's estimate is off by one or two even for a dozen categories.
EXACT_DISTINCT_MAX = 100_000


class WarningKind(StrEnum):
    """Kinds of data-quality findings."""

    CONSTANT = "constant"
    IDENTIFIER = "identifier"
    HIGH_MISSING = "high_missing"
    MIXED_TYPES = "mixed_types"
    HIGH_CARDINALITY = "high_cardinality"
    LEAKAGE = "leakage"


@dataclass(frozen=True, slots=True)
class ProfileWarning:
    """One data-quality finding about one column."""

    kind: WarningKind
    column: str
    message: str


@dataclass(frozen=True, slots=True)
class Histogram:
    """Counts of present values in fixed bins; ``edges`` has one more entry than ``counts``."""

    edges: tuple[float, ...]
    counts: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ColumnProfile:
    """Statistics of one column; for datetime columns numbers are epoch seconds."""

    name: str
    dtype: str
    role: Role
    n_missing: int
    missing_share: float
    n_distinct: int
    min: float | None = None
    max: float | None = None
    mean: float | None = None
    std: float | None = None
    quantiles: dict[str, float] | None = None
    top_values: tuple[tuple[str, int], ...] = ()
    histogram: Histogram | None = None


@dataclass(frozen=True, slots=True)
class Profile:
    """The profile of a whole table."""

    n_rows: int
    columns: tuple[ColumnProfile, ...]
    warnings: tuple[ProfileWarning, ...] = ()
    target: str | None = None
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    # Quantiles and histogram shares were estimated from every k-th row (1: from all rows).
    sample_stride: int = 1

    def column(self, name: str) -> ColumnProfile:
        """The profile of the named column."""
        for column in self.columns:
            if column.name == name:
                return column
        msg = f"no column {name!r} in the profile"
        raise KeyError(msg)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Profile:
        """Rebuild a profile written by :meth:`to_dict`."""
        columns = tuple(_column_from_dict(c) for c in data["columns"])
        warnings = tuple(
            ProfileWarning(WarningKind(w["kind"]), w["column"], w["message"])
            for w in data["warnings"]
        )
        return cls(
            data["n_rows"],
            columns,
            warnings,
            data.get("target"),
            data["created_at"],
            data.get("sample_stride", 1),
        )


def _column_from_dict(data: Mapping[str, Any]) -> ColumnProfile:
    fields = dict(data)
    fields["role"] = Role(fields["role"])
    fields["top_values"] = tuple((str(v), int(c)) for v, c in fields["top_values"])
    if fields["histogram"] is not None:
        hist = fields["histogram"]
        fields["histogram"] = Histogram(tuple(hist["edges"]), tuple(hist["counts"]))
    return ColumnProfile(**fields)


@dataclass(frozen=True, slots=True)
class Analysis:
    """What profiling a table yields: its schema, its profile and its content fingerprint."""

    schema: Schema
    profile: Profile
    fingerprint: str


def analyze(
    parquet_path: Path,
    columns: tuple[tuple[str, str], ...],
    *,
    roles: Mapping[str, Role | str] | None = None,
    target: str | None = None,
    memory_mb: int = 1024,
    threads: int = 0,
) -> Analysis:
    """Infer the schema and profile of a Parquet file.

    Parameters
    ----------
    parquet_path
        The staged table.
    columns
        Its ``(name, DuckDB type)`` pairs, in order.
    roles
        Role overrides by column name; they win over inference.
    target
        A column to check every other column against for leakage.
    """
    names = [name for name, _ in columns]
    overrides = parse_roles(roles or {}, names)
    if target is not None and target not in names:
        msg = f"target column {target!r} is not in the data"
        raise SchemaError(msg, hint=f"columns: {', '.join(names)}", column=target)
    parquet = literal(str(parquet_path))
    con = connect(memory_mb=memory_mb, threads=threads)
    try:
        table, unique, tops = _count_values(con, parquet, scan_stats(con, parquet, columns))
        schema = _infer_schema(table, unique, tops, overrides)
        profile = _build_profile(con, parquet, table, schema, tops, target)
    finally:
        con.close()
    return Analysis(schema=schema, profile=profile, fingerprint=table.fingerprint)


def _count_values(
    con: Any, parquet: str, table: TableStats
) -> tuple[TableStats, set[str], dict[str, list[tuple[str, int]]]]:
    """Exact distinct counts where cheap or decisive; the unique columns; top values.

    Top values are kept for the text and boolean columns that are not unique.
    """
    maybe_unique = {
        s.name
        for s in table.columns
        if (is_integer_type(s.dtype) or is_text_type(s.dtype))
        and s.n_present > 0
        and s.n_distinct >= UNIQUE_CHECK_MIN_RATIO * s.n_present
    }
    # Free text is TEXT whatever its distinct count, and has no meaningful top values.
    candidates = [s for s in table.columns if not _looks_like_text(s)]
    wanted = [
        s for s in candidates if s.name in maybe_unique or 0 < s.n_distinct <= EXACT_DISTINCT_MAX
    ]
    needs_top = [s for s in candidates if is_text_type(s.dtype) or s.dtype.upper() == "BOOLEAN"]
    exact, tops = exact_distinct(con, parquet, wanted, top=needs_top)
    columns = tuple(replace(s, n_distinct=exact.get(s.name, s.n_distinct)) for s in table.columns)
    unique = {s.name for s in columns if s.name in maybe_unique and s.n_distinct == s.n_present}
    rest = [s.name for s in needs_top if s.name not in tops and s.name not in unique]
    tops = {name: values for name, values in tops.items() if name not in unique}
    tops |= top_values(con, parquet, rest)
    return replace(table, columns=columns), unique, tops


def _infer_schema(
    table: TableStats,
    unique: set[str],
    tops: dict[str, list[tuple[str, int]]],
    overrides: dict[str, Role],
) -> Schema:
    columns = []
    for s in table.columns:
        evidence = RoleEvidence(
            name=s.name,
            dtype=s.dtype,
            n_rows=table.n_rows,
            n_present=s.n_present,
            n_distinct=_distinct(s, tops, unique),
            is_unique=s.name in unique,
            min_value=s.min,
            max_value=s.max,
            mean_length=s.mean_length,
            mean_spaces=s.mean_spaces,
            values=frozenset(v for v, _ in tops.get(s.name, [])),
        )
        role = overrides.get(s.name) or infer_role(evidence)
        columns.append(ColumnSchema(name=s.name, dtype=s.dtype, role=role))
    return Schema(tuple(columns))


def _looks_like_text(s: ColumnStats) -> bool:
    length, spaces = s.mean_length or 0.0, s.mean_spaces or 0.0
    return length >= TEXT_MIN_MEAN_LENGTH and spaces >= TEXT_MIN_MEAN_SPACES


def _distinct(s: ColumnStats, tops: dict[str, list[tuple[str, int]]], unique: set[str]) -> int:
    """Exact where it is cheap to know (all values seen, or unique), else DuckDB's estimate."""
    if s.name in unique:
        return s.n_present
    seen = tops.get(s.name)
    if seen is not None and sum(c for _, c in seen) == s.n_present:
        return len(seen)
    if s.min is not None and s.min == s.max:
        return 1
    # The estimate can overshoot; there are never more distinct values than present ones.
    return min(s.n_distinct, s.n_present)


def _build_profile(
    con: Any,
    parquet: str,
    table: TableStats,
    schema: Schema,
    tops: dict[str, list[tuple[str, int]]],
    target: str | None,
) -> Profile:
    stats = {s.name: s for s in table.columns}
    binned = [
        (c.name, c.dtype, histogram_edges(stats[c.name].min, stats[c.name].max))  # type: ignore[arg-type]
        for c in schema.columns
        if c.role in (Role.NUMERIC, Role.DATETIME) and stats[c.name].min is not None
    ]
    totals = {name: stats[name].n_finite or 0 for name, _, _ in binned}
    sampled = table.stride > 1
    counts = histograms(con, table.sample, binned, totals=totals if sampled else None)
    edges = {name: e for name, _, e in binned}
    columns = []
    for c in schema.columns:
        s = stats[c.name]
        histogram = (
            Histogram(tuple(edges[c.name]), tuple(counts[c.name])) if c.name in edges else None
        )
        columns.append(_column_profile(c, s, table.n_rows, tops, histogram))
    warnings = [w for p in columns for w in _column_warnings(con, parquet, p, stats[p.name])]
    if target is not None:
        warnings += _leak_warnings(con, parquet, schema, stats, target)
    return Profile(
        table.n_rows, tuple(columns), tuple(warnings), target, sample_stride=table.stride
    )


def _column_profile(
    c: ColumnSchema,
    s: ColumnStats,
    n_rows: int,
    tops: dict[str, list[tuple[str, int]]],
    histogram: Histogram | None,
) -> ColumnProfile:
    n_missing = n_rows - s.n_present
    quantiles = None
    if s.quantiles and c.role in (Role.NUMERIC, Role.DATETIME):
        quantiles = {f"{q:g}": v for q, v in zip(QUANTILES, s.quantiles, strict=True)}
    return ColumnProfile(
        name=c.name,
        dtype=c.dtype,
        role=c.role,
        n_missing=n_missing,
        missing_share=n_missing / n_rows if n_rows else 0.0,
        n_distinct=_distinct(s, tops, set()) if c.role is not Role.IDENTIFIER else s.n_present,
        min=s.min,
        max=s.max,
        mean=s.mean,
        std=s.std,
        quantiles=quantiles,
        top_values=tuple(tops.get(c.name, ())),
        histogram=histogram,
    )


def _column_warnings(
    con: Any, parquet: str, p: ColumnProfile, s: ColumnStats
) -> list[ProfileWarning]:
    found = []
    name = p.name
    if p.role is Role.CONSTANT:
        value = "missing" if s.n_present == 0 else "the same value"
        message = f"column {name!r} is {value} in every row; it carries no information"
        found.append(ProfileWarning(WarningKind.CONSTANT, name, message))
    if p.role is Role.IDENTIFIER:
        message = f"column {name!r} is unique per row (an identifier); it is not used as a feature"
        found.append(ProfileWarning(WarningKind.IDENTIFIER, name, message))
    if p.role is not Role.CONSTANT and p.missing_share >= HIGH_MISSING_SHARE:
        message = f"column {name!r} is missing in {p.missing_share:.0%} of rows"
        found.append(ProfileWarning(WarningKind.HIGH_MISSING, name, message))
    if p.role is Role.CATEGORICAL and p.n_distinct > HIGH_CARDINALITY:
        message = f"column {name!r} has about {p.n_distinct:,} categories; consider grouping them"
        found.append(ProfileWarning(WarningKind.HIGH_CARDINALITY, name, message))
    if s.number_share is not None and s.number_share >= MIXED_MIN_NUMBER_SHARE:
        # The share comes from a sample; count exactly before saying anything.
        bad, example = non_numbers(con, parquet, name)
        if 0 < bad <= (1 - MIXED_MIN_NUMBER_SHARE) * s.n_present:
            message = (
                f"column {name!r} has {bad:,} non-numeric values (first: {example!r}) among "
                "numbers; declare it categorical or clean it"
            )
            found.append(ProfileWarning(WarningKind.MIXED_TYPES, name, message))
    return found


def _leak_warnings(
    con: Any, parquet: str, schema: Schema, stats: dict[str, ColumnStats], target: str
) -> list[ProfileWarning]:
    leaks = leaking_columns(con, parquet, schema, stats, target)
    return [
        ProfileWarning(
            WarningKind.LEAKAGE,
            name,
            f"column {name!r} predicts the target {target!r} almost perfectly "
            f"(score {score:.3f}); it is likely leaked from the outcome",
        )
        for name, score in leaks.items()
    ]


def format_value(value: float | None, role: Role) -> str:
    """Render a profile number; datetimes (epoch seconds) as ISO dates."""
    if value is None:
        return ""
    if role is Role.DATETIME:
        return datetime.fromtimestamp(value, tz=UTC).isoformat(timespec="seconds")
    return f"{value:.4g}"


__all__ = [
    "Analysis",
    "ColumnProfile",
    "Histogram",
    "Profile",
    "ProfileWarning",
    "WarningKind",
    "analyze",
    "format_value",
]
