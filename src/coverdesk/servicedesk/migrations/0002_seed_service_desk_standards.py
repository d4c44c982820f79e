"""Timeliness standards the service desk needs beyond the catalogue of sla/0004 (which already
has the phone, email and online reply standards, the question and complaint standards and the
regulatory complaint decision). Each with version 1 in force since 2000-01-01:

- service.question.complex.update — the progress update to the customer every working day
  after a complex question's first reply, until it is resolved (domain.md §4: "complex
  question: first reply / progress update / until resolved — 3 WD / every 1 WD"). Each update
  stops the day's clock and starts the next; resolving stops it.
- service.return_visit.perform — a return visit made within 5 working days of its planned date.
  A company default: no source document sets this target.
- regulation.complaint.decision.extension — the complaint decision after a recorded extension:
  15 natural days from the extension. An extension is only recorded before the first 15 days
  run out, so this never ends later than the 30 days from receipt the regulation allows.

Idempotent (a standard already there is left alone), so tests can replay it after a flush.
"""

from datetime import UTC, datetime

from django.db import migrations

EFFECTIVE_FROM = datetime(2000, 1, 1, tzinfo=UTC)

# code, area, name, name_en, amount, unit, extra
STANDARDS = [
    (
        "service.question.complex.update",
        "service",
        "复杂问题：每个工作日向客户通报进展",
        "Complex question: progress update to the customer",
        1,
        "working_days",
        {
            "yellow_notify": ["assignee"],
            "red_notify": ["assignee", "department_head"],
            "progress_report_followup": False,
            "rectification_followup": False,
            "note": "Every working day after the first reply until resolved; each update starts"
            " the next (service desk).",
        },
    ),
    (
        "service.return_visit.perform",
        "service",
        "回访完成（自计划日起）",
        "Return visit made, from its planned date",
        5,
        "working_days",
        {"note": "Company default: no source sets a target for making a planned visit."},
    ),
    (
        "regulation.complaint.decision.extension",
        "regulation",
        "投诉处理决定（延长处理期限后）",
        "Complaint decision after an extension",
        15,
        "natural_days",
        {
            "source": "《银行保险机构消费者投诉处理管理办法》第二十三条",
            "note": "Counts from the recorded extension, which must come within the first 15"
            " days; so it never ends later than 30 days from receipt.",
        },
    ),
]


def seed(apps, schema_editor):
    Calendar = apps.get_model("sla", "Calendar")
    SlaStandard = apps.get_model("sla", "SlaStandard")
    SlaStandardVersion = apps.get_model("sla", "SlaStandardVersion")
    calendar = Calendar.objects.get(code="cn-mainland")
    for code, area, name, name_en, amount, unit, extra in STANDARDS:
        if SlaStandard.objects.filter(code=code).exists():
            continue
        standard = SlaStandard.objects.create(code=code, area=area, name=name, name_en=name_en)
        SlaStandardVersion.objects.create(
            standard=standard,
            number=1,
            amount=amount,
            unit=unit,
            calendar=calendar,
            yellow_ratio="0.800",
            yellow_notify=extra.get("yellow_notify", ["assignee", "department_head"]),
            red_notify=extra.get("red_notify", ["department_head", "management"]),
            escalations=[],
            progress_report_followup=extra.get("progress_report_followup", True),
            rectification_followup=extra.get("rectification_followup", True),
            customer_updates=False,
            source=extra.get("source", ""),
            note=extra.get("note", ""),
            effective_from=EFFECTIVE_FROM,
        )


def unseed(apps, schema_editor):
    SlaStandard = apps.get_model("sla", "SlaStandard")
    SlaStandardVersion = apps.get_model("sla", "SlaStandardVersion")
    codes = [row[0] for row in STANDARDS]
    SlaStandardVersion.objects.filter(standard__code__in=codes, number=1).delete()
    SlaStandard.objects.filter(code__in=codes, versions__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("servicedesk", "0001_inquiries_complaints_visits_surveys"),
        ("sla", "0009_clock_drop_redundant_fk_indexes"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
