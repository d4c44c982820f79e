from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from coverdesk.audit.hashing import (
    CANONICAL_FIELDS,
    GENESIS_HASH,
    canonical_content,
    chain_hash,
)
from coverdesk.audit.models import AuditChainHead, AuditEntry


def audit_entry_list(
    *, action: str = "", subject_type: str = "", subject_id: str = "", actor_id: int | None = None
) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.order_by("-sequence")
    if action:
        entries = entries.filter(action=action)
    if subject_type:
        entries = entries.filter(subject_type=subject_type)
    if subject_id:
        entries = entries.filter(subject_id=subject_id)
    if actor_id is not None:
        entries = entries.filter(actor_id=actor_id)
    return entries


@dataclass(frozen=True)
class ChainReport:
    verified: int
    broken_sequence: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_sequence is None


def _entries_in_order(batch_size: int = 2000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        batch = list(AuditEntry.objects.filter(sequence__gt=last).order_by("sequence")[:batch_size])
        if not batch:
            return
        yield from batch
        last = batch[-1].sequence


def audit_chain_verify() -> ChainReport:
    """Walk the chain from the first entry; report the first broken or missing one."""
    expected_sequence = 1
    previous_hash = GENESIS_HASH
    verified = 0
    for entry in _entries_in_order():
        if entry.sequence != expected_sequence:
            return ChainReport(verified, expected_sequence, "missing")
        if entry.previous_hash != previous_hash:
            return ChainReport(verified, entry.sequence, "link")
        content = canonical_content(**{name: getattr(entry, name) for name in CANONICAL_FIELDS})
        if chain_hash(previous_hash, content) != entry.entry_hash:
            return ChainReport(verified, entry.sequence, "content")
        previous_hash = entry.entry_hash
        expected_sequence += 1
        verified += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and head.sequence != verified:
        # Entries at the end of the chain were removed.
        return ChainReport(verified, verified + 1, "missing")
    return ChainReport(verified)
