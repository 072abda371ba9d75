"""Read the first (or a named) sheet of an Excel workbook into an Arrow table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlwright.core.errors import DataError, EmptyDataError, MalformedDataError
from mlwright.data.source import check_unique_names

if TYPE_CHECKING:
    from pathlib import Path


def read_excel(path: Path, sheet: str | None = None) -> Any:
    """Read one sheet with calamine; the first non-empty row is the header.

    Workbooks are bounded at about a million rows per sheet, so reading in memory is fine.
    Columns holding several Python types (numbers and text) become text.
    """
    import pandas as pd
    import pyarrow as pa
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        msg = f"{path} is not a readable Excel workbook: {exc}"
        raise MalformedDataError(msg, hint="save it again as .xlsx", path=str(path)) from exc
    sheet_name = sheet or book.sheet_names[0]
    if sheet_name not in book.sheet_names:
        msg = f"{path} has no sheet {sheet_name!r}"
        raise DataError(msg, hint=f"sheets: {', '.join(book.sheet_names)}", path=str(path))
    rows = book.get_sheet_by_name(sheet_name).to_python(skip_empty_area=True)
    if len(rows) < 2:
        msg = f"sheet {sheet_name!r} of {path} has no data rows"
        raise EmptyDataError(msg, hint="check the sheet name (--sheet)", path=str(path))
    header = [str(name).strip() or f"column{i}" for i, name in enumerate(rows[0])]
    check_unique_names(header, where=f"{path} sheet {sheet_name!r}")
    frame = pd.DataFrame(rows[1:], columns=header)
    for column in frame.columns:
        frame[column] = _one_type(frame[column])
    return pa.Table.from_pandas(frame, preserve_index=False)


def _one_type(series: Any) -> Any:
    """Empty cells become missing; a column of mixed Python types becomes text."""
    series = series.mask(series.map(lambda v: v == ""))
    kinds = {type(v) for v in series.dropna()}
    if kinds <= {int, float}:
        return series.astype("float64") if float in kinds else series
    if len(kinds) > 1:
        return series.map(lambda v: None if v is None or v != v else str(v))
    return series
