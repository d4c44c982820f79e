"""Reads of insured objects and their change history. ID numbers are searched exactly through
their blind index; names by substring."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from coverdesk.core.exceptions import NotFound
from coverdesk.core.fields import blind_index_value
from coverdesk.parties.choices import IndexPurpose
from coverdesk.policies.models.insured import (
    Aircraft,
    AircraftChange,
    InsuredPerson,
    InsuredPersonChange,
    InsuredPersonStatus,
)


class AircraftNotFound(NotFound):
    default_code = "aircraft_not_found"
    default_message = _("Aircraft not found.")


class InsuredPersonNotFound(NotFound):
    default_code = "insured_person_not_found"
    default_message = _("Insured person not found.")


def _compact_upper(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def aircraft_get(*, aircraft_id: int) -> Aircraft:
    aircraft = Aircraft.objects.select_related("customer").filter(pk=aircraft_id).first()
    if aircraft is None:
        raise AircraftNotFound()
    return aircraft


def aircraft_by_registration(*, registration_mark: str) -> Aircraft:
    aircraft = (
        Aircraft.objects.select_related("customer")
        .filter(registration_mark=_compact_upper(registration_mark))
        .first()
    )
    if aircraft is None:
        raise AircraftNotFound()
    return aircraft


def aircraft_list(
    *, customer_id: int | None = None, query: str = "", active_only: bool = False
) -> QuerySet[Aircraft]:
    """Aircraft by customer and registration mark; `query` matches a registration mark,
    serial number or model by substring."""
    aircraft = Aircraft.objects.select_related("customer").order_by(
        "customer_id", "registration_mark"
    )
    if customer_id is not None:
        aircraft = aircraft.filter(customer_id=customer_id)
    if active_only:
        aircraft = aircraft.filter(is_active=True)
    text = query.strip()
    if text:
        compact = _compact_upper(text)
        aircraft = aircraft.filter(
            Q(registration_mark__contains=compact)
            | Q(serial_number__icontains=text)
            | Q(model__icontains=text)
        )
    return aircraft


def insured_person_get(*, person_id: int) -> InsuredPerson:
    person = InsuredPerson.objects.select_related("customer").filter(pk=person_id).first()
    if person is None:
        raise InsuredPersonNotFound()
    return person


def insured_person_list(
    *,
    customer_id: int | None = None,
    query: str = "",
    category: str | None = None,
    status: str | None = None,
) -> QuerySet[InsuredPerson]:
    """Insured persons by customer and name; `query` matches a name by substring or an ID
    number exactly."""
    persons = InsuredPerson.objects.select_related("customer").order_by("customer_id", "name", "id")
    if customer_id is not None:
        persons = persons.filter(customer_id=customer_id)
    if category:
        persons = persons.filter(category=category)
    if status:
        persons = persons.filter(status=status)
    text = query.strip()
    if text:
        match = Q(name__icontains=text)
        index = blind_index_value(text, IndexPurpose.ID_NUMBER)
        if index:
            match |= Q(id_number_index=index)
        persons = persons.filter(match)
    return persons


def insured_heads_by_category(*, customer_id: int) -> dict[str, int]:
    """Active insured persons of a customer counted by category (the per-head rating basis)."""
    rows = (
        InsuredPerson.objects.filter(customer_id=customer_id, status=InsuredPersonStatus.ACTIVE)
        .values("category")
        .annotate(count=Count("id"))
        .order_by("category")
    )
    return {row["category"]: row["count"] for row in rows}


def aircraft_changes(*, aircraft_id: int) -> QuerySet[AircraftChange]:
    return (
        AircraftChange.objects.filter(aircraft_id=aircraft_id)
        .select_related("changed_by")
        .order_by("changed_at", "id")
    )


def insured_person_changes(*, person_id: int) -> QuerySet[InsuredPersonChange]:
    return (
        InsuredPersonChange.objects.filter(person_id=person_id)
        .select_related("changed_by")
        .order_by("changed_at", "id")
    )


def insured_person_masked(person: InsuredPerson) -> dict[str, Any]:
    """A person for screens and API answers: the ID number masked."""
    return {
        "id": person.pk,
        "customer": person.customer_id,
        "name": person.name,
        "id_number": person.id_number_masked,
        "birth_date": person.birth_date,
        "occupation": person.occupation,
        "category": person.category,
        "department": person.department,
        "status": person.status,
        "left_on": person.left_on,
        "notes": person.notes,
    }
