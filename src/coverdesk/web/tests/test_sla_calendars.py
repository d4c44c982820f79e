"""Calendar administration: the month view, day overrides, published_through, file imports with
line-numbered errors, and the version history; every change is a new version."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from coverdesk.accounts.tests.factories import make_user
from coverdesk.sla.models import Calendar, CalendarDay, CalendarVersion
from coverdesk.web.tests.helpers import english

pytestmark = pytest.mark.django_db

CODE = "cn-mainland"
DETAIL = reverse("web:sla_calendar_detail", args=[CODE])


@pytest.fixture
def admin_client():
    client = english(Client())
    client.force_login(make_user("admin", username="calendar.admin"))
    return client


def _current():
    return Calendar.objects.select_related("current_version").get(code=CODE).current_version


def _cells(response):
    return {cell.day: cell for week in response.context["weeks"] for cell in week}


def test_the_list_shows_each_calendar_with_its_current_version(admin_client):
    response = admin_client.get(reverse("web:sla_calendars"))
    rows = [
        (c.code, c.current_version.number, c.version_count) for c in response.context["calendars"]
    ]
    assert rows == [("7x24", 1, 1), ("cn-mainland", 1, 1)]


def test_the_month_view_shows_holidays_and_adjusted_working_days(admin_client):
    # when
    response = admin_client.get(DETAIL, {"month": "2026-02"})
    # then
    cells = _cells(response)
    assert len(cells) == 35  # Monday 26 January to Sunday 1 March
    saturday = cells[date(2026, 2, 14)]
    assert (saturday.kind, saturday.working, saturday.windows) == (
        "adjusted_working_day",
        True,
        "08:30-12:00 13:30-17:30",
    )
    holiday = cells[date(2026, 2, 17)]
    assert (holiday.kind, holiday.working) == ("holiday", False)
    assert (cells[date(2026, 2, 10)].kind, cells[date(2026, 2, 10)].working) == ("", True)
    assert (cells[date(2026, 2, 8)].kind, cells[date(2026, 2, 8)].working) == ("", False)
    assert cells[date(2026, 1, 26)].in_month is False
    html = response.content.decode()
    assert 'data-date="2026-02-14" data-kind="adjusted_working_day"' in html


def test_setting_custom_hours_makes_a_new_version(admin_client):
    # given
    before = _current()
    # when
    response = admin_client.post(
        reverse("web:sla_calendar_day_set", args=[CODE]),
        {"date": "2026-06-19", "kind": "custom_hours", "windows": "09:00-12:00, 13:00-15:00"},
        follow=True,
    )
    # then
    after = _current()
    assert after.number == before.number + 1
    day = CalendarDay.objects.get(version=after, date=date(2026, 6, 19))
    assert (day.kind, day.windows) == ("custom_hours", [["09:00", "12:00"], ["13:00", "15:00"]])
    assert response.redirect_chain == [(f"{DETAIL}?month=2026-06", 302)]
    cell = _cells(response)[date(2026, 6, 19)]
    assert (cell.kind, cell.windows) == ("custom_hours", "09:00-12:00 13:00-15:00")
    assert "Saved as version 2." in response.content.decode()
    newest = response.context["versions"][0]
    assert (newest.number, newest.created_by.username, newest.note) == (
        2,
        "calendar.admin",
        "2026-06-19: custom_hours",
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"date": "2026-06-19", "kind": "custom_hours", "windows": "9-12"},
            "windows",
            "Windows look like 08:30-12:00 13:30-17:30.",
        ),
        (
            {"date": "2026-06-19", "kind": "custom_hours", "windows": ""},
            "windows",
            "Custom hours need at least one window.",
        ),
        (
            {"date": "2026-06-19", "kind": "holiday", "windows": "09:00-12:00"},
            "windows",
            "A holiday or closure has no working windows.",
        ),
        (
            {"date": "2026-06-17", "kind": "adjusted_working_day"},
            "kind",
            "2026-06-17 is a working day in the weekly pattern already; remove the override"
            " instead, or give it custom hours.",
        ),
        ({"date": "", "kind": "holiday"}, "date", "This field is required."),
    ],
)
def test_a_bad_override_names_the_field_and_makes_no_version(admin_client, data, field, message):
    # when
    response = admin_client.post(reverse("web:sla_calendar_day_set", args=[CODE]), data)
    # then
    assert response.status_code == 200
    assert response.context["day_form"].errors == {field: [message]}
    assert CalendarVersion.objects.filter(calendar__code=CODE).count() == 1


def test_removing_an_override_returns_the_day_to_the_weekly_pattern(admin_client):
    # when
    admin_client.post(reverse("web:sla_calendar_day_remove", args=[CODE]), {"date": "2026-02-14"})
    # then
    after = _current()
    assert after.number == 2
    assert not CalendarDay.objects.filter(version=after, date=date(2026, 2, 14)).exists()
    assert CalendarDay.objects.filter(version__number=1, date=date(2026, 2, 14)).exists()


def test_removing_a_day_without_override_says_so(admin_client):
    response = admin_client.post(
        reverse("web:sla_calendar_day_remove", args=[CODE]), {"date": "2026-06-17"}
    )
    assert response.context["remove_form"].errors == {
        "date": ["2026-06-17 has no override to remove."]
    }
    assert _current().number == 1


def test_published_through_moves_with_a_new_version(admin_client):
    admin_client.post(
        reverse("web:sla_calendar_published_through", args=[CODE]),
        {"published_through": "2027-01-31"},
    )
    current = _current()
    assert (current.number, current.published_through) == (2, date(2027, 1, 31))


def test_saving_the_same_published_through_changes_nothing(admin_client):
    same = _current().published_through.isoformat()
    response = admin_client.post(
        reverse("web:sla_calendar_published_through", args=[CODE]),
        {"published_through": same},
        follow=True,
    )
    assert _current().number == 1
    assert "Nothing changed." in response.content.decode()


def _upload(client, name, content, **extra):
    return client.post(
        reverse("web:sla_calendar_import", args=[CODE]),
        {"file": SimpleUploadedFile(name, content.encode()), **extra},
    )


def test_an_import_with_bad_lines_names_each_line_and_imports_nothing(admin_client):
    # when
    response = _upload(
        admin_client,
        "2027.csv",
        "date,kind,windows,note\n"
        "2027-01-01,holiday,,元旦\n"
        "2027-02-30,holiday\n"
        "2027-02-06,party\n"
        "2027-01-01,holiday\n",
    )
    # then
    assert response.status_code == 200
    assert response.context["import_problems"] == [
        "line 3: date: Not a date (YYYY-MM-DD): 2027-02-30.",
        "line 4: kind: Unknown kind party; one of: holiday, adjusted_working_day,"
        " custom_hours, closure.",
        "line 5: date: 2027-01-01 is already on line 2.",
    ]
    assert response.context["import_form"].non_field_errors() == [
        "3 problems in the import; nothing was imported."
    ]
    assert _current().number == 1


def test_a_yaml_import_makes_one_new_version(admin_client):
    # when
    response = _upload(
        admin_client,
        "notice-2027.yaml",
        "- date: 2027-01-01\n  kind: holiday\n  note: 元旦\n"
        "- date: 2027-02-20\n  kind: adjusted_working_day\n",
        published_through="2027-12-31",
        note="State Council notice 2027",
    )
    # then
    assert response.status_code == 302
    current = _current()
    assert (current.number, current.published_through, current.note) == (
        2,
        date(2027, 12, 31),
        "State Council notice 2027",
    )
    assert set(
        CalendarDay.objects.filter(version=current, date__year=2027).values_list("date", "kind")
    ) == {(date(2027, 1, 1), "holiday"), (date(2027, 2, 20), "adjusted_working_day")}


def test_a_file_that_is_not_utf8_is_refused(admin_client):
    response = admin_client.post(
        reverse("web:sla_calendar_import", args=[CODE]),
        {"file": SimpleUploadedFile("x.csv", "2027-01-01,假日".encode("gb18030"))},
    )
    assert response.context["import_form"].errors == {"file": ["The file is not UTF-8 text."]}
    assert _current().number == 1


def test_an_earlier_version_is_shown_read_only(admin_client):
    # given
    admin_client.post(reverse("web:sla_calendar_day_remove", args=[CODE]), {"date": "2026-02-14"})
    # when
    old = admin_client.get(DETAIL, {"version": 1, "month": "2026-02"})
    current = admin_client.get(DETAIL, {"month": "2026-02"})
    # then
    assert (old.context["version"].number, old.context["editable"]) == (1, False)
    assert _cells(old)[date(2026, 2, 14)].kind == "adjusted_working_day"
    assert (current.context["version"].number, current.context["editable"]) == (2, True)
    assert _cells(current)[date(2026, 2, 14)].working is False


def test_the_always_open_calendar_has_no_forms(admin_client):
    response = admin_client.get(reverse("web:sla_calendar_detail", args=["7x24"]))
    assert response.context["editable"] is False
    assert all(cell.working for cell in _cells(response).values())
    assert 'data-test="day-set"' not in response.content.decode()


def test_an_unknown_calendar_is_404(admin_client):
    assert admin_client.get(reverse("web:sla_calendar_detail", args=["mars"])).status_code == 404


def test_a_failed_form_shows_the_month_it_was_sent_from(admin_client):
    response = admin_client.post(
        reverse("web:sla_calendar_day_set", args=[CODE]) + "?month=2026-10",
        {"date": "2026-10-10", "kind": "custom_hours"},
    )
    assert response.context["month"] == date(2026, 10, 1)
    assert response.context["day_form"].errors == {
        "windows": ["Custom hours need at least one window."]
    }
