"""Reading insured objects from a spreadsheet: .xlsx (openpyxl) or .csv (UTF-8 or GB18030),
headers in English or Chinese. No database: this module turns a file into rows of field values
and cell problems; the import services (`policies.services.insured`) check the rows the way the
single-object services do and write the report.

Row numbers are the spreadsheet's own (the header is row 1), so the report points at the row
the user sees.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from coverdesk.core.exceptions import ValidationFailed

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5000


class ImportStatus(models.TextChoices):
    CHECKED = "checked", _("Checked, nothing imported")
    REJECTED = "rejected", _("Rejected: some rows are not valid, nothing imported")
    IMPORTED = "imported", _("Imported")
    PARTIAL = "partially_imported", _("Valid rows imported, the others skipped")


class CellError(ValueError):
    def __init__(self, rule: str, message: str | Promise) -> None:
        super().__init__(rule)
        self.rule = rule
        self.message = message


# --- cell converters -----------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


UNIT_SUFFIXES = {"亿": Decimal(100_000_000), "万": Decimal(10_000)}
AMOUNT_NOISE = re.compile(r"[¥￥,，\s]|CNY|RMB|元", re.IGNORECASE)


def amount_cell(value: Any) -> Any:
    """70000000, "70,000,000.00", "¥70000000", "7000万元" and "0.7亿" are all ¥70,000,000.
    Anything else is passed on as text for the service to refuse."""
    if isinstance(value, bool) or value is None:
        return _text(value)
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = AMOUNT_NOISE.sub("", unicodedata.normalize("NFKC", str(value)))
    factor = Decimal(1)
    if text and text[-1] in UNIT_SUFFIXES:
        factor, text = UNIT_SUFFIXES[text[-1]], text[:-1]
    try:
        return Decimal(text) * factor if text else ""
    except InvalidOperation:
        raise CellError("number", _("Enter an amount, e.g. 70000000.00 or 7000万元.")) from None


def integer_cell(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int) else _text(value)


def year_cell(value: Any) -> Any:
    """2016, 2016.0, "2016", "2016年", "2016-05-01" or a date cell: the year."""
    if isinstance(value, (date, datetime)):
        return value.year
    text = unicodedata.normalize("NFKC", _text(value))
    match = re.fullmatch(r"(\d{4})(?:年.*|[-/.]\d{1,2}(?:[-/.]\d{1,2})?)?", text)
    return int(match.group(1)) if match else integer_cell(value)


def seats_cell(value: Any) -> tuple[Any, Any]:
    """ "2/6" (crew/passengers, as in the bid's table) → (2, 6)."""
    text = unicodedata.normalize("NFKC", _text(value))
    match = re.fullmatch(r"\s*(\d+)\s*[/+]\s*(\d+)\s*", text)
    if not match:
        raise CellError("seats_format", _("Write crew and passenger seats as 2/6."))
    return int(match.group(1)), int(match.group(2))


def _mapped(words: dict[str, str]) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        text = unicodedata.normalize("NFKC", _text(value)).lower().replace("_", " ")
        return words.get(text, text)

    return convert


ownership_cell = _mapped(
    {
        "owned": "owned",
        "own": "owned",
        "purchased": "owned",
        "bought": "owned",
        "购买": "owned",
        "自有": "owned",
        "自购": "owned",
        "leased": "leased",
        "lease": "leased",
        "租赁": "leased",
        "租用": "leased",
    }
)

category_cell = _mapped(
    {
        "pilot": "pilot",
        "pilots": "pilot",
        "飞行员": "pilot",
        "机长": "pilot",
        "副驾驶": "pilot",
        "aircrew": "aircrew",
        "air crew": "aircrew",
        "空勤": "aircrew",
        "空勤人员": "aircrew",
        "机组人员": "aircrew",
        "ground crew": "ground_crew",
        "groundcrew": "ground_crew",
        "地勤": "ground_crew",
        "地勤人员": "ground_crew",
        "机务": "ground_crew",
        "机务人员": "ground_crew",
    }
)


def id_number_cell(value: Any) -> Any:
    # An 18-digit number kept as a number in Excel has lost its last digits already.
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        raise CellError(
            "id_number_text",
            _("Keep ID numbers as text in the spreadsheet: as a number it loses digits."),
        )
    return _text(value)


# --- columns -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column the import understands: the field it fills, the headers that name it
    (compared after `header_key`), and how a cell becomes a value."""

    field: str
    headers: tuple[str, ...]
    required: bool = False
    convert: Callable[[Any], Any] = _text
    # A column filling two fields at once (e.g. "2/6" → crew and passenger seats).
    splits: tuple[str, ...] = ()


AIRCRAFT_COLUMNS: tuple[Column, ...] = (
    Column("model", ("model", "aircraft model", "型号", "机型", "航空器型号"), required=True),
    Column("manufacturer", ("manufacturer", "制造商", "生产厂家", "厂家")),
    Column(
        "registration_mark",
        ("registration mark", "registration", "注册号", "注册标志", "国籍登记号", "国籍和登记标志"),
        required=True,
    ),
    Column("serial_number", ("serial number", "msn", "序列号", "出厂序列号", "出厂编号")),
    Column(
        "agreed_value",
        ("agreed value", "协议价值", "约定价值"),
        required=True,
        convert=amount_cell,
    ),
    Column(
        "purchase_year",
        ("year of purchase", "purchase year", "购买时间", "购买年份", "购置年份"),
        required=True,
        convert=year_cell,
    ),
    Column("crew_seats", ("crew seats", "机组座位", "机组座位数", "机组"), convert=integer_cell),
    Column(
        "passenger_seats",
        ("passenger seats", "乘客座位", "乘客座位数", "乘客"),
        convert=integer_cell,
    ),
    Column(
        "seats",
        ("seats", "seats crew/passengers", "载客数量", "座位数"),
        convert=seats_cell,
        splits=("crew_seats", "passenger_seats"),
    ),
    Column(
        "ownership",
        ("ownership", "owned or leased", "所有权", "购买/租赁", "航空器所有权"),
        required=True,
        convert=ownership_cell,
    ),
    Column("notes", ("notes", "备注")),
)

PERSON_COLUMNS: tuple[Column, ...] = (
    Column("name", ("name", "姓名", "被保险人", "被保险人姓名"), required=True),
    Column(
        "id_number",
        ("id number", "id card number", "身份证号", "身份证号码", "证件号码", "公民身份号码"),
        required=True,
        convert=id_number_cell,
    ),
    Column(
        "category",
        ("category", "person category", "人员类别", "类别"),
        required=True,
        convert=category_cell,
    ),
    Column("occupation", ("occupation", "职业", "职务")),
    Column("department", ("department", "部门", "所属部门", "单位")),
    Column("notes", ("notes", "备注")),
)

# Fields that may come from either of two columns: at least one of them must be present.
ALTERNATIVES = {"crew_seats": "seats", "passenger_seats": "seats"}


def header_key(value: Any) -> str:
    """Headers compared loosely: full-width made ASCII, case, '*' marks, bracketed units and
    spacing ignored ("协议价值（元）*" matches "协议价值")."""
    text = unicodedata.normalize("NFKC", _text(value)).lower()
    text = re.sub(r"\([^)]*\)", "", text.replace("*", ""))
    return re.sub(r"[\s_]+", " ", text).strip()


# --- reading -------------------------------------------------------------------------------


@dataclass
class Row:
    number: int
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[str, str, str | Promise]] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)


@dataclass
class Table:
    filename: str
    rows: list[Row]
    headers: dict[str, str]  # field → header as written in the file
    ignored_columns: list[str]

    def column_of(self, field_name: str) -> str:
        if field_name in self.headers:
            return self.headers[field_name]
        alternative = ALTERNATIVES.get(field_name)
        if alternative and alternative in self.headers:
            return self.headers[alternative]
        return field_name


def _file_error(rule: str, message: str | Promise, **params: Any) -> ValidationFailed:
    return ValidationFailed.for_field("file", rule, message, **params)


def _cells_of_csv(content: bytes) -> list[list[Any]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise _file_error("encoding", _("Save the CSV file as UTF-8."))
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""), dialect)]


def _cells_of_xlsx(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise _file_error(
            "unreadable", _("The file is not an Excel workbook (.xlsx) that can be read.")
        ) from None
    try:
        sheet = workbook.worksheets[0]
        return [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _blank(cells: Sequence[Any]) -> bool:
    return all(_text(c) == "" for c in cells)


def table_read(*, content: bytes, filename: str, columns: Sequence[Column]) -> Table:
    """The rows of the file's first sheet as field values. A file that cannot be used as a
    whole (wrong type, unreadable, no header for a required column, no rows, too many rows)
    raises ValidationFailed on the field "file"; problems of single cells are kept per row."""
    if len(content) > MAX_BYTES:
        raise _file_error("too_large", _("The file is larger than 10 MB."))
    lowered = filename.lower()
    if lowered.endswith(".xlsx"):
        cells = _cells_of_xlsx(content)
    elif lowered.endswith(".csv"):
        cells = _cells_of_csv(content)
    else:
        raise _file_error("file_type", _("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))

    numbered = [(n, r) for n, r in enumerate(cells, start=1) if not _blank(r)]
    if not numbered:
        raise _file_error("empty", _("The file is empty."))
    _header_number, header_cells = numbered[0]
    by_key: dict[str, Column] = {}
    for column in columns:
        for header in (*column.headers, column.field):
            by_key[header_key(header)] = column
    positions: dict[int, Column] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    for position, cell in enumerate(header_cells):
        key = header_key(cell)
        if not key:
            continue
        found = by_key.get(key)
        if found is None:
            ignored.append(_text(cell))
            continue
        column = found
        if column.field in headers:
            raise _file_error(
                "duplicate_column",
                _("The columns {first} and {second} both give {field}."),
                first=headers[column.field],
                second=_text(cell),
                field=column.field,
            )
        headers[column.field] = _text(cell)
        positions[position] = column

    present = set(headers) | {f for c in columns if c.field in headers for f in c.splits}
    for column in columns:
        if column.required and column.field not in present:
            raise _file_error(
                "missing_column",
                _("The file has no column {column} (e.g. {headers})."),
                column=column.field,
                headers=" / ".join(column.headers[:3]),
            )
    for needed, alternative in ALTERNATIVES.items():
        known = {c.field for c in columns}
        if needed in known and needed not in present and alternative not in present:
            raise _file_error(
                "missing_column",
                _("The file has no column {column} (e.g. {headers})."),
                column=needed,
                headers=needed.replace("_", " "),
            )

    data = numbered[1:]
    if not data:
        raise _file_error("empty", _("The file has a header but no rows."))
    if len(data) > MAX_ROWS:
        raise _file_error(
            "too_many_rows", _("At most {limit} rows per file; split the file."), limit=MAX_ROWS
        )
    rows = []
    for number, cells_of_row in data:
        row = Row(number=number)
        for position, column in positions.items():
            raw = cells_of_row[position] if position < len(cells_of_row) else None
            try:
                value = column.convert(raw)
            except CellError as error:
                for name in column.splits or (column.field,):
                    row.failed.add(name)
                row.problems.append((column.field, error.rule, error.message))
                continue
            if column.splits:
                for name, part in zip(column.splits, value, strict=True):
                    row.values.setdefault(name, part)
            else:
                row.values[column.field] = value
        rows.append(row)
    return Table(filename=filename, rows=rows, headers=headers, ignored_columns=ignored)


# --- the report ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportIssue:
    row: int
    column: str  # the header as written in the file
    field: str
    rule: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "field": self.field,
            "rule": self.rule,
            "message": self.message,
        }


@dataclass
class ImportReport:
    kind: str  # "aircraft" | "insured_persons"
    filename: str
    total_rows: int
    valid_rows: int
    issues: list[ImportIssue]
    ignored_columns: list[str] = field(default_factory=list)
    status: str = ImportStatus.CHECKED
    skipped_rows: list[int] = field(default_factory=list)
    created_ids: list[int] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return len(self.created_ids)

    @property
    def invalid_rows(self) -> list[int]:
        return sorted({issue.row for issue in self.issues})

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "filename": self.filename,
            "status": self.status,
            "total_rows": self.total_rows,
            "valid_rows": self.valid_rows,
            "imported": self.imported,
            "skipped_rows": self.skipped_rows,
            "ignored_columns": self.ignored_columns,
            "issues": [issue.as_dict() for issue in self.issues],
            "created_ids": self.created_ids,
        }

    def audit_summary(self, created: Sequence[Any], *, valid_rows_only: bool) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "status": self.status,
            "total_rows": self.total_rows,
            "imported": len(created),
            "skipped_rows": self.skipped_rows,
            "valid_rows_only": valid_rows_only,
            "created": list(created),
        }
