"""Policy numbers from configurable sequences, gap-free: the number is taken under a row lock in
the issuing transaction, so a rolled-back issue gives it back and two issues never share one."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import User
from coverdesk.audit.services import audit_record
from coverdesk.core.exceptions import Conflict, ValidationFailed
from coverdesk.policies.models import PolicyNumberCounter, PolicyNumberSequence
from coverdesk.policies.services.common import PERM_SEQUENCES, permission_require
from coverdesk.policies.validation import text_clean

DEFAULT_SEQUENCE = "default"


class NoNumberSequence(Conflict):
    default_code = "policies_no_number_sequence"
    default_message = _("No policy number sequence is configured for {code} nor a default one.")


def number_format(sequence: PolicyNumberSequence, *, year: int, number: int) -> str:
    year_part = f"{year:04d}" if sequence.include_year else ""
    return f"{sequence.prefix}{year_part}{number:0{sequence.padding}d}"


def policy_number_take(*, product_code: str, on: date) -> str:
    """The next number of the product's sequence (else the default one) for the year of `on`.
    Must run inside the transaction that writes the policy."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("policy_number_take must run inside the issuing transaction")
    sequence = (
        PolicyNumberSequence.objects.select_for_update().filter(code=product_code).first()
        or PolicyNumberSequence.objects.select_for_update().filter(code=DEFAULT_SEQUENCE).first()
    )
    if sequence is None:
        raise NoNumberSequence(params={"code": product_code})
    year = on.year if sequence.include_year else 0
    # The sequence row is locked: no one else creates this counter meanwhile.
    counter, _created = PolicyNumberCounter.objects.select_for_update().get_or_create(
        sequence=sequence, year=year
    )
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return number_format(sequence, year=year, number=counter.last_number)


@transaction.atomic
def policy_number_sequence_set(
    *,
    acting_user: User | None,
    code: str,
    prefix: str,
    include_year: bool = True,
    padding: int = 6,
) -> PolicyNumberSequence:
    """Create or change a sequence (an administrator's setting). Counters are kept."""
    user = permission_require(acting_user, PERM_SEQUENCES)
    cleaned_code = text_clean(code, field="code", required=True, limit=50)
    cleaned_prefix = text_clean(prefix, field="prefix", required=True, limit=20)
    if not 1 <= padding <= 12:
        raise ValidationFailed.for_field(
            "padding", "range", _("Between {low} and {high} digits."), low=1, high=12
        )
    sequence = PolicyNumberSequence.objects.select_for_update().filter(code=cleaned_code).first()
    before = (
        None
        if sequence is None
        else {
            "prefix": sequence.prefix,
            "include_year": sequence.include_year,
            "padding": sequence.padding,
        }
    )
    if sequence is None:
        sequence = PolicyNumberSequence(code=cleaned_code)
    sequence.prefix, sequence.include_year, sequence.padding = (
        cleaned_prefix,
        include_year,
        padding,
    )
    sequence.save()
    audit_record(
        action="policy_number_sequence.set",
        actor=user,
        subject=sequence,
        before=before,
        after={"prefix": cleaned_prefix, "include_year": include_year, "padding": padding},
    )
    return sequence
