"""Bulk import of aircraft and insured persons from real .xlsx and .csv files."""

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook

from coverdesk.accounts.tests.factories import make_user
from coverdesk.audit.models import AuditEntry
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.policies import imports
from coverdesk.policies.access.insured import InsuredObjectsPermissionDenied
from coverdesk.policies.demo import demo_id_number
from coverdesk.policies.models.insured import (
    Aircraft,
    AircraftChange,
    InsuredPerson,
    InsuredPersonChange,
)
from coverdesk.policies.services.insured import aircraft_import, insured_persons_import
from coverdesk.policies.tests.insured_factories import (
    ID_PILOT,
    NOW,
    WRITE_PERMISSIONS,
    grant,
    make_aircraft,
    make_insured_clerk,
    make_insured_person,
    make_police,
)

pytestmark = pytest.mark.django_db

# The bid's own table (seed 003), headers and cells as written there.
BID_HEADERS = [
    "型号",
    "注册号",
    "序列号",
    "协议价值",
    "购买时间",
    "载客数量（机组/乘客）",
    "购买/租赁",
]
BID_ROWS = [
    ["H145", "4401120088", "", "7000万元", 2016, "2/6", "购买"],
    ["H145", "4401220255", "", "7000万元", 2019, "2/6", "购买"],
    ["H175", "4401350701", "", "7000万元", 2024, "2/16", "购买"],
]
EN_HEADERS = [
    "Model",
    "Registration mark",
    "Agreed value",
    "Year of purchase",
    "Crew seats",
    "Passenger seats",
    "Ownership",
]

ID_A = demo_id_number(date(1984, 7, 2), 13)
ID_B = demo_id_number(date(1986, 1, 25), 22)
ID_C = demo_id_number(date(1979, 6, 11), 31)


def xlsx(headers, rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(headers, rows, encoding="utf-8"):
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    writer.writerows(rows)
    return text.getvalue().encode(encoding)


def counts():
    return (
        Aircraft.objects.count(),
        AircraftChange.objects.count(),
        InsuredPerson.objects.count(),
        InsuredPersonChange.objects.count(),
        AuditEntry.objects.count(),
    )


def issues(report):
    return [(i.row, i.column, i.rule) for i in report.issues]


@pytest.fixture
def clerk():
    return make_insured_clerk()


@pytest.fixture
def police():
    return make_police()


def import_aircraft(clerk, police, content, filename="fleet.xlsx", **kwargs):
    return aircraft_import(
        acting_user=clerk,
        customer_id=police.pk,
        content=content,
        filename=filename,
        now=NOW,
        **kwargs,
    )


def import_persons(clerk, police, content, filename="crew.xlsx", **kwargs):
    return insured_persons_import(
        acting_user=clerk,
        customer_id=police.pk,
        content=content,
        filename=filename,
        now=NOW,
        **kwargs,
    )


# --- aircraft ------------------------------------------------------------------------------


def test_the_bid_s_fleet_table_imports_from_xlsx_with_chinese_headers(clerk, police):
    entries = AuditEntry.objects.count()

    report = import_aircraft(clerk, police, xlsx(BID_HEADERS, BID_ROWS))

    assert (report.status, report.total_rows, report.valid_rows, report.imported) == (
        "imported",
        3,
        3,
        3,
    )
    assert report.issues == []
    fleet = Aircraft.objects.filter(customer=police).order_by("registration_mark")
    assert [
        (
            a.model,
            a.registration_mark,
            a.agreed_value,
            a.purchase_year,
            a.crew_seats,
            a.passenger_seats,
            a.ownership,
        )
        for a in fleet
    ] == [
        ("H145", "4401120088", 70_000_000, 2016, 2, 6, "owned"),
        ("H145", "4401220255", 70_000_000, 2019, 2, 6, "owned"),
        ("H175", "4401350701", 70_000_000, 2024, 2, 16, "owned"),
    ]
    assert report.created_ids == [a.pk for a in Aircraft.objects.order_by("pk")]
    assert set(AircraftChange.objects.values_list("action", flat=True)) == {"imported"}
    assert AircraftChange.objects.count() == 3
    # one audit entry for the whole import, on the customer
    assert AuditEntry.objects.count() == entries + 1
    entry = AuditEntry.objects.order_by("sequence").last()
    assert (entry.action, entry.subject_type, entry.subject_id, entry.actor_id) == (
        "aircraft.import",
        "parties.party",
        str(police.pk),
        clerk.pk,
    )
    assert entry.after == {
        "filename": "fleet.xlsx",
        "status": "imported",
        "total_rows": 3,
        "imported": 3,
        "skipped_rows": [],
        "valid_rows_only": False,
        "created": ["4401120088", "4401220255", "4401350701"],
    }


def test_english_headers_from_a_utf8_csv(clerk, police):
    content = csv_bytes(
        EN_HEADERS,
        [["H145", "B-7188", "70,000,000.00", "2016", "2", "6", "leased"]],
    )

    report = import_aircraft(clerk, police, content, filename="FLEET.CSV")

    assert report.status == "imported"
    aircraft = Aircraft.objects.get()
    assert (aircraft.registration_mark, aircraft.agreed_value, aircraft.ownership) == (
        "B-7188",
        70_000_000,
        "leased",
    )


def test_chinese_headers_from_a_gb18030_csv_as_excel_saves_it(clerk, police):
    headers = [
        "型号*",
        "注册号*",
        "协议价值（元）",
        "购买年份",
        "机组座位",
        "乘客座位",
        "所有权",
        "备注",
    ]
    rows = [["H135", "B-7201", "¥35000000", "2018年", "1", "5", "租赁", "巡逻用"]]

    report = import_aircraft(
        clerk, police, csv_bytes(headers, rows, encoding="gb18030"), filename="机队.csv"
    )

    assert report.status == "imported"
    aircraft = Aircraft.objects.get()
    assert (aircraft.model, aircraft.agreed_value, aircraft.purchase_year, aircraft.notes) == (
        "H135",
        35_000_000,
        2018,
        "巡逻用",
    )


BAD_ROWS = [
    ["H145", "4401120088", "", "-7000万元", 2016, "2/6", "购买"],  # row 2: negative value
    ["H145", "4401220255", "", "7000万元", 2030, "2/6", "购买"],  # row 3: year in the future
    ["H175", "4401350701", "", "7000万元", 2024, "2/16", "购买"],  # row 4: valid
    ["H175", "4401350701", "", "7000万元", 2024, "two", "出借"],  # row 5: duplicate, bad
]


def test_a_file_with_bad_rows_is_rejected_whole_with_a_row_by_row_report(clerk, police):
    before = counts()

    report = import_aircraft(clerk, police, xlsx(BID_HEADERS, BAD_ROWS))

    assert (report.status, report.total_rows, report.valid_rows, report.imported) == (
        "rejected",
        4,
        1,
        0,
    )
    assert issues(report) == [
        (2, "协议价值", "positive"),
        (3, "购买时间", "range"),
        (5, "载客数量（机组/乘客）", "seats_format"),
        (5, "购买/租赁", "choice"),
        (5, "注册号", "duplicate_in_file"),
    ]
    assert report.issues[0].message == "The amount must be more than zero."
    assert report.issues[-1].message == "The same value is already in row 4."
    assert report.invalid_rows == [2, 3, 5]
    assert counts() == before


def test_valid_rows_only_imports_the_good_rows_and_names_the_skipped_ones(clerk, police):
    report = import_aircraft(clerk, police, xlsx(BID_HEADERS, BAD_ROWS), valid_rows_only=True)

    assert (report.status, report.imported, report.skipped_rows) == (
        "partially_imported",
        1,
        [2, 3, 5],
    )
    assert list(Aircraft.objects.values_list("registration_mark", flat=True)) == ["4401350701"]
    entry = AuditEntry.objects.order_by("sequence").last()
    assert (entry.action, entry.after["valid_rows_only"], entry.after["skipped_rows"]) == (
        "aircraft.import",
        True,
        [2, 3, 5],
    )


def test_a_dry_run_checks_and_changes_nothing(clerk, police):
    before = counts()

    report = import_aircraft(clerk, police, xlsx(BID_HEADERS, BID_ROWS), dry_run=True)

    assert (report.status, report.valid_rows, report.imported) == ("checked", 3, 0)
    assert counts() == before


def test_a_mark_already_on_the_register_is_reported(clerk, police):
    make_aircraft(clerk, police, registration_mark="4401220255")

    report = import_aircraft(clerk, police, xlsx(BID_HEADERS, BID_ROWS))

    assert issues(report) == [(3, "注册号", "unique")]
    assert report.status == "rejected"
    assert Aircraft.objects.count() == 1


def test_blank_rows_are_skipped_and_row_numbers_are_the_spreadsheet_s(clerk, police):
    rows = [BID_ROWS[0], [None] * 7, ["H145", "", "", "7000万元", 2019, "2/6", "购买"]]

    report = import_aircraft(clerk, police, xlsx(BID_HEADERS, rows))

    assert report.total_rows == 2
    assert issues(report) == [(4, "注册号", "required")]


def test_unknown_columns_are_ignored_and_named(clerk, police):
    headers = [*BID_HEADERS, "颜色"]
    report = import_aircraft(clerk, police, xlsx(headers, [[*BID_ROWS[0], "白"]]))
    assert (report.status, report.ignored_columns) == ("imported", ["颜色"])


@pytest.mark.parametrize(
    ("content", "filename", "rule"),
    [
        (b"model,registration mark\n", "fleet.txt", "file_type"),
        (b"this is not a zip file", "fleet.xlsx", "unreadable"),
        (b"", "fleet.csv", "empty"),
        (csv_bytes(BID_HEADERS, []), "fleet.csv", "empty"),
        (
            csv_bytes(["型号", "注册号", "协议价值"], [["H145", "B-1", "1"]]),
            "fleet.csv",
            "missing_column",
        ),
        (
            csv_bytes([*BID_HEADERS, "Registration mark"], [[*BID_ROWS[0], "X"]]),
            "fleet.csv",
            "duplicate_column",
        ),
    ],
)
def test_a_file_that_cannot_be_used_is_refused_as_a_whole(clerk, police, content, filename, rule):
    before = counts()

    with pytest.raises(ValidationFailed) as caught:
        import_aircraft(clerk, police, content, filename=filename)

    assert [(f.field, f.rule) for f in caught.value.fields] == [("file", rule)]
    assert counts() == before


def test_a_missing_required_column_is_named(clerk, police):
    headers = [h for h in BID_HEADERS if h != "协议价值"]
    rows = [[c for h, c in zip(BID_HEADERS, BID_ROWS[0], strict=True) if h != "协议价值"]]
    with pytest.raises(ValidationFailed) as caught:
        import_aircraft(clerk, police, xlsx(headers, rows))
    assert caught.value.message == (
        "file: The file has no column agreed_value (e.g. agreed value / 协议价值 / 约定价值)."
    )


def test_seats_need_a_combined_column_or_both_columns(clerk, police):
    headers = ["型号", "注册号", "协议价值", "购买时间", "机组座位", "购买/租赁"]
    with pytest.raises(ValidationFailed) as caught:
        import_aircraft(clerk, police, xlsx(headers, [["H145", "B-1", 1, 2016, 2, "购买"]]))
    assert [(f.field, f.rule) for f in caught.value.fields] == [("file", "missing_column")]


def test_too_many_rows(clerk, police, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    with pytest.raises(ValidationFailed) as caught:
        import_aircraft(clerk, police, xlsx(BID_HEADERS, BID_ROWS))
    assert [(f.field, f.rule) for f in caught.value.fields] == [("file", "too_many_rows")]


def test_importing_needs_the_import_permission(role_user, police):
    # an agent granted the add permissions, but not the import permission
    adder = grant(
        make_user("agent"),
        *(p for p in WRITE_PERMISSIONS if p != "policies.import_insured_objects"),
    )
    before = counts()

    for user in (None, role_user("agent"), adder):
        with pytest.raises(InsuredObjectsPermissionDenied):
            import_aircraft(user, police, xlsx(BID_HEADERS, BID_ROWS))
        with pytest.raises(InsuredObjectsPermissionDenied):
            import_persons(user, police, xlsx(["姓名", "身份证号", "人员类别"], []))

    assert counts() == before


def test_an_unknown_customer_is_refused(clerk):
    with pytest.raises(ValidationFailed) as caught:
        aircraft_import(
            acting_user=clerk,
            customer_id=999999,
            content=xlsx(BID_HEADERS, BID_ROWS),
            filename="fleet.xlsx",
        )
    assert [(f.field, f.rule) for f in caught.value.fields] == [("customer", "unknown")]


# --- insured persons -----------------------------------------------------------------------

PERSON_HEADERS = ["姓名", "身份证号", "人员类别", "职务", "所属部门"]


def test_insured_persons_import_from_xlsx_with_chinese_headers(clerk, police):
    rows = [
        ["陈翔（演示）", ID_A, "飞行员", "机长", "飞行大队"],
        ["周明（演示）", ID_B.lower(), "空勤人员", "空中观察员", "空勤中队"],
        ["黄志刚（演示）", ID_C, "地勤人员", "机务工程师", "机务保障中队"],
    ]

    report = import_persons(clerk, police, xlsx(PERSON_HEADERS, rows))

    assert (report.status, report.imported) == ("imported", 3)
    persons = InsuredPerson.objects.order_by("birth_date")
    assert [(p.name, p.id_number, p.category, p.department) for p in persons] == [
        ("黄志刚（演示）", ID_C, "ground_crew", "机务保障中队"),
        ("陈翔（演示）", ID_A, "pilot", "飞行大队"),
        ("周明（演示）", ID_B, "aircrew", "空勤中队"),
    ]
    assert set(InsuredPersonChange.objects.values_list("action", flat=True)) == {"imported"}
    entry = AuditEntry.objects.order_by("sequence").last()
    assert (entry.action, entry.after["imported"], entry.after["created"]) == (
        "insured_person.import",
        3,
        report.created_ids,
    )


def test_insured_persons_from_an_english_csv(clerk, police):
    content = csv_bytes(
        ["Name", "ID number", "Category", "Occupation", "Department"],
        [["Test Pilot (demo)", ID_A, "Pilot", "captain", "flight"]],
    )
    report = import_persons(clerk, police, content, filename="crew.csv")
    assert report.status == "imported"
    assert InsuredPerson.objects.get().category == "pilot"


def test_bad_person_rows_are_reported_without_showing_id_numbers(clerk, police):
    make_insured_person(clerk, police)  # ID_PILOT is on the customer's list already
    wrong_check = ID_A[:-1] + ("0" if ID_A[-1] != "0" else "1")
    rows = [
        ["甲（演示）", wrong_check, "飞行员", "", ""],  # 2: checksum
        ["乙（演示）", ID_PILOT, "飞行员", "", ""],  # 3: already insured
        ["丙（演示）", 440199198601250221, "空勤", "", ""],  # 4: a number cell
        ["丁（演示）", ID_B, "厨师", "", ""],  # 5: category
        ["戊（演示）", ID_C, "地勤", "", ""],  # 6: valid
        ["", ID_C, "地勤", "", ""],  # 7: no name, duplicate of row 6
    ]
    before = counts()

    report = import_persons(clerk, police, xlsx(PERSON_HEADERS, rows))

    assert report.status == "rejected"
    assert issues(report) == [
        (2, "身份证号", "id_number_checksum"),
        (3, "身份证号", "unique"),
        (4, "身份证号", "id_number_text"),
        (5, "人员类别", "choice"),
        (7, "姓名", "required"),
        (7, "身份证号", "duplicate_in_file"),
    ]
    assert counts() == before
    text = json.dumps(report.as_dict(), ensure_ascii=False)
    for number in (wrong_check, ID_PILOT, ID_B, ID_C):
        assert number not in text

    partial = import_persons(clerk, police, xlsx(PERSON_HEADERS, rows), valid_rows_only=True)

    assert (partial.imported, partial.skipped_rows) == (1, [2, 3, 4, 5, 7])
    assert InsuredPerson.objects.filter(customer=police).count() == 2
    audit_text = json.dumps(
        list(AuditEntry.objects.values("before", "after")), ensure_ascii=False, default=str
    )
    history_text = json.dumps(
        list(InsuredPersonChange.objects.values("before", "after")), ensure_ascii=False
    )
    assert ID_C not in audit_text and ID_C not in history_text


# --- cell conversions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        (70000000, Decimal("70000000")),
        (70000000.0, Decimal("70000000.0")),
        ("70,000,000.00", Decimal("70000000.00")),
        ("¥70000000", Decimal("70000000")),
        ("￥ 70 000 000 元", Decimal("70000000")),
        ("7000万元", Decimal("70000000")),
        ("0.7亿", Decimal("70000000.0")),
        ("-7000万", Decimal("-70000000")),
        ("", ""),
        (None, ""),
    ],
)
def test_amount_cells(cell, value):
    assert imports.amount_cell(cell) == value


def test_an_amount_cell_that_is_not_a_number():
    with pytest.raises(imports.CellError) as caught:
        imports.amount_cell("七千万")
    assert caught.value.rule == "number"


@pytest.mark.parametrize(
    ("cell", "year"),
    [
        (2016, 2016),
        (2016.0, 2016),
        ("2016", 2016),
        ("2016年", 2016),
        ("2016-05-01", 2016),
        (date(2019, 3, 1), 2019),
        ("去年", "去年"),
    ],
)
def test_year_cells(cell, year):
    assert imports.year_cell(cell) == year


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("协议价值（元）*", "协议价值"),
        ("Registration_Mark", "registration mark"),
        ("  Agreed  value (CNY) ", "agreed value"),
        ("载客数量（机组/乘客）", "载客数量"),
    ],
)
def test_headers_match_loosely(header, key):
    assert imports.header_key(header) == key


def test_a_semicolon_csv_is_read(clerk, police):
    content = "\r\n".join([";".join(EN_HEADERS), "H145;B-7301;70000000;2016;2;6;owned"]).encode()
    report = import_aircraft(clerk, police, content, filename="fleet.csv")
    assert (report.status, Aircraft.objects.get().registration_mark) == ("imported", "B-7301")


def test_valid_rows_only_with_no_valid_row_is_a_rejection(clerk, police):
    before = counts()
    report = import_aircraft(clerk, police, xlsx(BID_HEADERS, [BAD_ROWS[0]]), valid_rows_only=True)
    assert (report.status, report.imported, issues(report)) == (
        "rejected",
        0,
        [(2, "协议价值", "positive")],
    )
    assert counts() == before
