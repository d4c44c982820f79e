"""Masked views of customers for screens, API answers and the audit trail. Unmasked values
come only from `services.party_pii_reveal`, which checks the permission and is audited."""

from __future__ import annotations

from typing import Any

from coverdesk.core.masking import mask_email, mask_id_number, mask_phone
from coverdesk.parties.models import Contact, Party


def party_masked(party: Party) -> dict[str, Any]:
    return {
        "id": party.pk,
        "kind": party.kind,
        "name": party.name,
        "name_en": party.name_en,
        "credit_code": party.credit_code,
        "id_number": mask_id_number(party.id_number),
        "phone": mask_phone(party.phone),
        "email": mask_email(party.email),
        "address": party.address,
        "notes": party.notes,
        "is_active": party.is_active,
    }


def contact_masked(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.pk,
        "party": contact.party_id,
        "name": contact.name,
        "title": contact.title,
        "phone": mask_phone(contact.phone),
        "email": mask_email(contact.email),
        "is_primary": contact.is_primary,
    }
