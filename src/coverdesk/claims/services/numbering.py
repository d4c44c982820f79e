"""Claim and incident numbers, gap-free: taken under a row lock in the reporting transaction,
so a rolled-back report gives its number back and two reports never share one."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from coverdesk.claims.exceptions import NoNumberSequence
from coverdesk.claims.models import ClaimNumberCounter, ClaimNumberSequence

CLAIM = "claim"
INCIDENT = "incident"


def number_format(sequence: ClaimNumberSequence, *, year: int, number: int) -> str:
    year_part = f"{year:04d}" if sequence.include_year else ""
    return f"{sequence.prefix}{year_part}{number:0{sequence.padding}d}"


def number_take(*, code: str, on: date) -> str:
    """The next number of sequence `code` for the year of `on`. Must run inside the
    transaction that writes the claim or incident."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_take must run inside the reporting transaction")
    sequence = ClaimNumberSequence.objects.select_for_update().filter(code=code).first()
    if sequence is None:
        raise NoNumberSequence(params={"code": code})
    year = on.year if sequence.include_year else 0
    # The sequence row is locked: no one else creates this counter meanwhile.
    counter, _created = ClaimNumberCounter.objects.select_for_update().get_or_create(
        sequence=sequence, year=year
    )
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return number_format(sequence, year=year, number=counter.last_number)
