"""`coverdesk calendar import|show|list`."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from coverdesk.audit.models import AuditEntry
from coverdesk.sla.models import CalendarDay, CalendarVersion
from coverdesk.sla.selectors.calendars import calendar_version_current

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("calendar", *args, stdout=out, stderr=err)
    return out.getvalue().splitlines(), err.getvalue().splitlines()


def test_import_a_csv_notice_and_publish_the_year(tmp_path, role_user):
    admin = role_user("admin", username="calendar-admin")
    notice = tmp_path / "notice-2027.csv"
    notice.write_text(
        "date,kind,windows,note\n2027-02-08,holiday,,春节\n2027-02-14,adjusted_working_day\n",
        encoding="utf-8",
    )
    out, _ = run(
        "import",
        str(notice),
        "--calendar",
        "cn-mainland",
        "--published-through",
        "2027-12-31",
        "--user",
        "calendar-admin",
    )
    assert out == ["cn-mainland: imported 2 days as version 2, published through 2027-12-31"]
    version = calendar_version_current(code="cn-mainland")
    assert (version.number, version.created_by, version.published_through) == (
        2,
        admin,
        date(2027, 12, 31),
    )
    assert CalendarDay.objects.get(version=version, date=date(2027, 2, 8)).note == "春节"


def test_import_yaml_by_its_extension(tmp_path):
    notice = tmp_path / "notice.yml"
    notice.write_text("- date: 2027-02-08\n  kind: holiday\n", encoding="utf-8")
    out, _ = run("import", str(notice), "--calendar", "cn-mainland")
    assert out == ["cn-mainland: imported 1 days as version 2, published through 2026-12-31"]


def test_a_bad_file_exits_2_naming_each_line_and_imports_nothing(tmp_path):
    notice = tmp_path / "notice.csv"
    notice.write_text(
        "2027-02-08,holiday\n2027-02-31,holiday\n2027-02-10,feast\n", encoding="utf-8"
    )
    versions, audit = CalendarVersion.objects.count(), AuditEntry.objects.count()
    err = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("calendar", "import", str(notice), "--calendar", "cn-mainland", stderr=err)
    assert caught.value.returncode == 2
    assert str(caught.value) == "2 problems in the import; nothing was imported."
    lines = err.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == ["line 2", "line 3"]
    assert lines[0].startswith("line 2: date: ")
    assert lines[1].startswith("line 3: kind: ")
    assert (CalendarVersion.objects.count(), AuditEntry.objects.count()) == (versions, audit)


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--calendar", "cn-mainland", "--format", "csv", "MISSING"], "file"),
        (["--calendar", "cn-mainland", "NOTICE.txt"], "--format"),
        (
            ["--calendar", "cn-mainland", "--published-through", "2027-13-01", "NOTICE.csv"],
            "--published-through",
        ),
        (["--calendar", "cn-mainland", "--user", "nobody", "NOTICE.csv"], "--user"),
    ],
)
def test_bad_arguments_exit_2_naming_them(tmp_path, args, named):
    for name in ("NOTICE.txt", "NOTICE.csv"):
        (tmp_path / name).write_text("2027-02-08,holiday\n", encoding="utf-8")
    args = [str(tmp_path / a) if a.startswith(("NOTICE", "MISSING")) else a for a in args]
    with pytest.raises(CommandError) as caught:
        run("import", *args)
    assert caught.value.returncode == 2
    assert str(caught.value).startswith(f"{named}: ")
    assert CalendarVersion.objects.filter(calendar__code="cn-mainland").count() == 1


def test_import_into_an_unknown_calendar_exits_2(tmp_path):
    notice = tmp_path / "notice.csv"
    notice.write_text("2027-02-08,holiday\n", encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        run("import", str(notice), "--calendar", "atlantis")
    assert caught.value.returncode == 2
    assert str(caught.value) == "--calendar: No business calendar has the code atlantis."


def test_show_lists_the_week_and_a_year_of_overrides():
    out, _ = run("show", "--calendar", "cn-mainland", "--year", "2026")
    assert out[0] == "cn-mainland version 1 (Asia/Shanghai), published through 2026-12-31"
    assert out[1:8] == [
        "  Mon 08:30-12:00 13:30-17:30",
        "  Tue 08:30-12:00 13:30-17:30",
        "  Wed 08:30-12:00 13:30-17:30",
        "  Thu 08:30-12:00 13:30-17:30",
        "  Fri 08:30-12:00 13:30-17:30",
        "  Sat closed",
        "  Sun closed",
    ]
    days = out[8:]
    assert len(days) == 28  # 22 public holidays + 6 adjusted working days
    assert days[0] == "2026-01-01 Thu holiday  元旦"
    assert "2026-02-14 Sat adjusted_working_day  调休上班" in days
    assert all(line.startswith("2026-") for line in days)


def test_show_an_older_version_and_refuse_a_missing_one(tmp_path):
    notice = tmp_path / "n.csv"
    notice.write_text("2027-02-08,holiday\n", encoding="utf-8")
    run("import", str(notice), "--calendar", "cn-mainland")
    out, _ = run("show", "--calendar", "cn-mainland", "--year", "2027", "--version", "1")
    assert out[0].startswith("cn-mainland version 1 ")
    assert out[8:] == []
    out, _ = run("show", "--calendar", "cn-mainland", "--year", "2027")
    assert out[8:] == ["2027-02-08 Mon holiday"]
    with pytest.raises(CommandError) as caught:
        run("show", "--calendar", "cn-mainland", "--version", "9")
    assert caught.value.returncode == 2
    assert str(caught.value).startswith("--version: ")


def test_list_names_every_calendar():
    out, _ = run("list")
    assert out == [
        "7x24  Always open (7×24)  Asia/Shanghai  version 1, published through 2199-12-31",
        "cn-mainland  Mainland China business calendar  Asia/Shanghai  version 1,"
        " published through 2026-12-31",
    ]
