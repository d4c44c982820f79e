"""Permission-checked fetches of customers. Staff holding parties.view_party see every
customer; a customer user sees only their own organisation; for everyone else a customer does
not exist (NotFound, never PermissionDenied, so existence is not revealed)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from coverdesk.accounts.roles import user_is_customer
from coverdesk.parties.exceptions import PartyNotFound
from coverdesk.parties.models import Party
from coverdesk.parties.selectors import customer_party_id, party_get, party_list

VIEW_PERMISSION = "parties.view_party"


def customer_own_party_id(user: Any) -> int | None:
    """The organisation of an active customer portal user; None for staff, strangers and the
    anonymous. Every customer-scoped access check (policies, claims, service desk) asks this."""
    if user is None:
        return None
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if not user_is_customer(user):
        return None
    return customer_party_id(user_id=user.pk)


def party_access_for_user(*, user: Any, party_id: int) -> Party:
    if getattr(user, "is_authenticated", False) and user.has_perm(VIEW_PERMISSION):
        return party_get(party_id=party_id)
    own = customer_own_party_id(user)
    if own is None or own != party_id:
        raise PartyNotFound()
    return party_get(party_id=party_id)


def parties_for_user(*, user: Any, query: str = "", kind: str | None = None) -> QuerySet[Party]:
    """The customers `user` may list, searched like `party_list`."""
    parties = party_list(query=query, kind=kind)
    if getattr(user, "is_authenticated", False) and user.has_perm(VIEW_PERMISSION):
        return parties
    own = customer_own_party_id(user)
    return parties.filter(pk=own) if own is not None else parties.none()


def customer_party_for_user(*, user: Any) -> Party | None:
    """The organisation a customer user belongs to (None for staff and strangers)."""
    own = customer_own_party_id(user)
    return party_get(party_id=own) if own is not None else None
