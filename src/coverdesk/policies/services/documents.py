"""Document checklists of a case (application or servicing request): record what came in and
what was refused, and tell the customer everything still missing in one notice."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import User
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.notifications.choices import Channel
from coverdesk.notifications.services import notification_send
from coverdesk.parties.models import Party
from coverdesk.policies.checklists import DocumentSpec
from coverdesk.policies.choices import DocumentStatus
from coverdesk.policies.services.common import customer_portal_users
from coverdesk.policies.validation import text_clean


def documents_create(
    model: type[Model], *, owner_field: str, owner: Model, specs: Sequence[DocumentSpec]
) -> None:
    model._default_manager.bulk_create(
        [
            model(
                **{owner_field: owner},
                code=spec.code,
                name=spec.name,
                name_en=spec.name_en,
                required=spec.required,
            )
            for spec in specs
        ]
    )


def documents_record(
    documents: QuerySet[Any],
    *,
    received: Iterable[str],
    rejected: Mapping[str, str] | None,
    moment: datetime,
) -> list[Any]:
    """Mark documents received or refused (with the reason to tell the customer); returns the
    required documents still missing or refused. Unknown codes are a ValidationFailed."""
    rows = {row.code: row for row in documents}
    received_codes = list(dict.fromkeys(received))
    refused = dict(rejected or {})
    for field, codes in (("received", received_codes), ("rejected", list(refused))):
        unknown = [code for code in codes if code not in rows]
        if unknown:
            raise ValidationFailed.for_field(
                field,
                "unknown_document",
                _("Not on the checklist: {codes}."),
                codes=", ".join(unknown),
            )
    both = sorted(set(received_codes) & set(refused))
    if both:
        raise ValidationFailed.for_field(
            "rejected",
            "received_and_rejected",
            _("Received and refused at once: {codes}."),
            codes=", ".join(both),
        )
    for code, reason in refused.items():
        row = rows[code]
        row.status = DocumentStatus.REJECTED
        row.note = text_clean(reason, field="rejected", required=True)
        row.received_at = None
        row.save(update_fields=["status", "note", "received_at"])
    for code in received_codes:
        row = rows[code]
        row.status, row.note, row.received_at = DocumentStatus.RECEIVED, "", moment
        row.save(update_fields=["status", "note", "received_at"])
    return [row for row in rows.values() if row.required and row.status != DocumentStatus.RECEIVED]


def missing_notice_send(
    *,
    customer: Party,
    subject: Model,
    case: str,
    reference: str,
    missing: Sequence[Any],
    handler: User,
    moment: datetime,
) -> None:
    """一次性告知: one message listing every missing or refused document, to the customer's
    portal users and to the handler, who contacts a customer without portal access."""
    notification_send(
        recipients=[*customer_portal_users(customer), handler],
        template="policies_documents_missing",
        context={
            "case": case,
            "reference": reference,
            "documents": [
                {"name": row.name, "name_en": row.name_en, "note": row.note} for row in missing
            ],
        },
        channels=[Channel.IN_APP, Channel.EMAIL],
        subject=subject,
        dedupe_key=f"policies.{case}.{subject.pk}.missing.{moment.isoformat()}",
        now=moment,
    )
