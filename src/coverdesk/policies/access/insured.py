"""Who may see and change insured objects. Staff see them by permission
(policies.view_aircraft, policies.view_insuredperson); a customer user sees only their own
organisation's; for everyone else an object does not exist (NotFound, never PermissionDenied,
so existence is not revealed). Writes need the add/change permissions."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import User
from coverdesk.core.exceptions import PermissionDenied
from coverdesk.parties.access import customer_own_party_id
from coverdesk.policies.models.insured import Aircraft, InsuredPerson
from coverdesk.policies.selectors.insured import (
    AircraftNotFound,
    InsuredPersonNotFound,
    aircraft_list,
    insured_person_list,
)

PERM_VIEW_AIRCRAFT = "policies.view_aircraft"
PERM_ADD_AIRCRAFT = "policies.add_aircraft"
PERM_CHANGE_AIRCRAFT = "policies.change_aircraft"
PERM_VIEW_PERSON = "policies.view_insuredperson"
PERM_ADD_PERSON = "policies.add_insuredperson"
PERM_CHANGE_PERSON = "policies.change_insuredperson"
PERM_IMPORT = "policies.import_insured_objects"
PERM_PII = "parties.view_pii"


class InsuredObjectsPermissionDenied(PermissionDenied):
    default_code = "insured_objects_permission_denied"
    default_message = _("You may not change aircraft or insured persons this way.")


def insured_objects_write_check(*, user: User | None, permission: str) -> User:
    if user is None or not user.is_active or not user.has_perm(permission):
        raise InsuredObjectsPermissionDenied(params={"permission": permission})
    return user


def _staff(user: Any, permission: str) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active and user.has_perm(permission)
    )


def aircraft_for_user_list(
    *, user: Any, customer_id: int | None = None, query: str = "", active_only: bool = False
) -> QuerySet[Aircraft]:
    if _staff(user, PERM_VIEW_AIRCRAFT):
        return aircraft_list(customer_id=customer_id, query=query, active_only=active_only)
    own = customer_own_party_id(user)
    if own is None or (customer_id is not None and customer_id != own):
        return Aircraft.objects.none()
    return aircraft_list(customer_id=own, query=query, active_only=active_only)


def aircraft_for_user(*, user: Any, aircraft_id: int) -> Aircraft:
    aircraft = aircraft_for_user_list(user=user).filter(pk=aircraft_id).first()
    if aircraft is None:
        raise AircraftNotFound()
    return aircraft


def insured_persons_for_user(
    *,
    user: Any,
    customer_id: int | None = None,
    query: str = "",
    category: str | None = None,
    status: str | None = None,
) -> QuerySet[InsuredPerson]:
    filters: dict[str, Any] = {"query": query, "category": category, "status": status}
    if _staff(user, PERM_VIEW_PERSON):
        return insured_person_list(customer_id=customer_id, **filters)
    own = customer_own_party_id(user)
    if own is None or (customer_id is not None and customer_id != own):
        return InsuredPerson.objects.none()
    return insured_person_list(customer_id=own, **filters)


def insured_person_for_user(*, user: Any, person_id: int) -> InsuredPerson:
    person = insured_persons_for_user(user=user).filter(pk=person_id).first()
    if person is None:
        raise InsuredPersonNotFound()
    return person
