"""Score a file with a loaded model, in streamed batches, into a CSV or Parquet file.

DuckDB reads the input (CSV, Parquet, JSON; the same detection as ``mlwright ingest``) and
hands it over in Arrow batches, so a file larger than memory is scored in constant memory.
Each batch is checked against the model's input columns (a bad value names its row in the
file), predicted, and appended to the output. The output is written to a temporary file
beside the destination and renamed at the end: a failure leaves no partial output.
"""

from __future__ import annotations

import contextlib
import tempfile
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlwright.core.errors import ConfigError, MlwrightWarning, SchemaError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    import numpy as np
    import pyarrow as pa

    from mlwright.registry.loaded import LoadedModel

BATCH_ROWS = 200_000
OUTPUT_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
PREDICTION = "prediction"


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """What a batch scoring wrote."""

    output: Path
    n_rows: int
    columns: tuple[str, ...]


def output_format(path: Path) -> str:
    """``csv`` or ``parquet``, from the output file's suffix."""
    fmt = OUTPUT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        msg = f"cannot write predictions to {path}: unknown suffix {path.suffix!r}"
        raise ConfigError(msg, hint="name the output .csv or .parquet")
    return fmt


def score_file(
    model: LoadedModel,
    source: Any,
    output: Path,
    *,
    keep: Sequence[str] = (),
    batch_rows: int = BATCH_ROWS,
    progress: Callable[[int], None] | None = None,
) -> ScoreResult:
    """Score every row of ``source`` (a path or glob) and write ``output``.

    The output holds the ``keep`` columns of the input, then ``prediction``, then one
    ``proba_<class>`` column per class for a classifier.

    Raises
    ------
    DataError, SchemaError
        The input cannot be read, lacks a column the model needs, or holds an impossible
        value (named by row and column); nothing is written.
    """
    fmt = output_format(output)
    if batch_rows < 1:
        msg = f"--batch-rows must be at least 1, got {batch_rows}"
        raise ConfigError(msg, hint=f"the default is {BATCH_ROWS:,}")
    output.parent.mkdir(parents=True, exist_ok=True)
    n_rows = 0
    with tempfile.TemporaryDirectory(prefix="mlwright-score-") as work:
        tmp = output.parent / f".{output.name}.{uuid.uuid4().hex}.tmp"  # created by the writer
        try:
            with _batches(source, Path(work), batch_rows) as batches, _Writer(fmt, tmp) as writer:
                for i, batch in enumerate(batches):
                    frame = batch.to_pandas()
                    if i == 0:
                        _check_keep(keep, frame.columns, model)
                    scored = score_frame(
                        model, frame, keep=keep, first_row=n_rows + 1, warn_extra=False
                    )
                    writer.write(scored)
                    n_rows += len(frame)
                    if progress is not None:
                        progress(n_rows)
                columns = writer.columns
            if writer.columns is None:
                msg = f"{source} holds no rows to score"
                raise ConfigError(msg, hint="check the input file")
            tmp.replace(output)
        finally:
            tmp.unlink(missing_ok=True)
    return ScoreResult(output=output, n_rows=n_rows, columns=tuple(columns or ()))


def score_frame(
    model: LoadedModel,
    frame: Any,
    *,
    keep: Sequence[str] = (),
    first_row: int = 1,
    warn_extra: bool = True,
) -> pa.Table:
    """Predictions for the rows of ``frame`` as an Arrow table, after the ``keep`` columns."""
    import pyarrow as pa

    prepared = model.prepare(frame, first_row=first_row, warn_extra=warn_extra)
    columns: dict[str, Any] = {name: pa.array(frame[name]) for name in keep}
    predictions, proba = score_prepared(model, prepared)
    columns[PREDICTION] = pa.array(predictions)
    if proba is not None:
        for j, label in enumerate(model.model.classes or []):
            columns[f"proba_{label}"] = pa.array(proba[:, j])
    return pa.table(columns)


def score_prepared(model: LoadedModel, prepared: Any) -> tuple[list[Any], np.ndarray | None]:
    """Predictions of checked input (see ``LoadedModel.prepare``), and class probabilities.

    The probabilities are computed once and the labels derived from them with the model's
    threshold, rather than running the pipelines twice.
    """
    output = model.output(prepared)
    labels = model.labels(output).tolist()
    return labels, (None if model.model.classes is None else output)


def _check_keep(keep: Sequence[str], columns: Any, model: LoadedModel) -> None:
    missing = [k for k in keep if k not in columns]
    if missing:
        msg = f"--keep names column(s) the input lacks: {', '.join(missing)}"
        raise SchemaError(msg, hint=f"input columns: {', '.join(map(str, columns))}")
    outputs = {PREDICTION} | {f"proba_{c}" for c in (model.model.classes or [])}
    clash = [k for k in keep if k in outputs]
    if clash:
        msg = f"--keep column(s) {', '.join(clash)} would clash with the prediction columns"
        raise ConfigError(msg, hint="rename them in the input")
    used = {c.name for c in model.info.columns}
    extra = [str(c) for c in columns if c not in used and c not in keep]
    if extra:
        shown = ", ".join(extra[:10]) + (" ..." if len(extra) > 10 else "")
        message = f"ignoring {len(extra)} input column(s) the model does not use: {shown}"
        warnings.warn(message, MlwrightWarning, stacklevel=3)


@contextlib.contextmanager
def _batches(source: Any, work_dir: Path, batch_rows: int) -> Iterator[Iterator[pa.RecordBatch]]:
    """The rows of ``source`` in Arrow batches of at most ``batch_rows`` rows."""
    import duckdb

    from mlwright.data.duck import connect
    from mlwright.data.ingest import source_relation, translate_duckdb_error
    from mlwright.data.source import resolve_source

    resolved = resolve_source(source)
    con = connect(spill_dir=work_dir / "spill")
    try:
        relation = source_relation(resolved, con, work_dir)
        reader = con.sql(f"SELECT * FROM {relation}").to_arrow_reader(batch_rows)

        def read() -> Iterator[pa.RecordBatch]:
            try:
                yield from reader
            except duckdb.Error as exc:
                raise translate_duckdb_error(exc, resolved.display) from exc

        yield read()
    except duckdb.Error as exc:
        raise translate_duckdb_error(exc, resolved.display) from exc
    finally:
        con.close()


class _Writer:
    """Appends Arrow tables to one CSV or Parquet file."""

    def __init__(self, fmt: str, path: Path) -> None:
        self.fmt = fmt
        self.path = path
        self.columns: list[str] | None = None
        self._schema: Any = None
        self._writer: Any = None

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._writer is not None:
            self._writer.close()

    def write(self, table: pa.Table) -> None:
        if self._writer is None:
            self.columns = list(table.column_names)
            self._schema = table.schema
            if self.fmt == "parquet":
                import pyarrow.parquet as pq

                self._writer = pq.ParquetWriter(self.path, table.schema, compression="zstd")
            else:
                import pyarrow.csv as pv

                self._writer = pv.CSVWriter(self.path, table.schema)
        self._writer.write_table(table.cast(self._schema, safe=False))
