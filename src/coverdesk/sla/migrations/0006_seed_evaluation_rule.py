"""Seed the evaluation rule with its defaults: the previous month is frozen on the 5th working
day of cn-mainland, the timeliness star goes to the highest on-time rate among people with at
least 5 completed clocks, and each breach costs 1 penalty point."""

from decimal import Decimal

from django.db import migrations


def seed(apps, schema_editor):
    Calendar = apps.get_model("sla", "Calendar")
    EvaluationRule = apps.get_model("sla", "EvaluationRule")
    EvaluationRule.objects.get_or_create(
        pk=1,
        defaults={
            "evaluation_working_day": 5,
            "calendar": Calendar.objects.get(code="cn-mainland"),
            "star_metric": "on_time_rate",
            "star_min_clocks": 5,
            "penalty_points_per_breach": Decimal("1.00"),
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("sla", "EvaluationRule").objects.filter(pk=1).delete()


class Migration(migrations.Migration):
    dependencies = [("sla", "0005_evaluations_and_warning_acknowledgements")]

    operations = [migrations.RunPython(seed, unseed)]
