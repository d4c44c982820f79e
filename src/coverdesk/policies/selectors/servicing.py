"""Reads of servicing: checking requested changes, turning them into endorsement changes,
previews of the premium change or refund (which change nothing), and work lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import User
from coverdesk.catalog.models import Clause
from coverdesk.catalog.parameters import clause_parameters_clean
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.policies.calculations import ADD, CHANGE, REMOVE, Change
from coverdesk.policies.choices import ServicingKind
from coverdesk.policies.exceptions import ServicingNotFound
from coverdesk.policies.models import Policy, ServicingRequest
from coverdesk.policies.selectors.policies import (
    active_versions,
    cancellation_plan,
    endorsement_plan,
    version_items,
)
from coverdesk.policies.selectors.terms import (
    aircraft_item,
    clause_item,
    coverages_of_items,
    customer_aircraft,
    customer_persons,
    equipment_clean,
    person_item,
    version_clauses,
)
from coverdesk.policies.terms import AIRCRAFT, CLAUSE, PERSON, item_key
from coverdesk.policies.transitions import SERVICING_OPEN
from coverdesk.policies.validation import money_clean

# Which change operations each servicing type may request.
OPS_BY_KIND: dict[str, frozenset[str]] = {
    ServicingKind.CHANGE_DETAILS: frozenset({"details"}),
    ServicingKind.ADD_PERSONS: frozenset({"add_person"}),
    ServicingKind.REMOVE_PERSONS: frozenset({"remove_person"}),
    ServicingKind.ADD_AIRCRAFT: frozenset({"add_aircraft", "set_equipment"}),
    ServicingKind.REMOVE_AIRCRAFT: frozenset({"remove_aircraft", "set_equipment"}),
    ServicingKind.CHANGE_SUM: frozenset({"set_agreed_value"}),
    ServicingKind.CHANGE_CLAUSES: frozenset({"add_clause", "remove_clause", "set_clause"}),
    ServicingKind.CANCELLATION: frozenset(),
}
# Details that change no rating: the rest of an item is changed by its own servicing type.
DETAIL_FIELDS = {
    AIRCRAFT: frozenset({"model", "manufacturer", "serial_number", "ownership"}),
    PERSON: frozenset({"name", "occupation", "department"}),
}
NEEDS_CHANGES = frozenset(OPS_BY_KIND) - {ServicingKind.CANCELLATION, ServicingKind.CHANGE_DETAILS}


def _bad(rule: str, message: Any, **params: Any) -> ValidationFailed:
    return ValidationFailed.for_field("changes", rule, message, **params)


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad("id", _("{name} must be a whole number."), name=name)
    return value


def _policy_clause(policy: Policy, code: Any) -> Clause:
    base = version_items(active_versions(policy=policy)[0])
    coverages = coverages_of_items(product_version=policy.product_version, items=base)
    try:
        (clause,) = version_clauses(
            product_version=policy.product_version, coverages=coverages, codes=[str(code)]
        )
    except ValidationFailed:
        raise _bad(
            "unknown_clause", _("No clause {code} applies to this policy."), code=code
        ) from None
    return clause


def servicing_changes_clean(
    *, policy: Policy, kind: str, changes: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The requested changes in stored form, or ValidationFailed naming `changes` and the
    rule. Objects must be the customer's; amounts non-negative with at most two decimals."""
    if kind not in ServicingKind.values:
        raise ValidationFailed.for_field("kind", "choice", _("Unknown servicing type."))
    if kind in NEEDS_CHANGES and not changes:
        raise _bad("required", _("Say what is to change."))
    if kind == ServicingKind.CANCELLATION and changes:
        raise _bad("not_allowed", _("A cancellation changes nothing else."))
    allowed = OPS_BY_KIND[kind]
    cleaned: list[dict[str, Any]] = []
    for raw in changes:
        op = raw.get("op")
        if op not in allowed:
            raise _bad("op", _("{op} is not a change of this servicing type."), op=op)
        if op in ("add_person", "remove_person"):
            person_id = _int(raw.get("person_id"), "person_id")
            if op == "add_person":
                customer_persons(customer=policy.customer, ids=[person_id], field="changes")
            cleaned.append({"op": op, "person_id": person_id})
        elif op in ("add_aircraft", "remove_aircraft", "set_equipment", "set_agreed_value"):
            aircraft_id = _int(raw.get("aircraft_id"), "aircraft_id")
            if op == "add_aircraft":
                customer_aircraft(customer=policy.customer, ids=[aircraft_id], field="changes")
            entry: dict[str, Any] = {"op": op, "aircraft_id": aircraft_id}
            if op == "set_agreed_value":
                value = money_clean(raw.get("agreed_value"), field="changes")
                assert value is not None
                if value <= 0:
                    raise _bad("positive", _("The agreed value must be more than zero."))
                entry["agreed_value"] = str(value)
            if op == "set_equipment":
                equipment = raw.get("equipment")
                if not isinstance(equipment, list):
                    raise _bad("equipment", _("Give the equipment as a list."))
                for row in equipment:
                    if not isinstance(row, Mapping) or not str(row.get("name", "")).strip():
                        raise _bad("equipment", _("Each piece of equipment needs a name."))
                    money_clean(row.get("sum_insured"), field="changes")
                entry["equipment"] = equipment_clean(equipment)
            cleaned.append(entry)
        elif op == "details":
            target = raw.get("target")
            if target not in DETAIL_FIELDS:
                raise _bad("target", _("Details of an aircraft or a person."))
            data = raw.get("data")
            if not isinstance(data, Mapping) or not data:
                raise _bad("data", _("Give the details to change."))
            extra = sorted(set(data) - DETAIL_FIELDS[target])
            if extra:
                raise _bad("field", _("{fields} cannot change here."), fields=", ".join(extra))
            cleaned.append(
                {
                    "op": op,
                    "target": target,
                    "id": _int(raw.get("id"), "id"),
                    "data": {k: str(v).strip() for k, v in data.items()},
                }
            )
        else:
            clause = _policy_clause(policy, raw.get("code"))
            entry = {"op": op, "code": clause.code}
            if op == "set_clause":
                entry["parameters"] = clause_parameters_clean(clause.kind, raw.get("parameters"))
            cleaned.append(entry)
    return cleaned


def servicing_changes_build(
    *, policy: Policy, changes: Sequence[Mapping[str, Any]]
) -> list[Change]:
    """Endorsement changes from stored servicing changes; added objects are rated now on the
    policy's coverages."""
    base = version_items(active_versions(policy=policy)[0])
    coverages = coverages_of_items(product_version=policy.product_version, items=base)
    result: list[Change] = []
    for raw in changes:
        op = raw["op"]
        if op == "add_person":
            (person,) = customer_persons(customer=policy.customer, ids=[raw["person_id"]])
            result.append(Change(ADD, item_key(PERSON, person.pk), person_item(person, coverages)))
        elif op == "remove_person":
            result.append(Change(REMOVE, item_key(PERSON, raw["person_id"])))
        elif op == "add_aircraft":
            (aircraft,) = customer_aircraft(customer=policy.customer, ids=[raw["aircraft_id"]])
            result.append(
                Change(ADD, item_key(AIRCRAFT, aircraft.pk), aircraft_item(aircraft, coverages))
            )
        elif op == "remove_aircraft":
            result.append(Change(REMOVE, item_key(AIRCRAFT, raw["aircraft_id"])))
        elif op == "set_equipment":
            result.append(
                Change(
                    CHANGE,
                    item_key(AIRCRAFT, raw["aircraft_id"]),
                    patch={"installed_equipment": raw["equipment"]},
                )
            )
        elif op == "set_agreed_value":
            result.append(
                Change(
                    CHANGE,
                    item_key(AIRCRAFT, raw["aircraft_id"]),
                    patch={"agreed_value": raw["agreed_value"]},
                )
            )
        elif op == "details":
            result.append(Change(CHANGE, item_key(raw["target"], raw["id"]), patch=raw["data"]))
        elif op == "add_clause":
            clause = _policy_clause(policy, raw["code"])
            result.append(Change(ADD, item_key(CLAUSE, clause.code), clause_item(clause)))
        elif op == "remove_clause":
            result.append(Change(REMOVE, item_key(CLAUSE, raw["code"])))
        elif op == "set_clause":
            result.append(
                Change(
                    CHANGE, item_key(CLAUSE, raw["code"]), patch={"parameters": raw["parameters"]}
                )
            )
    return result


@dataclass(frozen=True)
class ServicingPreview:
    """What a servicing request would cost: `amount` positive to collect, negative to refund,
    with the calculation (lines and inputs)."""

    amount: Decimal
    calculation: dict[str, Any]
    out_of_sequence: bool


def servicing_preview(
    *, policy: Policy, kind: str, effective_on: date, changes: Sequence[Mapping[str, Any]]
) -> ServicingPreview:
    """The premium change or refund of a servicing request, computed and not written."""
    if kind == ServicingKind.CANCELLATION:
        refund = cancellation_plan(policy=policy, cancel_on=effective_on)
        return ServicingPreview(-refund.result, refund.as_dict(), False)
    built = servicing_changes_build(policy=policy, changes=changes)
    plan = endorsement_plan(policy=policy, effective_on=effective_on, changes=built)
    return ServicingPreview(plan.premium_change, plan.calculation, plan.out_of_sequence)


def servicing_request_get(*, request_id: int) -> ServicingRequest:
    request = (
        ServicingRequest.objects.select_related(
            "policy__customer", "policy__product_version__product", "handler"
        )
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise ServicingNotFound()
    return request


def servicing_requests_open(*, handler: User | None = None) -> QuerySet[ServicingRequest]:
    requests = ServicingRequest.objects.filter(status__in=SERVICING_OPEN).select_related(
        "policy", "handler"
    )
    if handler is not None:
        requests = requests.filter(handler=handler)
    return requests.order_by("received_at", "id")


def servicing_requests_of_policy(*, policy: Policy) -> QuerySet[ServicingRequest]:
    return ServicingRequest.objects.filter(policy=policy).order_by("-received_at", "-id")
