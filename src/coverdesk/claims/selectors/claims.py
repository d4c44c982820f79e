"""Reads of claims: one claim with what its pages show, lists with filters (no N+1), what is
still missing, the coverages a claim may be about, its clocks and its progress by node."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet

from coverdesk.claims.choices import ClaimStatus, MaterialStatus
from coverdesk.claims.exceptions import ClaimNotFound
from coverdesk.claims.models import (
    Claim,
    ClaimClock,
    ClaimMaterial,
    ClaimStatusChange,
    MaterialRequest,
)
from coverdesk.policies.models import PolicyVersion
from coverdesk.policies.selectors.policies import active_versions, version_items
from coverdesk.policies.terms import COVERAGE, item_kind
from coverdesk.sla.models import SlaClock


def claim_get(*, claim_id: int) -> Claim:
    claim = (
        Claim.objects.select_related("policy", "policy_version", "customer", "incident", "handler")
        .prefetch_related("aircraft", "persons", "exposures")
        .filter(pk=claim_id)
        .first()
    )
    if claim is None:
        raise ClaimNotFound()
    return claim


def claim_by_number(*, number: str) -> Claim:
    found = Claim.objects.filter(number=number.strip().upper()).values_list("pk", flat=True).first()
    if found is None:
        raise ClaimNotFound()
    return claim_get(claim_id=found)


def claim_list(
    *,
    number: str = "",
    policy_number: str = "",
    customer_id: int | None = None,
    policy_id: int | None = None,
    status: str = "",
    handler_id: int | None = None,
    open_only: bool = False,
) -> QuerySet[Claim]:
    """Claims newest first, each with what a list row shows (policy, customer, handler)."""
    claims = Claim.objects.select_related("policy", "customer", "handler", "incident")
    if number.strip():
        claims = claims.filter(number__icontains=number.strip().upper())
    if policy_number.strip():
        claims = claims.filter(policy__number__icontains=policy_number.strip().upper())
    if customer_id is not None:
        claims = claims.filter(customer_id=customer_id)
    if policy_id is not None:
        claims = claims.filter(policy_id=policy_id)
    if status:
        claims = claims.filter(status=status)
    if handler_id is not None:
        claims = claims.filter(handler_id=handler_id)
    if open_only:
        claims = claims.exclude(status__in=[ClaimStatus.CLOSED, ClaimStatus.WITHDRAWN])
    return claims.order_by("-reported_at", "-id")


def claim_materials(*, claim: Claim) -> QuerySet[ClaimMaterial]:
    return (
        ClaimMaterial.objects.filter(claim=claim)
        .prefetch_related("files")
        .order_by("position", "id")
    )


def claim_materials_missing(*, claim: Claim) -> list[ClaimMaterial]:
    """Required items not (validly) received: what the one-time notice lists."""
    return list(
        ClaimMaterial.objects.filter(claim=claim, required=True)
        .exclude(status=MaterialStatus.RECEIVED)
        .order_by("position", "id")
    )


def claim_material_requests(*, claim: Claim) -> QuerySet[MaterialRequest]:
    return MaterialRequest.objects.filter(claim=claim).order_by("sequence")


def claim_status_changes(*, claim: Claim) -> QuerySet[ClaimStatusChange]:
    return ClaimStatusChange.objects.filter(claim=claim).select_related("by").order_by("at", "id")


def claim_terms_version(claim: Claim) -> PolicyVersion | None:
    """The terms a claim is read against: the version in force at the time of loss, else
    (nothing in force) the policy's latest active version, for its checklist only."""
    if claim.policy_version is not None:
        return claim.policy_version
    versions = active_versions(policy=claim.policy)
    return versions[-1] if versions else None


@dataclass(frozen=True)
class CoverageChoice:
    code: str
    name: str
    name_en: str
    parent: str | None


def version_coverage_choices(version: PolicyVersion | None) -> dict[str, CoverageChoice]:
    """The coverages and sections a version covers, by code."""
    if version is None:
        return {}
    choices: dict[str, CoverageChoice] = {}
    for item in version_items(version):
        if item_kind(item) != COVERAGE:
            continue
        data = item.data
        top = str(data["code"])
        choices[top] = CoverageChoice(top, str(data["name"]), str(data["name_en"]), None)
        for section in data.get("sections", []):
            code = str(section["code"])
            choices[code] = CoverageChoice(code, str(section["name"]), str(section["name_en"]), top)
    return choices


@dataclass(frozen=True)
class ClockView:
    purpose: str
    standard_code: str
    state: str
    started_at: datetime
    due_at: datetime
    stopped_at: datetime | None
    met: bool | None
    owner_id: int | None


def clocks_view(rows: QuerySet[ClaimClock]) -> list[ClockView]:
    """The clocks of a claim or incident with their state and deadline (two queries)."""
    materialised = list(rows.order_by("started_at", "id"))
    clocks = {
        clock.pk: clock
        for clock in SlaClock.objects.filter(pk__in=[row.clock_id for row in materialised])
    }
    views = []
    for row in materialised:
        clock = clocks.get(row.clock_id)
        if clock is None:
            continue
        views.append(
            ClockView(
                purpose=row.purpose,
                standard_code=row.standard_code,
                state=clock.state,
                started_at=clock.started_at,
                due_at=clock.due_at,
                stopped_at=clock.stopped_at,
                met=clock.met,
                owner_id=row.owner_id,
            )
        )
    return views


def claim_clocks(*, claim: Claim) -> list[ClockView]:
    return clocks_view(ClaimClock.objects.filter(claim=claim))


# The nodes a customer follows (domain.md §3.3, issue 5 §6).
PROGRESS_NODES: tuple[tuple[str, str], ...] = (
    ("reported", "reported_at"),
    ("materials_complete", "materials_complete_at"),
    ("registered", "registered_at"),
    ("assessed", "assessed_at"),
    ("decided", "decided_at"),
    ("settled", "settled_at"),
    ("paid", "paid_at"),
    ("closed", "closed_at"),
)


@dataclass(frozen=True)
class ProgressNode:
    node: str
    at: datetime | None


def claim_progress(*, claim: Claim) -> list[ProgressNode]:
    """Each node of the claim's way with when it was reached (None: not yet)."""
    return [ProgressNode(node, getattr(claim, field)) for node, field in PROGRESS_NODES]


def claims_waiting_for_materials() -> QuerySet[Claim]:
    return claim_list(open_only=True).filter(~Q(waiting_since=None))


def claim_with_history(*, claim_id: int) -> Claim:
    """One claim with its history rows prefetched (for detail pages)."""
    claim = (
        Claim.objects.select_related("policy", "customer", "handler", "incident")
        .prefetch_related(
            Prefetch(
                "status_changes",
                queryset=ClaimStatusChange.objects.select_related("by").order_by("at", "id"),
            )
        )
        .filter(pk=claim_id)
        .first()
    )
    if claim is None:
        raise ClaimNotFound()
    return claim
