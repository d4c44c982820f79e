"""What the servicing pages read, on top of the policies selectors: the clerk's queue (with
each request's clock in the same query, and the clocks of a page in one more), the objects a
request may name at intake, and the names behind the ids of requested changes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from coverdesk.accounts.models import User
from coverdesk.catalog.models import Clause
from coverdesk.policies.choices import ServicingStatus, VersionKind
from coverdesk.policies.models import (
    Aircraft,
    Endorsement,
    InsuredPerson,
    Policy,
    ServicingCalculation,
    ServicingRequest,
    ServicingStatusChange,
)
from coverdesk.policies.models.insured import InsuredPersonStatus
from coverdesk.policies.selectors.insured import aircraft_list, insured_person_list
from coverdesk.policies.selectors.policies import active_versions, version_items
from coverdesk.policies.selectors.terms import coverages_of_items, version_clauses
from coverdesk.policies.terms import AIRCRAFT, CLAUSE, PERSON, item_kind
from coverdesk.policies.transitions import SERVICING_OPEN
from coverdesk.sla.models import SlaClock
from coverdesk.sla.selectors.worklists import mark_expression

S = ServicingStatus

TAB_MINE = "mine"
TAB_OPEN = "open"
TAB_APPROVAL = "approval"
TAB_CLOSED = "closed"
TABS = (TAB_MINE, TAB_OPEN, TAB_APPROVAL, TAB_CLOSED)

# Open work, and applied requests still to be confirmed with the customer and archived.
QUEUE_STATUSES = frozenset(SERVICING_OPEN | {S.COMPLETED})
# Ready for a decision: calculated without needing the customer, or confirmed by them.
APPROVAL_STATUSES = frozenset({S.CALCULATED, S.CONFIRMED})
CLOSED_STATUSES = frozenset({S.ARCHIVED, S.REJECTED, S.WITHDRAWN})
OPTIONS_LIMIT = 500


def queue_requests(
    *, user: User, tab: str, now: datetime, policy_number: str = "", kind: str = ""
) -> QuerySet[ServicingRequest]:
    """One tab of the queue. Each row carries its clock's mark (`clock_mark`: red 0, yellow 1,
    green 2) and deadline (`clock_due`) from subqueries of the same query; open work is
    ordered red first, then by deadline."""
    requests = ServicingRequest.objects.select_related("policy__customer", "handler")
    if tab == TAB_MINE:
        requests = requests.filter(handler=user, status__in=QUEUE_STATUSES)
    elif tab == TAB_APPROVAL:
        requests = requests.filter(status__in=APPROVAL_STATUSES)
    elif tab == TAB_CLOSED:
        requests = requests.filter(status__in=CLOSED_STATUSES)
    else:
        requests = requests.filter(status__in=QUEUE_STATUSES)
    if policy_number.strip():
        requests = requests.filter(policy__number__startswith=policy_number.strip().upper())
    if kind:
        requests = requests.filter(kind=kind)
    clock = SlaClock.objects.filter(pk=OuterRef("clock_id"))
    requests = requests.annotate(
        clock_mark=Subquery(
            clock.annotate(rank=mark_expression(now)).values("rank")[:1],
        ),
        clock_due=Subquery(clock.values("due_at")[:1]),
    )
    if tab == TAB_CLOSED:
        return requests.order_by("-received_at", "-id")
    return requests.order_by("clock_mark", "clock_due", "received_at", "id")


def request_history(*, request: ServicingRequest) -> list[ServicingStatusChange]:
    return list(
        ServicingStatusChange.objects.filter(request=request).select_related("by").order_by("id")
    )


def request_calculations(*, request: ServicingRequest) -> list[ServicingCalculation]:
    return list(
        ServicingCalculation.objects.filter(request=request)
        .select_related("created_by")
        .order_by("-number")
    )


def request_endorsement(*, request: ServicingRequest) -> Endorsement | None:
    return Endorsement.objects.filter(servicing_request=request).first()


# What a request may name -----------------------------------------------------------------------


@dataclass(frozen=True)
class CoveredAircraft:
    id: int
    registration_mark: str
    model: str
    agreed_value: str
    equipment: list[dict[str, str]]


@dataclass(frozen=True)
class CoveredPerson:
    id: int
    name: str
    category: str
    occupation: str


@dataclass(frozen=True)
class CoveredClause:
    code: str
    title: str
    title_en: str
    clause_kind: str
    parameters: dict[str, Any]


@dataclass
class IntakeOptions:
    """The policy's terms now (its latest version) and the customer's registers: what an
    intake form offers to add, remove or change."""

    aircraft: list[CoveredAircraft] = field(default_factory=list)
    persons: list[CoveredPerson] = field(default_factory=list)
    clauses: list[CoveredClause] = field(default_factory=list)
    aircraft_to_add: list[Aircraft] = field(default_factory=list)
    persons_to_add: list[InsuredPerson] = field(default_factory=list)
    clauses_to_add: list[Clause] = field(default_factory=list)


def intake_options(*, policy: Policy, kind: str) -> IntakeOptions:
    """Reads only what the servicing type needs."""
    versions = [v for v in active_versions(policy=policy) if v.kind != VersionKind.CANCELLATION]
    options = IntakeOptions()
    if not versions:
        return options
    items = version_items(versions[-1])
    for item in items:
        data = item.data
        kind_of = item_kind(item)
        if kind_of == AIRCRAFT:
            options.aircraft.append(
                CoveredAircraft(
                    id=int(data["aircraft_id"]),
                    registration_mark=str(data.get("registration_mark", "")),
                    model=str(data.get("model", "")),
                    agreed_value=str(data.get("agreed_value", "")),
                    equipment=list(data.get("installed_equipment", [])),
                )
            )
        elif kind_of == PERSON:
            options.persons.append(
                CoveredPerson(
                    id=int(data["person_id"]),
                    name=str(data.get("name", "")),
                    category=str(data.get("category", "")),
                    occupation=str(data.get("occupation", "")),
                )
            )
        elif kind_of == CLAUSE:
            options.clauses.append(
                CoveredClause(
                    code=str(data["code"]),
                    title=str(data.get("title", "")),
                    title_en=str(data.get("title_en", "")),
                    clause_kind=str(data.get("clause_kind", "")),
                    parameters=dict(data.get("parameters") or {}),
                )
            )
    options.aircraft.sort(key=lambda a: a.registration_mark)
    options.persons.sort(key=lambda p: (p.name, p.id))
    covered_aircraft = {a.id for a in options.aircraft}
    covered_persons = {p.id for p in options.persons}
    if kind == "add_aircraft":
        options.aircraft_to_add = [
            a
            for a in aircraft_list(customer_id=policy.customer_id, active_only=True)[:OPTIONS_LIMIT]
            if a.pk not in covered_aircraft
        ]
    if kind == "add_persons":
        options.persons_to_add = [
            p
            for p in insured_person_list(
                customer_id=policy.customer_id, status=InsuredPersonStatus.ACTIVE
            )[:OPTIONS_LIMIT]
            if p.pk not in covered_persons
        ]
    if kind == "change_clauses":
        coverages = coverages_of_items(product_version=policy.product_version, items=items)
        covered_clauses = {c.code for c in options.clauses}
        options.clauses_to_add = [
            c
            for c in version_clauses(
                product_version=policy.product_version, coverages=coverages, codes=None
            )
            if c.code not in covered_clauses
        ]
    return options


# Names behind the ids of requested changes -------------------------------------------------------


@dataclass(frozen=True)
class ChangeNames:
    aircraft: Mapping[int, str]
    persons: Mapping[int, str]
    clauses: Mapping[str, tuple[str, str]]


def change_names(*, policy: Policy, changes: Sequence[Mapping[str, Any]]) -> ChangeNames:
    """Registration marks, person names and clause titles for the ids in `changes`: at most
    one query each."""
    aircraft_ids: set[int] = set()
    person_ids: set[int] = set()
    clause_codes: set[str] = set()
    for change in changes:
        if "aircraft_id" in change:
            aircraft_ids.add(int(change["aircraft_id"]))
        if "person_id" in change:
            person_ids.add(int(change["person_id"]))
        if change.get("op") == "details":
            (aircraft_ids if change.get("target") == AIRCRAFT else person_ids).add(
                int(change["id"])
            )
        if "code" in change:
            clause_codes.add(str(change["code"]))
    aircraft = (
        {
            pk: f"{mark} {model}".strip()
            for pk, mark, model in Aircraft.objects.filter(
                pk__in=aircraft_ids, customer_id=policy.customer_id
            ).values_list("pk", "registration_mark", "model")
        }
        if aircraft_ids
        else {}
    )
    persons = (
        dict(
            InsuredPerson.objects.filter(
                pk__in=person_ids, customer_id=policy.customer_id
            ).values_list("pk", "name")
        )
        if person_ids
        else {}
    )
    clauses = (
        {
            code: (title, title_en)
            for code, title, title_en in Clause.objects.filter(
                version_id=policy.product_version_id, code__in=clause_codes
            ).values_list("code", "title", "title_en")
        }
        if clause_codes
        else {}
    )
    return ChangeNames(aircraft=aircraft, persons=persons, clauses=clauses)
