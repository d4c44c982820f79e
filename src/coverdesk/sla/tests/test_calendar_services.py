"""Calendar edits: each makes one new immutable version with its audit entry; refusals change
nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from django.db import transaction

from coverdesk.audit.models import AuditEntry
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.sla.engine import DayKind, Unit, deadline_compute
from coverdesk.sla.models import Calendar, CalendarDay, CalendarVersion
from coverdesk.sla.selectors.calendars import (
    CalendarNotFound,
    calendar_compiled,
    calendar_deadline,
    calendar_version_current,
)
from coverdesk.sla.services.calendars import (
    calendar_day_remove,
    calendar_day_set,
    calendar_published_through_set,
    calendar_weekly_windows_set,
)
from coverdesk.sla.tests.test_engine_reference import at

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
STANDARD = ((time(8, 30), time(12)), (time(13, 30), time(17, 30)))


@pytest.fixture
def admin(role_user):
    return role_user("admin")


def snapshot(code="cn-mainland"):
    calendar = Calendar.objects.get(code=code)
    return (
        calendar.current_version_id,
        CalendarVersion.objects.filter(calendar=calendar).count(),
        CalendarDay.objects.filter(version__calendar=calendar).count(),
        AuditEntry.objects.count(),
    )


def last_audit():
    return AuditEntry.objects.order_by("-sequence").first()


def wd_deadline(start, amount=1):
    return calendar_deadline(code="cn-mainland", start=start, amount=amount, unit=Unit.WORKING_DAYS)


def test_a_closure_makes_version_2_and_moves_deadlines(admin):
    # Given a Friday that is a working day on version 1
    assert wd_deadline(at(2026, 3, 5, 10)).at == at(2026, 3, 6, 17, 30)
    v1 = calendar_version_current(code="cn-mainland")
    # When the office is closed that day
    v2 = calendar_day_set(
        calendar_code="cn-mainland",
        day=date(2026, 3, 6),
        kind=DayKind.CLOSURE,
        note="Typhoon",
        acting_user=admin,
        now=NOW,
    )
    # Then version 2 is current, carries every earlier override plus the closure
    assert (v2.number, v2.created_by, v2.created_at) == (2, admin, NOW)
    assert calendar_version_current(code="cn-mainland").pk == v2.pk
    assert CalendarDay.objects.filter(version=v2).count() == (
        CalendarDay.objects.filter(version=v1).count() + 1
    )
    closure = CalendarDay.objects.get(version=v2, date=date(2026, 3, 6))
    assert (closure.kind, closure.windows, closure.note) == ("closure", [], "Typhoon")
    # and deadlines on the current version skip the closed day
    assert wd_deadline(at(2026, 3, 5, 10)).at == at(2026, 3, 9, 17, 30)
    # while version 1 is unchanged and still answers as before
    assert not CalendarDay.objects.filter(version=v1, date=date(2026, 3, 6)).exists()
    assert deadline_compute(
        calendar_compiled(version_id=v1.pk), start=at(2026, 3, 5, 10), amount=1, unit="working_days"
    ).at == at(2026, 3, 6, 17, 30)
    entry = last_audit()
    assert (entry.action, entry.actor_id, entry.subject_type, entry.subject_id) == (
        "sla.calendar.day_set",
        admin.pk,
        "sla.calendar",
        str(v2.calendar_id),
    )
    assert entry.before == {"version": 1, "date": "2026-03-06", "day": None}
    assert entry.after == {
        "version": 2,
        "date": "2026-03-06",
        "day": {"kind": "closure", "windows": [], "note": "Typhoon"},
    }


def test_custom_hours_and_an_adjusted_working_day_with_its_own_windows(admin):
    calendar_day_set(
        calendar_code="cn-mainland",
        day=date(2026, 12, 31),
        kind="custom_hours",
        windows=[(time(8, 30), time(12))],
        acting_user=admin,
        now=NOW,
    )
    v3 = calendar_day_set(
        calendar_code="cn-mainland",
        day=date(2026, 3, 7),
        kind=DayKind.ADJUSTED_WORKING_DAY,
        windows=[(time(13, 30), time(17, 30)), (time(9), time(11))],
        acting_user=admin,
        now=NOW,
    )
    assert v3.number == 3
    saturday = CalendarDay.objects.get(version=v3, date=date(2026, 3, 7))
    assert saturday.windows == [["09:00", "11:00"], ["13:30", "17:30"]]
    assert wd_deadline(at(2026, 3, 6, 10)).at == at(2026, 3, 7, 17, 30)
    assert calendar_deadline(
        code="cn-mainland", start=at(2026, 12, 31, 11), amount=2, unit=Unit.BUSINESS_HOURS
    ).at == at(2027, 1, 1, 9, 30)


def test_setting_the_same_override_again_changes_nothing(admin):
    calendar_day_set(
        calendar_code="cn-mainland", day=date(2026, 3, 6), kind="closure", acting_user=admin
    )
    before = snapshot()
    version = calendar_day_set(
        calendar_code="cn-mainland", day=date(2026, 3, 6), kind="closure", acting_user=admin
    )
    assert version.pk == before[0]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("kwargs", "field", "rule"),
    [
        ({"day": date(2026, 3, 6), "kind": "custom_hours"}, "windows", "required"),
        (
            {"day": date(2026, 3, 6), "kind": "holiday", "windows": [(time(9), time(10))]},
            "windows",
            "not_allowed",
        ),
        ({"day": date(2026, 3, 6), "kind": "adjusted_working_day"}, "kind", "already_working"),
        (
            {
                "day": date(2026, 3, 7),
                "kind": "custom_hours",
                "windows": [(time(9), time(12)), (time(11), time(13))],
            },
            "windows",
            "invalid",
        ),
        ({"day": date(2026, 3, 6), "kind": "siesta"}, "kind", "choice"),
        ({"day": date(1850, 3, 6), "kind": "holiday"}, "date", "range"),
        ({"day": date(2026, 3, 6), "kind": "holiday", "note": "x" * 201}, "note", "max_length"),
    ],
)
def test_bad_overrides_are_refused_and_change_nothing(admin, kwargs, field, rule):
    before = snapshot()
    with pytest.raises(ValidationFailed) as caught:
        calendar_day_set(calendar_code="cn-mainland", acting_user=admin, **kwargs)
    assert [(f.field, f.rule) for f in caught.value.fields] == [(field, rule)]
    assert snapshot() == before


def test_the_always_open_calendar_takes_no_overrides(admin):
    before = snapshot("7x24")
    with pytest.raises(ValidationFailed) as caught:
        calendar_day_set(
            calendar_code="7x24", day=date(2026, 3, 6), kind="closure", acting_user=admin
        )
    assert caught.value.fields[0].rule == "always_open"
    assert snapshot("7x24") == before


def test_an_unknown_calendar_is_not_found(admin):
    with pytest.raises(CalendarNotFound):
        calendar_day_set(
            calendar_code="atlantis", day=date(2026, 3, 6), kind="closure", acting_user=admin
        )


def test_removing_an_override_restores_the_weekly_pattern(admin):
    # National Day 2026-10-01 is a Thursday holiday on version 1.
    assert wd_deadline(at(2026, 9, 30, 10)).at == at(2026, 10, 8, 17, 30)
    v2 = calendar_day_remove(
        calendar_code="cn-mainland", day=date(2026, 10, 1), acting_user=admin, now=NOW
    )
    assert v2.number == 2
    assert not CalendarDay.objects.filter(version=v2, date=date(2026, 10, 1)).exists()
    assert wd_deadline(at(2026, 9, 30, 10)).at == at(2026, 10, 1, 17, 30)
    entry = last_audit()
    assert entry.action == "sla.calendar.day_remove"
    assert entry.before["day"] == {"kind": "holiday", "windows": [], "note": "国庆节"}
    assert entry.after == {"version": 2, "date": "2026-10-01", "day": None}


def test_removing_a_day_without_override_is_refused(admin):
    before = snapshot()
    with pytest.raises(ValidationFailed) as caught:
        calendar_day_remove(calendar_code="cn-mainland", day=date(2026, 3, 6), acting_user=admin)
    assert caught.value.fields[0].field == "date"
    assert snapshot() == before


def test_new_weekly_windows(admin):
    week = [[(time(9), time(12)), (time(13), time(18))]] * 5 + [[], []]
    v2 = calendar_weekly_windows_set(
        calendar_code="cn-mainland", weekly_windows=week, acting_user=admin, now=NOW
    )
    assert v2.weekly_windows == [[["09:00", "12:00"], ["13:00", "18:00"]]] * 5 + [[], []]
    assert calendar_deadline(
        code="cn-mainland", start=at(2026, 3, 2, 9), amount=3, unit=Unit.BUSINESS_HOURS
    ).at == at(2026, 3, 2, 12)
    # Adjusted working days without windows of their own work the new standard hours.
    assert wd_deadline(at(2026, 2, 13, 15)).at == at(2026, 2, 14, 18)
    assert last_audit().action == "sla.calendar.weekly_windows_set"
    assert last_audit().after["weekly_windows"] == v2.weekly_windows


@pytest.mark.parametrize(
    ("week", "field"),
    [
        ([list(STANDARD)] * 6, "weekly_windows"),
        ([[]] * 7, "weekly_windows"),
        ([[(time(12), time(9))]] + [list(STANDARD)] * 4 + [[], []], "weekly_windows.0"),
    ],
)
def test_bad_weekly_windows_are_refused(admin, week, field):
    before = snapshot()
    with pytest.raises(ValidationFailed) as caught:
        calendar_weekly_windows_set(
            calendar_code="cn-mainland", weekly_windows=week, acting_user=admin
        )
    assert caught.value.fields[0].field == field
    assert snapshot() == before


def test_publishing_a_year_makes_its_deadlines_final(admin):
    start = at(2027, 3, 1, 10)
    assert calendar_deadline(
        code="cn-mainland", start=start, amount=1, unit="working_days"
    ).provisional
    v2 = calendar_published_through_set(
        calendar_code="cn-mainland",
        published_through=date(2027, 12, 31),
        acting_user=admin,
        now=NOW,
    )
    assert v2.published_through == date(2027, 12, 31)
    assert not calendar_deadline(
        code="cn-mainland", start=start, amount=1, unit="working_days"
    ).provisional
    entry = last_audit()
    assert entry.action == "sla.calendar.published_through_set"
    assert (entry.before, entry.after) == (
        {"version": 1, "published_through": "2026-12-31"},
        {"version": 2, "published_through": "2027-12-31"},
    )


def test_the_compiled_cache_follows_the_content_not_the_id(admin):
    """On SQLite a rolled-back version's id is handed out again: the cache must not serve the
    rolled-back table for the new row."""
    with pytest.raises(RuntimeError), transaction.atomic():
        doomed = calendar_day_set(
            calendar_code="cn-mainland", day=date(2026, 3, 6), kind="closure", acting_user=admin
        )
        assert deadline_compute(
            calendar_compiled(version_id=doomed.pk),
            start=at(2026, 3, 5, 10),
            amount=1,
            unit="working_days",
        ).at == at(2026, 3, 9, 17, 30)
        raise RuntimeError("roll back")
    kept = calendar_day_set(
        calendar_code="cn-mainland", day=date(2026, 3, 13), kind="closure", acting_user=admin
    )
    assert kept.number == doomed.number == 2
    assert deadline_compute(
        calendar_compiled(version_id=kept.pk),
        start=at(2026, 3, 5, 10),
        amount=1,
        unit="working_days",
    ).at == at(2026, 3, 6, 17, 30)
