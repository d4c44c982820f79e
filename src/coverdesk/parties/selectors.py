"""Reads of customers. Exact search on ID numbers, phones and emails goes through the blind
indexes; names match by substring."""

from __future__ import annotations

import unicodedata

from django.db.models import Q, QuerySet

from coverdesk.core.exceptions import ValidationFailed
from coverdesk.core.fields import blind_index_value
from coverdesk.parties.choices import IndexPurpose
from coverdesk.parties.exceptions import PartyNotFound
from coverdesk.parties.models import Contact, CustomerAccess, Party
from coverdesk.parties.validation import clean_email, clean_phone


def _search_indexes(query: str) -> tuple[str | None, str | None, str | None]:
    """Blind indexes (id number, phone, email) the query would have if it were one of them."""
    id_index = blind_index_value(query, IndexPurpose.ID_NUMBER)
    try:
        phone_index = blind_index_value(clean_phone(query), IndexPurpose.PHONE)
    except ValidationFailed:
        phone_index = None
    email_index = None
    if "@" in query:
        try:
            email_index = blind_index_value(clean_email(query), IndexPurpose.EMAIL)
        except ValidationFailed:
            email_index = None
    return id_index, phone_index, email_index


def party_list(*, query: str = "", kind: str | None = None) -> QuerySet[Party]:
    """Customers ordered by name: `query` matches a name (substring, Chinese or English), a
    credit code, or exactly an ID number, phone or email (also a contact's phone or email)."""
    parties = Party.objects.order_by("name", "id")
    if kind:
        parties = parties.filter(kind=kind)
    text = query.strip()
    if not text:
        return parties
    id_index, phone_index, email_index = _search_indexes(text)
    compact = "".join(unicodedata.normalize("NFKC", text).split()).upper()
    match = Q(name__icontains=text) | Q(name_en__icontains=text) | Q(credit_code=compact)
    if id_index:
        match |= Q(id_number_index=id_index)
    contact_match = Q(pk__in=[])
    if phone_index:
        match |= Q(phone_index=phone_index)
        contact_match |= Q(phone_index=phone_index)
    if email_index:
        match |= Q(email_index=email_index)
        contact_match |= Q(email_index=email_index)
    if phone_index or email_index:
        match |= Q(pk__in=Contact.objects.filter(contact_match).values("party_id"))
    return parties.filter(match)


def party_get(*, party_id: int) -> Party:
    party = Party.objects.prefetch_related("contacts").filter(pk=party_id).first()
    if party is None:
        raise PartyNotFound()
    return party


def contact_list(*, party_id: int) -> QuerySet[Contact]:
    return Contact.objects.filter(party_id=party_id).order_by("-is_primary", "name", "id")


def customer_party_id(*, user_id: int) -> int | None:
    """The customer organisation a portal user belongs to, if any."""
    return CustomerAccess.objects.filter(user_id=user_id).values_list("party_id", flat=True).first()
