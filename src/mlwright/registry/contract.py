"""The data contract: what the training data looked like, checked on every row a server scores.

A row that breaks the contract still gets its prediction, with warnings that name the column
and the reason, so that a client can distrust it and the monitor can count it:

- ``out_of_range``: a number below the smallest or above the largest seen in training;
- ``unseen_category``: a category never seen in training (kept only for columns of at most
  ``MAX_CATEGORIES`` distinct values);
- ``unexpected_missing``: a value missing in a column that was never missing in training;
- ``many_missing``: more missing values in the row than 99% of training rows had;
- ``low_confidence``: a classification less confident than 99% of training rows (binary:
  the probability's distance from the decision threshold; more classes: the top probability).

The contract is learned when a run is registered (:func:`learn_contract`) and travels in the
package as ``contract.json``; a package without one gets what its profile tells
(:func:`contract_from_profile`): ranges, missing shares, and small category sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlwright.data.schema import Role, is_numeric_type, is_temporal_type

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import numpy as np
    import pandas as pd

    from mlwright.learn.model import TabularModel
    from mlwright.registry.package import InputColumn

# Columns with more distinct values than this keep no category set (no unseen-category check).
MAX_CATEGORIES = 1000
# Rows of the training data scored to learn the confidence floor and the missing-value limit.
SAMPLE_ROWS = 5000
# Share of training rows allowed below the confidence floor / above the missing limit.
TAIL = 0.01

# One warning on one row: {"column": name or None, "reason": code, "message": text}.
RowWarning = dict[str, str | None]


@dataclass(frozen=True, slots=True)
class ColumnContract:
    """What one input column held in training."""

    name: str
    kind: str  # "number", "category", or "other" (booleans, dates, text)
    missing_share: float
    low: float | None = None
    high: float | None = None
    categories: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class DataContract:
    """The columns' contracts, with the row-level limits learned from training rows."""

    columns: tuple[ColumnContract, ...]
    missing_limit: int | None = None
    confidence_floor: float | None = None
    threshold: float = 0.5

    def to_dict(self) -> dict[str, Any]:
        """The ``contract.json`` document."""
        return {
            "columns": [
                {
                    "name": c.name,
                    "kind": c.kind,
                    "missing_share": c.missing_share,
                    "low": c.low,
                    "high": c.high,
                    "categories": None if c.categories is None else sorted(c.categories),
                }
                for c in self.columns
            ],
            "missing_limit": self.missing_limit,
            "confidence_floor": self.confidence_floor,
            "threshold": self.threshold,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DataContract:
        """Rebuild a contract written by :meth:`to_dict`."""
        columns = tuple(
            ColumnContract(
                name=str(c["name"]),
                kind=str(c["kind"]),
                missing_share=float(c["missing_share"]),
                low=c.get("low"),
                high=c.get("high"),
                categories=None if c.get("categories") is None else frozenset(c["categories"]),
            )
            for c in data["columns"]
        )
        return cls(
            columns=columns,
            missing_limit=data.get("missing_limit"),
            confidence_floor=data.get("confidence_floor"),
            threshold=float(data.get("threshold", 0.5)),
        )

    def check(
        self, columns: Mapping[str, Any], output: np.ndarray | None = None
    ) -> list[list[RowWarning]]:
        """The warnings of each row of ``columns``.

        ``columns`` maps each input column to its values: a DataFrame checked by
        ``prepare_input``, or arrays as a server has them (``mlwright.serve.requests``).
        ``output`` is the model's probabilities, for the confidence check (None: skipped).
        Each warning is ``{"column", "reason", "message"}``; ``column`` is None for the
        row-level reasons.
        """
        import numpy as np

        # A server checks every request, mostly of one row: the float columns are checked
        # together as one matrix, so that a row costs a few NumPy calls, not a few per column.
        arrays = {c.name: np.asarray(columns[c.name]) for c in self.columns}
        n = len(next(iter(arrays.values()))) if arrays else (0 if output is None else len(output))
        hits: list[tuple[int, int, RowWarning]] = []  # (row, column position, warning)
        n_missing = np.zeros(n, dtype=np.int64)
        floats = [
            (j, c)
            for j, c in enumerate(self.columns)
            if arrays[c.name].dtype.kind == "f" and c.kind != "category"
        ]
        if floats and n:
            n_missing += _check_floats(floats, arrays, hits)
        in_matrix = {j for j, _ in floats}
        for j, column in enumerate(self.columns):
            if j not in in_matrix:
                n_missing += _check_column(j, column, arrays[column.name], hits)
        at_end = len(self.columns)
        if self.missing_limit is not None:
            for i in np.flatnonzero((n_missing > self.missing_limit) & (n_missing >= 2)):
                message = (
                    f"{n_missing[i]} values missing; 99% of training rows had at most "
                    f"{self.missing_limit}"
                )
                hits.append((int(i), at_end, _warning(None, "many_missing", message)))
        if output is not None and self.confidence_floor is not None and output.ndim == 2:
            score = confidence(output, self.threshold)
            for i in np.flatnonzero(score < self.confidence_floor):
                message = _unsure(output[i], self.threshold)
                hits.append((int(i), at_end, _warning(None, "low_confidence", message)))
        found: list[list[RowWarning]] = [[] for _ in range(n)]
        # In column order within a row (a stable sort keeps a column's own order), row-level
        # reasons last.
        for row, _, warning in sorted(hits, key=lambda hit: (hit[0], hit[1])):
            found[row].append(warning)
        return found


def _check_floats(
    floats: list[tuple[int, ColumnContract]],
    arrays: Mapping[str, np.ndarray],
    hits: list[tuple[int, int, RowWarning]],
) -> np.ndarray:
    """Missing values and ranges of the float columns at once; the count missing per row."""
    import numpy as np

    matrix = np.column_stack([arrays[c.name] for _, c in floats]).astype(float, copy=False)
    missing = np.isnan(matrix)
    never = np.array([c.missing_share == 0 for _, c in floats])
    for i, k in zip(*np.nonzero(missing & never), strict=True):
        j, column = floats[k]
        hits.append((int(i), j, _unexpected_missing(column)))
    low = np.array([_bound(c, c.low, -np.inf) for _, c in floats])
    high = np.array([_bound(c, c.high, np.inf) for _, c in floats])
    for i, k in zip(*np.nonzero((matrix < low) | (matrix > high)), strict=True):
        j, column = floats[k]  # NaN (missing) compares False above
        hits.append((int(i), j, _out_of_range(column, matrix[i, k])))
    counts: np.ndarray = missing.sum(axis=1)
    return counts


def _bound(column: ColumnContract, value: float | None, none: float) -> float:
    """A range's end, or one nothing passes (no range kept, or not a number column)."""
    return none if column.kind != "number" or value is None else float(value)


def _check_column(
    j: int, column: ColumnContract, values: np.ndarray, hits: list[tuple[int, int, RowWarning]]
) -> np.ndarray:
    """One column that is not floats (integers, text, objects); the missing mask as 0/1."""
    import numpy as np
    import pandas as pd

    missing = np.asarray(pd.isna(values), dtype=bool)
    if column.missing_share == 0:
        for i in np.flatnonzero(missing):
            hits.append((int(i), j, _unexpected_missing(column)))
    if column.kind == "number" and column.low is not None and column.high is not None:
        # Nullable integer columns come as objects holding pd.NA: replace it before converting.
        numbers = np.where(missing, np.nan, values).astype(float)
        low, high = float(column.low), float(column.high)
        for i in np.flatnonzero((numbers < low) | (numbers > high)):
            hits.append((int(i), j, _out_of_range(column, numbers[i])))
    elif column.kind == "category" and column.categories is not None:
        _check_categories(j, column, values, missing, hits)
    return missing


def _unexpected_missing(column: ColumnContract) -> RowWarning:
    return _warning(column.name, "unexpected_missing", "missing; never in training")


def _out_of_range(column: ColumnContract, value: float) -> RowWarning:
    low, high = float(column.low), float(column.high)  # type: ignore[arg-type]
    message = f"{value:.6g} is outside the training range [{low:.6g}, {high:.6g}]"
    return _warning(column.name, "out_of_range", message)


def confidence(output: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """How sure each classification is.

    Two classes: the distance of the positive class's probability from the threshold; more
    classes: the top probability.
    """
    import numpy as np

    if output.shape[1] == 2:
        return np.abs(output[:, 1] - threshold)
    return np.asarray(output.max(axis=1))


def _unsure(probabilities: np.ndarray, threshold: float) -> str:
    if len(probabilities) == 2:
        return f"probability {probabilities[1]:.2f} is close to the threshold {threshold:.2f}"
    return f"top probability only {probabilities.max():.2f}"


def _warning(column: str | None, reason: str, message: str) -> RowWarning:
    return {"column": column, "reason": reason, "message": message}


def _check_categories(
    j: int,
    column: ColumnContract,
    values: np.ndarray,
    missing: np.ndarray,
    hits: list[tuple[int, int, RowWarning]],
) -> None:
    from mlwright.learn.transformers import category_labels

    known = column.categories
    assert known is not None
    if values.dtype != object or not all(type(v) is str for v in values):
        values = category_labels([values], whole_numbers=True)[:, 0]
    for i, text in enumerate(values):
        if text not in known and not missing[i]:
            shown = text if len(text) <= 40 else text[:37] + "..."
            message = f"{shown!r} was never seen in training"
            hits.append((i, j, _warning(column.name, "unseen_category", message)))


def column_kind(column: InputColumn) -> str:
    """``number``, ``category`` or ``other``: which checks a column gets."""
    dtype = column.dtype.upper()
    if column.role == Role.CATEGORICAL and dtype != "BOOLEAN":
        return "category"
    if column.role == Role.NUMERIC and is_numeric_type(dtype) and not is_temporal_type(dtype):
        return "number"
    return "other"


def contract_from_profile(
    columns: Sequence[InputColumn], profile: Mapping[str, Any]
) -> DataContract:
    """The contract a package's profile tells: ranges, missing shares, small category sets."""
    stats = {c["name"]: c for c in profile.get("columns", [])}
    result = []
    for column in columns:
        entry = stats.get(column.name, {})
        kind = column_kind(column)
        categories = None
        top = entry.get("top_values") or []
        if kind == "category" and top and len(top) >= int(entry.get("n_distinct", 0)):
            categories = frozenset(str(value) for value, _ in top)
        result.append(
            ColumnContract(
                name=column.name,
                kind=kind,
                missing_share=float(entry.get("missing_share", 1.0)),
                low=entry.get("min") if kind == "number" else None,
                high=entry.get("max") if kind == "number" else None,
                categories=categories,
            )
        )
    return DataContract(tuple(result))


def learn_contract(
    model: TabularModel,
    columns: Sequence[InputColumn],
    profile: Mapping[str, Any],
    parquet: Any,
) -> DataContract:
    """The contract of the training table ``parquet`` (a local path or a ``pyarrow.Table``).

    Ranges and missing shares come from the profile; category sets from the whole table;
    the missing-value limit and the confidence floor from ``SAMPLE_ROWS`` scored rows.
    """
    import numpy as np

    from mlwright.registry.inputs import prepare_input

    base = contract_from_profile(columns, profile)
    sets = _category_sets(parquet, [c.name for c in base.columns if c.kind == "category"])
    contracts = tuple(
        ColumnContract(c.name, c.kind, c.missing_share, c.low, c.high, sets.get(c.name))
        if c.kind == "category"
        else c
        for c in base.columns
    )
    sample = prepare_input(_sample(parquet, [c.name for c in columns]), columns, warn_extra=False)
    if sample.empty:
        return DataContract(contracts, threshold=model.threshold)
    n_missing = sample.isna().sum(axis=1).to_numpy()
    missing_limit = int(np.quantile(n_missing, 1 - TAIL, method="higher"))
    floor = None
    if model.classes is not None:
        output = model.output(sample)
        score = confidence(output, model.threshold)
        k = output.shape[1]
        cap = 0.2 if k == 2 else 1 / k + (1 - 1 / k) / 2
        floor = min(float(np.quantile(score, TAIL)), cap)
    return DataContract(contracts, missing_limit, floor, model.threshold)


def _category_sets(parquet: Any, names: list[str]) -> dict[str, frozenset[str]]:
    """Every value of each column, for columns of at most ``MAX_CATEGORIES`` of them."""
    import numpy as np

    from mlwright.data.duck import connect, ident
    from mlwright.learn.transformers import category_labels

    if not names:
        return {}
    con = connect(memory_mb=512)
    try:
        source = _relation(con, parquet)
        sets = {}
        for name in names:
            rows = con.execute(
                f"SELECT DISTINCT {ident(name)} FROM {source} "
                f"WHERE {ident(name)} IS NOT NULL LIMIT {MAX_CATEGORIES + 1}"
            ).fetchall()
            if len(rows) <= MAX_CATEGORIES:
                values = np.array([r[0] for r in rows])
                sets[name] = frozenset(category_labels([values], whole_numbers=True)[:, 0])
        return sets
    finally:
        con.close()


def _sample(parquet: Any, names: list[str]) -> pd.DataFrame:
    """A fixed, seeded sample of ``SAMPLE_ROWS`` rows of the table's ``names`` columns."""
    from mlwright.data.duck import connect, ident

    con = connect(memory_mb=512)
    try:
        source = _relation(con, parquet)
        selected = ", ".join(ident(n) for n in names)
        sample = f"USING SAMPLE reservoir({SAMPLE_ROWS} ROWS) REPEATABLE (0)"
        return con.execute(f"SELECT {selected} FROM {source} {sample}").df()
    finally:
        con.close()


def _relation(con: Any, parquet: Any) -> str:
    from mlwright.data.duck import literal

    if isinstance(parquet, str):
        return f"read_parquet({literal(parquet)})"
    con.register("contract_source", parquet)
    return "contract_source"
