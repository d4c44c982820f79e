"""Small readers for the service desk tests."""

from coverdesk.audit.models import AuditEntry
from coverdesk.sla.models import SlaClock


def clocks_of(subject):
    """{standard code: clock} of a subject's primary clocks (the latest per standard)."""
    rows = SlaClock.objects.filter(
        subject_type=subject._meta.label_lower, subject_id=str(subject.pk), kind="primary"
    ).select_related("standard_version__standard")
    return {row.standard_version.standard.code: row for row in rows.order_by("id")}


def all_clocks_of(subject):
    return list(
        SlaClock.objects.filter(
            subject_type=subject._meta.label_lower, subject_id=str(subject.pk)
        ).order_by("id")
    )


def audit_actions(prefix="servicedesk."):
    return list(
        AuditEntry.objects.filter(action__startswith=prefix)
        .order_by("sequence")
        .values_list("action", flat=True)
    )


def counts(*models):
    return tuple(model.objects.count() for model in models)
