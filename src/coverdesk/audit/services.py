"""The one way to write the audit trail. Call it inside the service's transaction, so the
entry and the change commit or roll back together."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Model

from coverdesk.audit.choices import AuditResult
from coverdesk.audit.hashing import canonical_content, chain_hash
from coverdesk.audit.models import AuditChainHead, AuditEntry
from coverdesk.core import clock
from coverdesk.core import context as request_context


def _jsonable(data: Any) -> Any:
    """Decimals, dates and UUIDs as strings, so the stored JSON hashes the same when read back."""
    if data is None:
        return None
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False))


def subject_reference(subject: Model | tuple[str, Any] | None) -> tuple[str, str]:
    """(type, id) of a subject: a model instance gives "app_label.model"; the engines pass
    the same shape explicitly so that the audit app needs no domain import."""
    if subject is None:
        return "", ""
    if isinstance(subject, tuple):
        kind, pk = subject
        return str(kind), str(pk)
    return subject._meta.label_lower, str(subject.pk)


def audit_record(
    *,
    action: str,
    actor: Any = None,
    subject: Model | tuple[str, Any] | None = None,
    result: str = AuditResult.SUCCESS,
    before: Any = None,
    after: Any = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Append one entry to the hash chain. Must run inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the service's transaction")
    occurred_at = (now or clock.now()).astimezone(UTC)
    subject_type, subject_id = subject_reference(subject)
    actor_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    actor_label = actor.get_username() if actor_id else ""
    ctx = request_context.current()
    before_json, after_json = _jsonable(before), _jsonable(after)

    # The head row lock serialises appends: concurrent writers wait here and never fork.
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    sequence = head.sequence + 1
    fields: dict[str, Any] = {
        "sequence": sequence,
        "occurred_at": occurred_at,
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "result": str(result),
        "before": before_json,
        "after": after_json,
        "request_id": ctx.request_id,
        "client_address": ctx.client_address,
    }
    entry_hash = chain_hash(head.entry_hash, canonical_content(**fields))
    entry = AuditEntry.objects.create(
        **fields, previous_hash=head.entry_hash, entry_hash=entry_hash
    )
    head.sequence, head.entry_hash = sequence, entry_hash
    head.save(update_fields=["sequence", "entry_hash"])
    return entry
