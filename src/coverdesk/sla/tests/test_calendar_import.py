"""Importing day overrides: file shapes, line-numbered errors, all or nothing."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection

from coverdesk.audit.models import AuditEntry
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.sla.models import Calendar, CalendarDay, CalendarVersion
from coverdesk.sla.selectors.calendars import calendar_deadline, calendar_version_current
from coverdesk.sla.services.calendars import (
    CalendarImportRow,
    calendar_day_set,
    calendar_import,
    calendar_import_parse,
)
from coverdesk.sla.tests.test_engine_reference import at

NOTICE_2027_CSV = """\
# 2027 notice (illustrative): Spring Festival
date,kind,windows,note
2027-02-06,holiday,,春节
2027-02-08,holiday
2027-02-09,holiday

2027-02-14,adjusted_working_day,,调休上班
2027-02-20,adjusted_working_day,09:00-12:00;13:00-17:00
2027-12-31,custom_hours,08:30-12:00,New Year's Eve half day
"""

NOTICE_2027_YAML = """\
# 2027 notice (illustrative)
- date: 2027-02-08
  kind: holiday
  note: 春节
- {date: 2027-02-14, kind: adjusted_working_day}
- date: "2027-12-31"
  kind: custom_hours
  windows: ["08:30-12:00"]
- date: 2027-02-20
  kind: adjusted_working_day
  windows: [["09:00", "12:00"], ["13:00", "17:00"]]
"""


def snapshot():
    calendar = Calendar.objects.get(code="cn-mainland")
    return (
        calendar.current_version_id,
        CalendarVersion.objects.filter(calendar=calendar).count(),
        AuditEntry.objects.count(),
    )


def test_csv_rows_keep_their_line_numbers():
    rows = calendar_import_parse(content=NOTICE_2027_CSV, file_format="csv")
    assert [(r.line, r.date, r.kind, r.windows, r.note) for r in rows] == [
        (3, "2027-02-06", "holiday", "", "春节"),
        (4, "2027-02-08", "holiday", "", ""),
        (5, "2027-02-09", "holiday", "", ""),
        (7, "2027-02-14", "adjusted_working_day", "", "调休上班"),
        (8, "2027-02-20", "adjusted_working_day", "09:00-12:00;13:00-17:00", ""),
        (9, "2027-12-31", "custom_hours", "08:30-12:00", "New Year's Eve half day"),
    ]


def test_yaml_rows_keep_their_line_numbers():
    rows = calendar_import_parse(content=NOTICE_2027_YAML, file_format="yaml")
    assert [(r.line, r.date, r.kind) for r in rows] == [
        (2, date(2027, 2, 8), "holiday"),
        (5, date(2027, 2, 14), "adjusted_working_day"),
        (6, "2027-12-31", "custom_hours"),
        (9, date(2027, 2, 20), "adjusted_working_day"),
    ]


@pytest.mark.parametrize(
    ("content", "file_format", "field"),
    [
        ("2027-01-01,holiday\n2027-01-02\n", "csv", "line 2"),
        ("2027-01-01,holiday,,note,extra\n", "csv", "line 1"),
        ("- date: 2027-01-01\n  kind: holiday\n- date: [2027\n", "yaml", "line 4"),
        ("date: 2027-01-01\n", "yaml", "line 1"),
        ("- date: 2027-01-01\n  kind: holiday\n- 2027-01-02\n", "yaml", "line 3"),
        ("- date: 2027-01-01\n  kind: holiday\n  colour: red\n", "yaml", "line 1"),
    ],
)
def test_files_of_the_wrong_shape_name_the_line(content, file_format, field):
    with pytest.raises(ValidationFailed) as caught:
        calendar_import_parse(content=content, file_format=file_format)
    assert [f.field for f in caught.value.fields] == [field]


def test_an_unknown_format_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        calendar_import_parse(content="", file_format="xlsx")
    assert caught.value.fields[0].field == "format"


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["csv", "yaml"])
def test_an_import_makes_one_version_with_every_row(role_user, file_format):
    admin = role_user("admin")
    content = NOTICE_2027_CSV if file_format == "csv" else NOTICE_2027_YAML
    rows = calendar_import_parse(content=content, file_format=file_format)
    v2 = calendar_import(
        calendar_code="cn-mainland",
        rows=rows,
        acting_user=admin,
        published_through=date(2027, 12, 31),
        note="2027 notice",
    )
    assert (v2.number, v2.published_through, v2.note) == (2, date(2027, 12, 31), "2027 notice")
    days = {d.date: d for d in CalendarDay.objects.filter(version=v2, date__year=2027)}
    assert len(days) == len(rows)
    assert days[date(2027, 2, 20)].windows == [["09:00", "12:00"], ["13:00", "17:00"]]
    assert days[date(2027, 12, 31)].kind == "custom_hours"
    # 2026 data came along unchanged.
    assert CalendarDay.objects.filter(version=v2, date__year=2026).count() == 28
    # Deadlines in 2027 now use the notice and are final.
    deadline = calendar_deadline(
        code="cn-mainland", start=at(2027, 2, 5, 10), amount=1, unit="working_days"
    )
    assert deadline.provisional is False
    entry = AuditEntry.objects.order_by("-sequence").first()
    assert entry.action == "sla.calendar.import"
    assert entry.after["version"] == 2
    assert entry.after["rows"] == len(rows)
    assert entry.after["published_through"] == "2027-12-31"


@pytest.mark.django_db
def test_every_bad_line_is_named_and_nothing_is_imported(role_user):
    admin = role_user("admin")
    content = """\
date,kind,windows
2027-02-08,holiday
2027-02-30,holiday
2027-02-10,festival
2027-02-11,custom_hours,8-12
2027-02-12,custom_hours
2027-02-13,holiday,09:00-10:00
2027-02-15,adjusted_working_day
2027-02-08,closure
"""
    before = snapshot()
    with pytest.raises(ValidationFailed) as caught:
        calendar_import(
            calendar_code="cn-mainland",
            rows=calendar_import_parse(content=content, file_format="csv"),
            acting_user=admin,
        )
    assert [(f.field, f.rule) for f in caught.value.fields] == [
        ("line 3: date", "invalid"),
        ("line 4: kind", "invalid"),
        ("line 5: windows", "invalid"),
        ("line 6: windows", "required"),
        ("line 7: windows", "not_allowed"),
        ("line 8: kind", "already_working"),
        ("line 9: date", "duplicate"),
    ]
    assert "line 2" in str(caught.value.fields[-1].message)
    assert caught.value.message == "7 problems in the import; nothing was imported."
    assert snapshot() == before


@pytest.mark.django_db
def test_rows_may_be_plain_mappings_numbered_from_one(role_user):
    admin = role_user("admin")
    with pytest.raises(ValidationFailed) as caught:
        calendar_import(
            calendar_code="cn-mainland",
            rows=[{"date": "2027-02-08", "kind": "holiday"}, {"date": "nope", "kind": "holiday"}],
            acting_user=admin,
        )
    assert [f.field for f in caught.value.fields] == ["line 2: date"]


@pytest.mark.django_db
def test_an_empty_import_is_refused(role_user):
    admin = role_user("admin")
    before = snapshot()
    with pytest.raises(ValidationFailed) as caught:
        calendar_import(calendar_code="cn-mainland", rows=[], acting_user=admin)
    assert caught.value.fields[0].field == "rows"
    assert snapshot() == before


@pytest.mark.django_db
def test_importing_what_is_there_already_changes_nothing(role_user):
    rows = [CalendarImportRow(1, "2026-10-01", "holiday", None, "国庆节")]
    before = snapshot()
    version = calendar_import(calendar_code="cn-mainland", rows=rows, acting_user=None)
    assert version.pk == before[0]
    assert snapshot() == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_each_get_their_own_version_and_lose_nothing():
    barrier = threading.Barrier(2)
    errors = []

    def edit(day):
        try:
            barrier.wait(timeout=10)
            calendar_day_set(calendar_code="cn-mainland", day=day, kind="closure", acting_user=None)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()  # this thread's own connection

    threads = [
        threading.Thread(target=edit, args=(day,)) for day in (date(2026, 3, 6), date(2026, 3, 13))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [str(e) for e in errors] == []
    current = calendar_version_current(code="cn-mainland")
    assert current.number == 3
    closures = CalendarDay.objects.filter(version=current, kind="closure")
    assert sorted(closures.values_list("date", flat=True)) == [date(2026, 3, 6), date(2026, 3, 13)]
