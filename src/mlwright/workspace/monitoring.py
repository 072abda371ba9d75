"""``Workspace.monitor``: check a registered model against current data, and keep the result.

The reference is the dataset version the model was trained on. The current data is a file
(CSV, Parquet, JSON, read as ingest reads it), a dataset of the workspace, or the serving
prediction log of the last ``since`` (its inputs, and the outcomes sent to ``/feedback`` as
the target where there are any). Each check is kept in the store's monitoring history.
"""

from __future__ import annotations

import re
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlwright.core.errors import ConfigError, DataError

if TYPE_CHECKING:
    from mlwright.monitor.check import MonitorConfig, MonitorReport
    from mlwright.registry.loaded import LoadedModel
    from mlwright.workspace.facade import Workspace

# The column the prediction log's times come in, for performance by time window.
LOG_TIME = "_logged_at"
_SINCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str) -> timedelta:
    """``30m``, ``24h``, ``7d``, ``2w`` as a duration."""
    found = _SINCE.match(text)
    if found is None or float(found.group(1)) <= 0:
        msg = f"cannot read {text!r} as a duration"
        raise ConfigError(msg, hint="write a number and a unit: 30m, 24h, 7d or 2w", value=text)
    return timedelta(**{_UNITS[found.group(2)]: float(found.group(1))})


def monitor(
    ws: Workspace,
    ref: str,
    *,
    current: str | Path | None = None,
    dataset: str | None = None,
    since: str | timedelta | None = None,
    config: MonitorConfig | None = None,
    record: bool = True,
    time_column: str | None = None,
) -> MonitorReport:
    """Check model ``ref`` on exactly one of ``current``, ``dataset`` or ``since``.

    ``time_column`` names the current data's times, for performance by time window; with
    ``since`` it is the time each prediction was logged.
    """
    from mlwright.monitor.check import check_model
    from mlwright.track.entities import NewCheck

    given = [x for x in (current, dataset, since) if x is not None]
    if len(given) != 1:
        msg = "give exactly one of current (a file), dataset or since (the prediction log)"
        raise ConfigError(msg, hint="e.g. --current new.parquet, --dataset churn:4, --since 24h")
    version = ws.model_version(ref)
    model = ws.load_model(ref)
    reference = ws.dataset(version.dataset_ref).to_arrow()
    if current is not None:
        table, name = read_file(current), str(current)
    elif dataset is not None:
        found = ws.dataset(dataset)
        table, name = found.to_arrow(), found.ref
    else:
        window = since if isinstance(since, timedelta) else parse_since(str(since))
        table, name = read_prediction_log(ws.path, model, version.name, window), f"log {since}"
        time_column = time_column or LOG_TIME
    report = check_model(
        model,
        reference,
        table,
        config,
        reference_name=version.dataset_ref,
        current_name=name,
        time_column=time_column,
    )
    if record:
        ws.store.add_check(
            NewCheck(
                kind="drift",
                model_name=version.name,
                model_version=version.version,
                status=report.status,
                summary=report.to_dict(),
                created_by=ws.who(),
            )
        )
    return report


def read_file(path: str | Path) -> Any:
    """A CSV, Parquet or JSON file (or a glob) as one Arrow table, read as ingest reads it."""
    import duckdb

    from mlwright.data.duck import connect
    from mlwright.data.ingest import source_relation, translate_duckdb_error
    from mlwright.data.source import resolve_source

    resolved = resolve_source(str(path))
    with tempfile.TemporaryDirectory(prefix="mlwright-monitor-") as work:
        con = connect(spill_dir=Path(work) / "spill")
        try:
            relation = source_relation(resolved, con, Path(work))
            return con.sql(f"SELECT * FROM {relation}").to_arrow_table()
        except duckdb.Error as exc:
            raise translate_duckdb_error(exc, resolved.display) from exc
        finally:
            con.close()


def read_prediction_log(root: Path, model: LoadedModel, model_name: str, window: timedelta) -> Any:
    """The inputs the server logged for ``model_name`` in the last ``window``, as a table.

    Where feedback arrived for a prediction, its outcome fills the model's target column.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    from mlwright.serve.predlog import FEEDBACK_DIR, PREDICTIONS_DIR, read_labelled, read_log

    log = read_log(root / PREDICTIONS_DIR, model_name)
    if log.num_rows == 0:
        msg = f"the prediction log of {model_name!r} is empty"
        raise DataError(msg, hint="serve the model with its log on (the default) first")
    start = datetime.now(UTC) - window
    log = log.filter(pc.greater_equal(log.column("timestamp"), pa.scalar(start)))
    if log.num_rows == 0:
        msg = f"the prediction log of {model_name!r} has no rows in the last {window}"
        raise DataError(msg, hint="give a longer --since")
    columns = {c.name: log.column(f"in_{c.name}") for c in model.info.columns}
    columns[LOG_TIME] = log.column("timestamp")
    labelled = read_labelled(root / PREDICTIONS_DIR, root / FEEDBACK_DIR, model_name)
    if labelled.num_rows:
        regression = model.model.classes is None
        actual = labelled.column("actual_value" if regression else "actual").to_pylist()
        outcome = dict(zip(labelled.column("prediction_id").to_pylist(), actual, strict=True))
        ids = log.column("prediction_id").to_pylist()
        kind = pa.float64() if regression else pa.string()
        columns[model.info.target] = pa.array([outcome.get(i) for i in ids], kind)
    return pa.table(columns)


def read_rows(data: Any) -> Any:
    """Labelled rows as a DataFrame: a frame as it is, a file read as ingest reads it."""
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data.reset_index(drop=True)
    path: str | Path = data
    return read_file(path).to_pandas()
