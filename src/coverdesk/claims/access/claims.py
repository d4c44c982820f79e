"""Permission-checked reads of claims, incidents and claim files. Staff holding
claims.view_claim see all of them; a customer's portal user sees their own organisation's
claims and incidents; for anyone else they do not exist (NotFound, so existence is not
revealed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.models import QuerySet

from coverdesk.claims.exceptions import ClaimNotFound, FileNotFound, IncidentNotFound
from coverdesk.claims.models import Claim, ClaimFile, Incident
from coverdesk.claims.selectors.claims import claim_by_number, claim_get, claim_list
from coverdesk.claims.selectors.incidents import incident_get, incident_list
from coverdesk.claims.services.files import file_absolute_path
from coverdesk.parties.access import customer_own_party_id

VIEW_PERMISSION = "claims.view_claim"


def _is_staff_reader(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.has_perm(VIEW_PERMISSION)
    )


def claim_access_for_user(*, user: Any, claim_id: int) -> Claim:
    if _is_staff_reader(user):
        return claim_get(claim_id=claim_id)
    own = customer_own_party_id(user)
    customer = Claim.objects.filter(pk=claim_id).values_list("customer_id", flat=True).first()
    if own is None or customer != own:
        raise ClaimNotFound()
    return claim_get(claim_id=claim_id)


def claim_by_number_for_user(*, user: Any, number: str) -> Claim:
    """The customer's way to a claim: by its number (their own only)."""
    claim = claim_by_number(number=number)
    if _is_staff_reader(user):
        return claim
    own = customer_own_party_id(user)
    if own is None or claim.customer_id != own:
        raise ClaimNotFound()
    return claim


def claims_for_user(*, user: Any, **filters: Any) -> QuerySet[Claim]:
    """The claims `user` may list, filtered like `claim_list` (a customer: by claim or policy
    number within their own)."""
    claims = claim_list(**filters)
    if _is_staff_reader(user):
        return claims
    own = customer_own_party_id(user)
    return claims.filter(customer_id=own) if own is not None else claims.none()


def incident_access_for_user(*, user: Any, incident_id: int) -> Incident:
    if _is_staff_reader(user):
        return incident_get(incident_id=incident_id)
    own = customer_own_party_id(user)
    customer = Incident.objects.filter(pk=incident_id).values_list("customer_id", flat=True).first()
    if own is None or customer != own:
        raise IncidentNotFound()
    return incident_get(incident_id=incident_id)


def incidents_for_user(*, user: Any, open_only: bool = False) -> QuerySet[Incident]:
    incidents = incident_list(open_only=open_only)
    if _is_staff_reader(user):
        return incidents
    own = customer_own_party_id(user)
    return incidents.filter(customer_id=own) if own is not None else incidents.none()


def claim_file_for_user(*, user: Any, file_id: int) -> tuple[ClaimFile, Path]:
    """A stored file and where it is on disk, for a download view: only for those who may see
    its claim."""
    stored = ClaimFile.objects.filter(pk=file_id).first()
    if stored is None:
        raise FileNotFound()
    try:
        claim_access_for_user(user=user, claim_id=stored.claim_id)
    except ClaimNotFound:
        raise FileNotFound() from None
    return stored, file_absolute_path(stored)
