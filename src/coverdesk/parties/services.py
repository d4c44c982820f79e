"""Writes for customers, contacts and portal access, each in one transaction with its audit
entry. The audit trail gets masked values only: it must never become a copy of the personal
data it protects."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import User
from coverdesk.accounts.roles import user_is_customer
from coverdesk.audit.choices import AuditResult
from coverdesk.audit.services import audit_record
from coverdesk.core.exceptions import PermissionDenied
from coverdesk.core.fields import blind_index_value, blind_indexes_refresh
from coverdesk.parties.choices import IndexPurpose, PartyKind
from coverdesk.parties.exceptions import PartyNotFound
from coverdesk.parties.models import Contact, CustomerAccess, Party
from coverdesk.parties.presentation import contact_masked, party_masked
from coverdesk.parties.validation import (
    Problems,
    clean_credit_code,
    clean_email,
    clean_id_number,
    clean_phone,
)

PII_PERMISSION = "parties.view_pii"
PARTY_LIMITS = {"name": 200, "name_en": 200, "address": 300}
CONTACT_LIMITS = {"name": 100, "title": 100}


def _check_text(problems: Problems, values: dict[str, str], limits: dict[str, int]) -> None:
    for field, limit in limits.items():
        if field in values and len(values[field]) > limit:
            problems.add(field, "max_length", _("At most {limit} characters."), limit=limit)


def _clean_party(
    problems: Problems, *, kind: str, values: dict[str, str], party_id: int | None
) -> dict[str, str]:
    """Trimmed and normalised values; problems collects every bad field. `values` holds the
    fields being set (all of them on create)."""
    cleaned = {field: value.strip() for field, value in values.items() if field != "notes"}
    if "notes" in values:
        cleaned["notes"] = values["notes"]
    if "name" in cleaned and not cleaned["name"]:
        problems.add("name", "required", _("A name is required."))
    _check_text(problems, cleaned, PARTY_LIMITS)
    if cleaned.get("credit_code"):
        if kind != PartyKind.ORGANISATION:
            problems.add(
                "credit_code",
                "organisation_only",
                _("Only an organisation has a unified social credit code."),
            )
        else:
            cleaned["credit_code"] = problems.clean(
                clean_credit_code, cleaned["credit_code"], field="credit_code"
            )
    if cleaned.get("id_number"):
        if kind != PartyKind.PERSON:
            problems.add(
                "id_number",
                "person_only",
                _("Only a person has an ID number; use the credit code for an organisation."),
            )
        else:
            cleaned["id_number"] = problems.clean(
                clean_id_number, cleaned["id_number"], field="id_number"
            )
    if "phone" in cleaned:
        cleaned["phone"] = problems.clean(clean_phone, cleaned["phone"], field="phone")
    if "email" in cleaned:
        cleaned["email"] = problems.clean(clean_email, cleaned["email"], field="email")

    others = Party.objects.exclude(pk=party_id) if party_id else Party.objects.all()
    if cleaned.get("credit_code") and others.filter(credit_code=cleaned["credit_code"]).exists():
        problems.add("credit_code", "unique", _("Another customer already has this credit code."))
    if cleaned.get("id_number"):
        index = blind_index_value(cleaned["id_number"], IndexPurpose.ID_NUMBER)
        if others.filter(id_number_index=index).exists():
            problems.add("id_number", "unique", _("Another customer already has this ID number."))
    return cleaned


def _or_none(value: str | None) -> str | None:
    return value or None


@transaction.atomic
def party_create(
    *,
    acting_user: User | None,
    kind: str,
    name: str,
    name_en: str = "",
    credit_code: str = "",
    id_number: str = "",
    phone: str = "",
    email: str = "",
    address: str = "",
    notes: str = "",
) -> Party:
    """A new customer: an organisation (with an optional credit code) or a person (with an
    optional ID number). Bad input names every bad field and writes nothing."""
    problems = Problems()
    if kind not in PartyKind.values:
        problems.add("kind", "choice", _("Choose organisation or person."))
    cleaned = _clean_party(
        problems,
        kind=kind,
        values={
            "name": name,
            "name_en": name_en,
            "credit_code": credit_code,
            "id_number": id_number,
            "phone": phone,
            "email": email,
            "address": address,
            "notes": notes,
        },
        party_id=None,
    )
    problems.raise_if_any()
    party = Party(
        kind=kind,
        name=cleaned["name"],
        name_en=cleaned["name_en"],
        credit_code=cleaned["credit_code"],
        id_number=_or_none(cleaned["id_number"]),
        phone=_or_none(cleaned["phone"]),
        email=_or_none(cleaned["email"]),
        address=cleaned["address"],
        notes=cleaned["notes"],
    )
    blind_indexes_refresh(party)
    party.save()
    audit_record(action="party.create", actor=acting_user, subject=party, after=_party_audit(party))
    return party


def _party_audit(party: Party) -> dict[str, Any]:
    data = party_masked(party)
    data.pop("id")
    return data


PARTY_ENCRYPTED = ("id_number", "phone", "email")


@transaction.atomic
def party_update(
    *,
    party_id: int,
    acting_user: User | None,
    name: str | None = None,
    name_en: str | None = None,
    credit_code: str | None = None,
    id_number: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    address: str | None = None,
    notes: str | None = None,
    is_active: bool | None = None,
) -> Party:
    """Change the given fields (None leaves a field as it is; "" clears it). The kind of a
    customer never changes. No change, no audit entry."""
    party = Party.objects.select_for_update().filter(pk=party_id).first()
    if party is None:
        raise PartyNotFound()
    given = {
        field: value
        for field, value in {
            "name": name,
            "name_en": name_en,
            "credit_code": credit_code,
            "id_number": id_number,
            "phone": phone,
            "email": email,
            "address": address,
            "notes": notes,
        }.items()
        if value is not None
    }
    problems = Problems()
    cleaned = _clean_party(problems, kind=party.kind, values=given, party_id=party.pk)
    problems.raise_if_any()

    before_masked = _party_audit(party)
    changed: list[str] = []
    for field, value in cleaned.items():
        new: str | None = _or_none(value) if field in PARTY_ENCRYPTED else value
        if getattr(party, field) != new:
            setattr(party, field, new)
            changed.append(field)
    if is_active is not None and party.is_active != is_active:
        party.is_active = is_active
        changed.append("is_active")
    if not changed:
        return party
    update_fields = [*changed, "updated_at"]
    if any(field in PARTY_ENCRYPTED for field in changed):
        update_fields += blind_indexes_refresh(party)
    party.save(update_fields=update_fields)
    after_masked = _party_audit(party)
    audit_record(
        action="party.update",
        actor=acting_user,
        subject=party,
        before={field: before_masked[field] for field in changed},
        after={field: after_masked[field] for field in changed},
    )
    return party


@transaction.atomic
def contact_add(
    *,
    party_id: int,
    acting_user: User | None,
    name: str,
    title: str = "",
    phone: str = "",
    email: str = "",
    is_primary: bool = False,
) -> Contact:
    """A contact person of a customer. The first contact, or one added with is_primary,
    becomes the primary contact (the previous primary stops being it)."""
    party = Party.objects.select_for_update().filter(pk=party_id).first()
    if party is None:
        raise PartyNotFound()
    problems = Problems()
    cleaned = {"name": name.strip(), "title": title.strip()}
    if not cleaned["name"]:
        problems.add("name", "required", _("A name is required."))
    _check_text(problems, cleaned, CONTACT_LIMITS)
    clean_phone_value = problems.clean(clean_phone, phone, field="phone")
    clean_email_value = problems.clean(clean_email, email, field="email")
    problems.raise_if_any()

    has_primary = party.contacts.filter(is_primary=True).exists()
    primary = is_primary or not has_primary
    if primary and has_primary:
        party.contacts.filter(is_primary=True).update(is_primary=False)
    contact = Contact(
        party=party,
        name=cleaned["name"],
        title=cleaned["title"],
        phone=_or_none(clean_phone_value),
        email=_or_none(clean_email_value),
        is_primary=primary,
    )
    blind_indexes_refresh(contact)
    contact.save()
    after = contact_masked(contact)
    after.pop("id")
    audit_record(action="contact.add", actor=acting_user, subject=contact, after=after)
    return contact


@transaction.atomic
def customer_access_grant(*, user: User, party: Party, acting_user: User | None) -> CustomerAccess:
    """Make `user` (a customer-role user) a portal user of the organisation `party`; a user
    belongs to one organisation, so granting another moves them."""
    problems = Problems()
    if not user_is_customer(user):
        problems.add(
            "user",
            "customer_role",
            _("Only a user with the customer role can be given portal access to a customer."),
        )
    if party.kind != PartyKind.ORGANISATION:
        problems.add(
            "party",
            "organisation_only",
            _("Portal users belong to a customer organisation, not to a person."),
        )
    problems.raise_if_any()
    access = CustomerAccess.objects.select_for_update().filter(user=user).first()
    if access is not None and access.party_id == party.pk:
        return access
    before = {"party": access.party_id} if access is not None else None
    if access is None:
        access = CustomerAccess.objects.create(user=user, party=party, granted_by=acting_user)
    else:
        access.party, access.granted_by = party, acting_user
        access.save(update_fields=["party", "granted_by", "updated_at"])
    audit_record(
        action="customer_access.grant",
        actor=acting_user,
        subject=access,
        before=before,
        after={"user": user.pk, "party": party.pk},
    )
    return access


def party_pii_reveal(*, party_id: int, acting_user: Any) -> dict[str, Any]:
    """The unmasked ID number, phone and email of a customer and of its contacts, for a user
    holding parties.view_pii. Every call is audited; a denial is audited too (in its own
    transaction, so it survives the error), raises PermissionDenied and reveals nothing,
    not even whether the customer exists."""
    if not acting_user.has_perm(PII_PERMISSION):
        with transaction.atomic():
            audit_record(
                action="party.pii_reveal",
                actor=acting_user,
                subject=("parties.party", party_id),
                result=AuditResult.DENIED,
            )
        raise PermissionDenied(_("You may not see personal data unmasked."))
    with transaction.atomic():
        party = Party.objects.prefetch_related("contacts").filter(pk=party_id).first()
        if party is None:
            raise PartyNotFound()
        contacts = list(party.contacts.all())
        revealed = {
            "id": party.pk,
            "id_number": party.id_number or "",
            "phone": party.phone or "",
            "email": party.email or "",
            "contacts": [
                {"id": c.pk, "name": c.name, "phone": c.phone or "", "email": c.email or ""}
                for c in contacts
            ],
        }
        audit_record(
            action="party.pii_reveal",
            actor=acting_user,
            subject=party,
            after={
                "fields": [f for f in PARTY_ENCRYPTED if getattr(party, f)],
                "contacts": [c.pk for c in contacts],
            },
        )
    return revealed
