"""Seed the two shipped calendars.

`cn-mainland`: Asia/Shanghai, Monday to Friday 08:30-12:00 and 13:30-17:30, with every public
holiday and adjusted working day (调休) that the `holidays` package publishes from the State
Council's notices, 2001 to 2026. published_through is 2026-12-31: holidays 0.109 has no 2027
adjustments (its 2027 dates are rule-based guesses), so they are not seeded; an administrator
enters the 2027 notice when it appears (`coverdesk calendar import`).

`7x24`: always open, every minute counts; nothing to publish, so published_through is the last
day the engine supports.
"""

from datetime import date

from django.db import migrations
from django.utils import timezone

FIRST_DAY = date(2001, 1, 1)
PUBLISHED_THROUGH = date(2026, 12, 31)
STANDARD_WINDOWS = [["08:30", "12:00"], ["13:30", "17:30"]]
ALWAYS_OPEN_LAST_DAY = date(2199, 12, 31)


def seed(apps, schema_editor):
    import holidays

    Calendar = apps.get_model("sla", "Calendar")
    CalendarVersion = apps.get_model("sla", "CalendarVersion")
    CalendarDay = apps.get_model("sla", "CalendarDay")
    now = timezone.now()

    china = holidays.China(
        years=range(FIRST_DAY.year, PUBLISHED_THROUGH.year + 1),
        categories=("public",),
        language="zh_CN",
    )
    cn = Calendar.objects.create(
        code="cn-mainland",
        name_zh="中国大陆工作日历",
        name_en="Mainland China business calendar",
        timezone="Asia/Shanghai",
    )
    version = CalendarVersion.objects.create(
        calendar=cn,
        number=1,
        timezone="Asia/Shanghai",
        weekly_windows=[STANDARD_WINDOWS] * 5 + [[], []],
        published_through=PUBLISHED_THROUGH,
        note=(
            f"Seeded from the holidays package {holidays.__version__}: public holidays and"
            f" adjusted working days {FIRST_DAY.year}-{PUBLISHED_THROUGH.year}"
        ),
        created_at=now,
    )
    days = {
        day: CalendarDay(version=version, date=day, kind="holiday", note=str(name)[:200])
        for day, name in china.items()
        if FIRST_DAY <= day <= PUBLISHED_THROUGH
    }
    for day in china.weekend_workdays:
        if FIRST_DAY <= day <= PUBLISHED_THROUGH and day not in days:
            days[day] = CalendarDay(
                version=version, date=day, kind="adjusted_working_day", note="调休上班"
            )
    CalendarDay.objects.bulk_create([days[day] for day in sorted(days)])
    cn.current_version = version
    cn.save(update_fields=["current_version"])

    always = Calendar.objects.create(
        code="7x24",
        name_zh="7×24 小时",
        name_en="Always open (7×24)",
        timezone="Asia/Shanghai",
        always_open=True,
    )
    always_version = CalendarVersion.objects.create(
        calendar=always,
        number=1,
        timezone="Asia/Shanghai",
        weekly_windows=[[["00:00", "24:00"]]] * 7,
        published_through=ALWAYS_OPEN_LAST_DAY,
        note="Every minute counts",
        created_at=now,
    )
    always.current_version = always_version
    always.save(update_fields=["current_version"])


def unseed(apps, schema_editor):
    Calendar = apps.get_model("sla", "Calendar")
    CalendarVersion = apps.get_model("sla", "CalendarVersion")
    CalendarDay = apps.get_model("sla", "CalendarDay")
    codes = ["cn-mainland", "7x24"]
    Calendar.objects.filter(code__in=codes).update(current_version=None)
    CalendarDay.objects.filter(version__calendar__code__in=codes).delete()
    CalendarVersion.objects.filter(calendar__code__in=codes).delete()
    Calendar.objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_calendars")]

    operations = [migrations.RunPython(seed, unseed)]
