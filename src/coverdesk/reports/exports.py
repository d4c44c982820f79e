"""A small, generic Excel writer: one sheet, a bold header row, number formats by column and
column widths that fit the content (CJK characters count double)."""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

__all__ = ["XLSX_CONTENT_TYPE", "Column", "ColumnKind", "xlsx_table"]

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ColumnKind = Literal["auto", "text", "integer", "decimal", "percent", "date", "datetime"]
NUMBER_FORMATS: dict[str, str] = {
    "integer": "#,##0",
    "decimal": "#,##0.00",
    "percent": "0.00%",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
}
MIN_WIDTH = 8
MAX_WIDTH = 60
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Column:
    """A column's title and how its values are shown. "auto" picks the format from the value
    (int: integer, Decimal/float: decimal, date, datetime); "percent" shows 0.8125 as 81.25 %."""

    title: str
    kind: ColumnKind = "auto"
    width: float | None = None  # None: fitted to the content


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "text"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, Decimal | float):
        return "decimal"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    return "text"


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _cell_value(value: Any) -> Any:
    if isinstance(value, datetime):
        # Excel has no time zones: an instant is written as the local wall-clock time.
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, bool):
        return str(value).lower()
    return value


def _shown(value: Any, kind: str) -> str:
    """Roughly what Excel shows, to size the column."""
    if value is None:
        return ""
    if kind == "percent" and isinstance(value, Decimal | float | int):
        return f"{float(value) * 100:.2f}%"
    if kind in ("decimal",) and isinstance(value, Decimal | float | int):
        return f"{float(value):,.2f}"
    if kind == "integer" and isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, datetime):
        return "0000-00-00 00:00:00"
    if isinstance(value, date):
        return "0000-00-00"
    return str(value)


def sheet_title_clean(title: str) -> str:
    cleaned = _SHEET_TITLE_FORBIDDEN.sub("-", title).strip().strip("'")
    return cleaned[:31] or "Sheet1"


def xlsx_table(
    headers: Sequence[str | Column], rows: Iterable[Sequence[Any]], *, sheet_title: str
) -> bytes:
    """An .xlsx workbook of one sheet: the header row in bold and frozen, one row per item.
    Text is always stored as text (a value starting with "=" never becomes a formula)."""
    columns = [h if isinstance(h, Column) else Column(str(h)) for h in headers]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = sheet_title_clean(sheet_title)
    widths = [_display_width(column.title) for column in columns]
    bold = Font(bold=True)
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.title)
        cell.font = bold
        cell.data_type = "s"
    row_number = 1
    for row in rows:
        row_number += 1
        if len(row) != len(columns):
            raise ValueError(f"row {row_number} has {len(row)} values for {len(columns)} columns")
        for index, (column, value) in enumerate(zip(columns, row, strict=True), start=1):
            kind = _kind_of(value) if column.kind == "auto" else column.kind
            cell = sheet.cell(row=row_number, column=index, value=_cell_value(value))
            if isinstance(value, str):
                cell.data_type = "s"
            elif value is not None and kind in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[kind]
            widths[index - 1] = max(widths[index - 1], _display_width(_shown(value, kind)))
    for index, column in enumerate(columns, start=1):
        width = column.width or min(MAX_WIDTH, max(MIN_WIDTH, widths[index - 1] + 2))
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
