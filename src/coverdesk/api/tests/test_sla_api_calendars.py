"""Calendars, deadlines and standards over the API: what they answer, and bad input as 422
naming the field and the rule, changing nothing."""

from datetime import datetime

import pytest

from coverdesk.accounts.tests.factories import make_user
from coverdesk.api.tests.sla_world import NOW, call, client_for, freeze, state
from coverdesk.audit.models import AuditEntry
from coverdesk.sla.models import CalendarDay, SlaStandard
from coverdesk.sla.selectors.calendars import calendar_version_current
from coverdesk.sla.tests.kpi_factories import sla_role_permissions_ensure

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(monkeypatch):
    sla_role_permissions_ensure()
    freeze(monkeypatch)
    return client_for(make_user("clerk"))


@pytest.fixture
def admin(monkeypatch):
    sla_role_permissions_ensure()
    freeze(monkeypatch)
    return client_for(make_user("admin", username="calendar-admin"))


def _fields(response):
    return [(f["field"], f["rule"]) for f in response.json()["fields"]]


# Deadlines ----------------------------------------------------------------------------------


FRIDAY = "2026-02-13T15:00:00+08:00"


@pytest.mark.parametrize(
    ("start", "amount", "unit", "deadline", "provisional"),
    [
        (FRIDAY, 1, "working_days", "2026-02-14T17:30:00+08:00", False),  # adjusted Saturday
        (FRIDAY, 3, "working_days", "2026-02-25T17:30:00+08:00", False),
        (FRIDAY, 210, "business_minutes", "2026-02-14T09:30:00+08:00", False),
        ("2026-02-10T10:00:00+08:00", 10, "natural_days", "2026-02-25T00:00:00+08:00", False),
        # Beyond published_through (2026-12-31): the weekly pattern, marked provisional.
        ("2026-12-30T15:00:00+08:00", 3, "working_days", "2027-01-04T17:30:00+08:00", True),
    ],
)
def test_deadline(clerk, start, amount, unit, deadline, provisional):
    response = call(
        clerk,
        "post",
        "/api/v1/sla/deadline",
        {"calendar": "cn-mainland", "start": start, "amount": amount, "unit": unit},
    )

    assert response.status_code == 200
    assert response.json() == {"deadline": deadline, "provisional": provisional}


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"unit": "fortnights"}, "unit", "choice"),
        ({"amount": -1}, "amount", "min_value"),
        ({"amount": "three"}, "amount", "integer"),
        ({"start": "2026-02-13T15:00:00"}, "start", "timezone_aware"),
        ({"start": "yesterday"}, "start", "datetime"),
        ({"calendar": "mars"}, "calendar", "unknown"),
        ({"calendar": None}, "calendar", "string"),
    ],
)
def test_bad_deadline_input_names_the_field(clerk, change, field, rule):
    body = {
        "calendar": "cn-mainland",
        "start": "2026-02-13T15:00:00+08:00",
        "amount": 3,
        "unit": "working_days",
        **change,
    }

    response = call(clerk, "post", "/api/v1/sla/deadline", body)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    assert _fields(response) == [(field, rule)]


# Calendars ----------------------------------------------------------------------------------


def test_calendar_detail_shows_the_year(clerk):
    response = call(clerk, "get", "/api/v1/sla/calendars/cn-mainland?year=2026")

    body = response.json()
    assert (body["code"], body["year"], body["published_through"]) == (
        "cn-mainland",
        2026,
        "2026-12-31",
    )
    assert body["current_version"]["weekly_windows"][0] == [["08:30", "12:00"], ["13:30", "17:30"]]
    days = {d["date"]: d["kind"] for d in body["days"]}
    assert (days["2026-02-14"], days["2026-02-16"], days["2026-10-01"]) == (
        "adjusted_working_day",
        "holiday",
        "holiday",
    )
    assert all(d["date"].startswith("2026-") for d in body["days"])


def test_calendar_list(clerk):
    body = call(clerk, "get", "/api/v1/sla/calendars").json()

    assert [(c["code"], c["always_open"]) for c in body] == [("7x24", True), ("cn-mainland", False)]


def test_setting_and_removing_a_day_makes_versions(admin):
    first = calendar_version_current(code="cn-mainland").number

    closed = call(
        admin,
        "put",
        "/api/v1/sla/calendars/cn-mainland/days/2026-12-30",
        {"kind": "custom_hours", "windows": ["09:00-12:00"], "note": "year-end"},
    )
    reopened = call(admin, "delete", "/api/v1/sla/calendars/cn-mainland/days/2026-12-30")
    versions = call(admin, "get", "/api/v1/sla/calendars/cn-mainland/versions").json()

    assert (closed.status_code, closed.json()["number"]) == (200, first + 1)
    assert (reopened.status_code, reopened.json()["number"]) == (200, first + 2)
    assert closed.json()["created_by"] == "calendar-admin"
    assert [v["number"] for v in versions["items"][:3]] == [first + 2, first + 1, first]
    day = CalendarDay.objects.get(version__number=first + 1, date="2026-12-30")
    assert (day.kind, day.windows, day.note) == ("custom_hours", [["09:00", "12:00"]], "year-end")


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"kind": "custom_hours", "windows": ["9-12"]}, [("windows.0", "format")]),
        ({"kind": "custom_hours"}, [("windows", "required")]),
        ({"kind": "holiday", "windows": ["09:00-12:00"]}, [("windows", "not_allowed")]),
        ({"kind": "weekend"}, [("kind", "choice")]),
        ({"kind": "closure", "note": "x" * 201}, [("note", "max_length")]),
    ],
)
def test_bad_day_override_names_the_field_and_changes_nothing(admin, body, fields):
    before = state()

    response = call(admin, "put", "/api/v1/sla/calendars/cn-mainland/days/2026-12-30", body)

    assert (response.status_code, _fields(response)) == (422, fields)
    assert state() == before


def test_removing_a_day_without_override(admin):
    before = state()

    response = call(admin, "delete", "/api/v1/sla/calendars/cn-mainland/days/2026-12-30")

    assert (response.status_code, _fields(response)) == (422, [("date", "no_override")])
    assert state() == before


def test_unknown_calendar_is_404(admin):
    response = call(admin, "put", "/api/v1/sla/calendars/mars/days/2026-12-30", {"kind": "closure"})

    assert (response.status_code, response.json()["code"]) == (404, "calendar_not_found")


def test_import_a_file_and_its_line_errors(admin):
    good = "date,kind\n2027-01-01,holiday\n2027-01-04,closure\n"
    bad = "date,kind\n2027-01-01,holiday\n2027-13-01,holiday\n2027-01-02,weekend\n"
    before = state()

    refused = call(
        admin,
        "post",
        "/api/v1/sla/calendars/cn-mainland/import",
        {"format": "csv", "content": bad},
    )
    assert state() == before
    imported = call(
        admin,
        "post",
        "/api/v1/sla/calendars/cn-mainland/import",
        {"format": "csv", "content": good, "published_through": "2027-12-31"},
    )

    assert (refused.status_code, _fields(refused)) == (
        422,
        [("line 3: date", "invalid"), ("line 4: kind", "invalid")],
    )
    assert imported.status_code == 200
    assert imported.json()["published_through"] == "2027-12-31"
    assert AuditEntry.objects.filter(action="sla.calendar.import").count() == 1


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, [("content", "one_of")]),
        ({"content": "x", "rows": []}, [("content", "one_of")]),
        ({"content": "2027-01-01,holiday"}, [("format", "required")]),
        ({"format": "xml", "content": "x"}, [("format", "choice")]),
        ({"rows": [{"date": "2027-01-01", "kind": "nap"}]}, [("line 1: kind", "invalid")]),
    ],
)
def test_bad_imports_name_the_field(admin, body, fields):
    before = state()

    response = call(admin, "post", "/api/v1/sla/calendars/cn-mainland/import", body)

    assert (response.status_code, _fields(response)) == (422, fields)
    assert state() == before


# Standards ----------------------------------------------------------------------------------


def test_standards_list_and_detail(clerk):
    listed = call(clerk, "get", "/api/v1/sla/standards?area=claims").json()
    detail = call(clerk, "get", "/api/v1/sla/standards/claims.adjudication.simple").json()

    assert "claims.adjudication.simple" in [s["code"] for s in listed]
    assert {s["area"] for s in listed} == {"claims"}
    assert (
        detail["current"]["amount"],
        detail["current"]["unit"],
        detail["current"]["calendar"],
    ) == (
        3,
        "working_days",
        "cn-mainland",
    )
    assert [v["number"] for v in detail["versions"]] == [1]


def test_a_new_version_applies_from_its_start(admin):
    response = call(
        admin,
        "post",
        "/api/v1/sla/standards/claims.adjudication.simple/versions",
        {
            "amount": 2,
            "unit": "working_days",
            "calendar": "cn-mainland",
            "yellow_ratio": "0.750",
            "escalations": [{"ratio": "1.5", "notify": ["management"]}],
            "effective_from": "2026-04-01T00:00:00+08:00",
        },
    )
    detail = call(admin, "get", "/api/v1/sla/standards/claims.adjudication.simple").json()

    assert response.status_code == 201
    assert (response.json()["number"], response.json()["yellow_ratio"]) == (2, "0.750")
    assert response.json()["escalations"] == [{"ratio": "1.5", "notify": ["management"]}]
    assert detail["current"]["number"] == 1  # in force from April only (now is March)
    assert [v["number"] for v in detail["versions"]] == [1, 2]


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"amount": 0}, [("amount", "min_value")]),
        ({"unit": "moons"}, [("unit", "choice")]),
        ({"calendar": "mars"}, [("calendar", "unknown")]),
        ({"yellow_ratio": "1.2"}, [("yellow_ratio", "less_than")]),
        ({"effective_from": "2026-01-01T00:00:00+08:00"}, [("effective_from", "past")]),
        ({"escalations": [{"ratio": "0.9", "notify": ["management"]}]}, [("escalations", "order")]),
    ],
)
def test_bad_standard_terms_name_the_field(admin, change, fields):
    before = state()
    body = {"amount": 2, "unit": "working_days", "calendar": "cn-mainland", **change}

    response = call(admin, "post", "/api/v1/sla/standards/claims.registration/versions", body)

    assert (response.status_code, _fields(response)) == (422, fields)
    assert state() == before


def test_creating_a_standard(admin):
    response = call(
        admin,
        "post",
        "/api/v1/sla/standards",
        {
            "code": "service.callback",
            "name": "回访",
            "name_en": "Call back",
            "area": "service",
            "amount": 2,
            "unit": "working_days",
            "calendar": "cn-mainland",
        },
    )
    clash = call(
        admin,
        "post",
        "/api/v1/sla/standards",
        {
            "code": "service.callback",
            "name": "回访",
            "name_en": "Call back",
            "area": "service",
            "amount": 2,
            "unit": "working_days",
            "calendar": "cn-mainland",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["code"] == "service.callback"
    assert datetime.fromisoformat(body["current"]["effective_from"]) == NOW
    assert (clash.status_code, clash.json()["code"]) == (409, "sla_standard_exists")
    assert SlaStandard.objects.filter(code="service.callback").count() == 1
