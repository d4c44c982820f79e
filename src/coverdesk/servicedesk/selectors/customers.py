"""Finding the customer behind a phone number or an email address: exact matches through the
blind indexes of parties and contacts (never a substring of a name)."""

from __future__ import annotations

from django.db.models import Q

from coverdesk.accounts.models import User
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.core.fields import blind_index_value
from coverdesk.parties.choices import IndexPurpose
from coverdesk.parties.models import Contact, CustomerAccess, Party
from coverdesk.parties.validation import clean_email, clean_phone


def _only(parties: list[Party]) -> Party | None:
    """The customer when exactly one matches; several (a shared number) decide nothing."""
    return parties[0] if len(parties) == 1 else None


def customer_by_phone(number: str) -> Party | None:
    try:
        index = blind_index_value(clean_phone(number), IndexPurpose.PHONE)
    except ValidationFailed:
        return None
    if index is None:
        return None
    match = Q(phone_index=index) | Q(
        pk__in=Contact.objects.filter(phone_index=index).values("party_id")
    )
    return _only(list(Party.objects.filter(match, is_active=True).distinct()[:2]))


def customer_by_email(address: str) -> Party | None:
    """The customer whose (or whose contact's or portal user's) address this is."""
    try:
        cleaned = clean_email(address)
    except ValidationFailed:
        return None
    index = blind_index_value(cleaned, IndexPurpose.EMAIL)
    if index is None:
        return None
    match = Q(email_index=index) | Q(
        pk__in=Contact.objects.filter(email_index=index).values("party_id")
    )
    found = list(Party.objects.filter(match, is_active=True).distinct()[:2])
    if found:
        return _only(found)
    users = User.objects.filter(email__iexact=cleaned, is_active=True).values("pk")
    party_ids = list(
        CustomerAccess.objects.filter(user_id__in=users).values_list("party_id", flat=True)[:2]
    )
    return _only(list(Party.objects.filter(pk__in=party_ids, is_active=True)))
