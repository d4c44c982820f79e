"""The generic Excel writer: values, formats, header, widths, sheet title, text never a
formula."""

import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from coverdesk.reports.exports import Column, xlsx_table


def _sheet(content):
    return load_workbook(io.BytesIO(content)).active


def test_values_and_formats_by_column():
    content = xlsx_table(
        ["名称", Column("Count"), Column("Rate", "percent"), "Amount", "Day", "At"],
        [
            [
                "理赔部",
                1234,
                Decimal("0.8125"),
                Decimal("1234.5"),
                date(2026, 11, 6),
                datetime(2026, 11, 6, 1, 30, tzinfo=ZoneInfo("UTC")),
            ],
            ["Claims", 0, None, Decimal("-2"), None, None],
        ],
        sheet_title="KPIs 2026-11",
    )

    sheet = _sheet(content)
    assert sheet.title == "KPIs 2026-11"
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["名称", "Count", "Rate", "Amount", "Day", "At"],
        [
            "理赔部",
            1234,
            0.8125,
            1234.5,
            datetime(2026, 11, 6),
            datetime(2026, 11, 6, 9, 30),  # Asia/Shanghai wall clock
        ],
        ["Claims", 0, None, -2, None, None],
    ]
    number_formats = [cell.number_format for cell in sheet[2]]
    assert number_formats == [
        "General",
        "#,##0",
        "0.00%",
        "#,##0.00",
        "yyyy-mm-dd",
        "yyyy-mm-dd hh:mm:ss",
    ]
    assert [cell.font.b for cell in sheet[1]] == [True] * 6
    assert [cell.font.b for cell in sheet[2]] == [False] * 6
    assert sheet.freeze_panes == "A2"


def test_column_widths_fit_the_content():
    content = xlsx_table(
        ["a", "b", Column("c", width=30)],
        [["理赔部门负责人", "x" * 100, 1]],
        sheet_title="w",
    )

    widths = _sheet(content).column_dimensions
    # 7 CJK characters count 14, plus 2; long text is capped at 60; explicit width kept.
    assert (widths["A"].width, widths["B"].width, widths["C"].width) == (16, 60, 30)


def test_text_that_looks_like_a_formula_stays_text():
    content = xlsx_table(["name"], [['=HYPERLINK("http://x")'], ["+1"]], sheet_title="t")

    sheet = _sheet(content)
    assert [(c.value, c.data_type) for c in sheet["A"]][1:] == [
        ('=HYPERLINK("http://x")', "s"),
        ("+1", "s"),
    ]


@pytest.mark.parametrize(
    ("title", "expected"),
    [("a/b:c*d?[e]\\", "a-b-c-d--e--"), ("", "Sheet1"), ("x" * 40, "x" * 31)],
)
def test_sheet_titles_are_made_valid(title, expected):
    assert _sheet(xlsx_table(["a"], [], sheet_title=title)).title == expected


def test_a_row_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="row 2 has 1 values for 2 columns"):
        xlsx_table(["a", "b"], [[1]], sheet_title="t")
