"""Acknowledging a timeliness warning: a recipient says they have seen it. Each recipient
acknowledges for themselves, once; acknowledging again changes nothing."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import User
from coverdesk.audit.services import audit_record
from coverdesk.core.exceptions import PermissionDenied, ValidationFailed
from coverdesk.sla.models import SlaEventAcknowledgement
from coverdesk.sla.selectors.warnings import event_get, event_is_for
from coverdesk.sla.services.clocks import moment_of

__all__ = ["NOTE_MAX_LENGTH", "NotARecipient", "sla_event_acknowledge"]

NOTE_MAX_LENGTH = 300


class NotARecipient(PermissionDenied):
    default_code = "sla_warning_not_a_recipient"
    default_message = _("Only a recipient of the warning may acknowledge it.")


@transaction.atomic
def sla_event_acknowledge(
    *, event_id: int, acting_user: User, note: str = "", now: datetime | None = None
) -> SlaEventAcknowledgement:
    """Acknowledge a warning as one of its recipients (the clock's assignee, its department's
    head, management, as the standard version says). Returns the acknowledgement; a second
    call returns the first one unchanged."""
    moment = moment_of(now)
    event = event_get(event_id=event_id)
    if not event_is_for(event, acting_user):
        raise NotARecipient()
    cleaned = note.strip()
    if len(cleaned) > NOTE_MAX_LENGTH:
        raise ValidationFailed.for_field(
            "note", "max_length", _("At most {limit} characters."), limit=NOTE_MAX_LENGTH
        )
    acknowledgement, created = SlaEventAcknowledgement.objects.get_or_create(
        event=event,
        user=acting_user,
        defaults={"acknowledged_at": moment, "note": cleaned},
    )
    if created:
        audit_record(
            action="sla.warning.acknowledge",
            actor=acting_user,
            subject=event,
            after={
                "clock": event.clock_id,
                "kind": event.kind,
                "level": event.level,
                "acknowledged_at": moment,
                "note": cleaned,
            },
            now=moment,
        )
    return acknowledgement
