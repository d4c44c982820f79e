"""A timeliness standard for policy servicing (保全). No source document sets a target for
servicing, so this is a company default: 3 working days from complete documents, the same as a
simple application (domain.md §4, sales). An administrator changes it in standards
administration; the change applies to requests received after it."""

from datetime import UTC, datetime

from django.db import migrations

CODE = "servicing.request.process"


def seed(apps, schema_editor):
    Calendar = apps.get_model("sla", "Calendar")
    SlaStandard = apps.get_model("sla", "SlaStandard")
    SlaStandardVersion = apps.get_model("sla", "SlaStandardVersion")
    if SlaStandard.objects.filter(code=CODE).exists():
        return
    standard = SlaStandard.objects.create(
        code=CODE,
        area="service",
        name="保全申请处理（资料齐全起）",
        name_en="Servicing request processed, from complete documents",
    )
    SlaStandardVersion.objects.create(
        standard=standard,
        number=1,
        amount=3,
        unit="working_days",
        calendar=Calendar.objects.get(code="cn-mainland"),
        yellow_ratio="0.800",
        yellow_notify=["assignee", "department_head"],
        red_notify=["department_head", "management"],
        escalations=[],
        progress_report_followup=True,
        rectification_followup=True,
        customer_updates=False,
        source="",
        note="Company default (no source sets a servicing target): like a simple application.",
        effective_from=datetime(2000, 1, 1, tzinfo=UTC),
    )


def unseed(apps, schema_editor):
    SlaStandard = apps.get_model("sla", "SlaStandard")
    SlaStandardVersion = apps.get_model("sla", "SlaStandardVersion")
    SlaStandardVersion.objects.filter(standard__code=CODE, number=1).delete()
    SlaStandard.objects.filter(code=CODE, versions__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("sla", "0007_clock_worklist_and_kpi_indexes")]

    operations = [migrations.RunPython(seed, unseed)]
