"""Display shapes of the register pages: customer choices, the change history as labelled
before/after pairs, and the policies covering an object. Reads only; no decisions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from coverdesk.catalog.choices import PersonCategory
from coverdesk.parties.models import Party
from coverdesk.policies.models import Policy
from coverdesk.policies.models.insured import (
    Aircraft,
    InsuredObjectChangeAction,
    InsuredPerson,
    InsuredPersonStatus,
    Ownership,
)
from coverdesk.web.formatting import money

POLICIES_SHOWN = 20
CHOICE_LABELS: dict[str, dict[str, Any]] = {
    "ownership": dict(Ownership.choices),
    "category": dict(PersonCategory.choices),
    "status": dict(InsuredPersonStatus.choices),
}
# The page is about one customer's object already; the birth date is part of the ID number
# (characters 7 to 14), which the history holds masked, so it is not shown beside it.
HIDDEN_HISTORY_FIELDS = {"customer", "birth_date"}


def customer_choices(parties: Iterable[Party]) -> list[tuple[int, str]]:
    return [(party.pk, party.name) for party in parties]


def _asked(customer: Any) -> int | None:
    try:
        return int(customer) if customer not in (None, "") else None
    except (TypeError, ValueError):
        return None


def customers_with_aircraft(*, asked: Any = None) -> QuerySet[Party]:
    """Customers with aircraft on the register, and the one asked for (a link from the
    customer's page) even before their first aircraft."""
    match = Q(pk__in=Aircraft.objects.values("customer_id"))
    if (asked_id := _asked(asked)) is not None:
        match |= Q(pk=asked_id)
    return Party.objects.filter(match).order_by("name")


def customers_with_persons(*, asked: Any = None) -> QuerySet[Party]:
    match = Q(pk__in=InsuredPerson.objects.values("customer_id"))
    if (asked_id := _asked(asked)) is not None:
        match |= Q(pk=asked_id)
    return Party.objects.filter(match).order_by("name")


def customers_active() -> QuerySet[Party]:
    return Party.objects.filter(is_active=True).order_by("name")


def _value_text(name: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name in CHOICE_LABELS:
        return str(CHOICE_LABELS[name].get(value, value))
    if name == "agreed_value":
        return money(value)
    if name == "installed_equipment" and isinstance(value, list):
        return "; ".join(
            f"{item.get('name', '')} ({money(item.get('sum_insured', ''))})"
            for item in value
            if isinstance(item, Mapping)
        )
    return str(value)


def _label(model: type[Model], name: str) -> str:
    try:
        return str(getattr(model._meta.get_field(name), "verbose_name", name))
    except FieldDoesNotExist:  # a field since removed keeps its stored name
        return name


@dataclass(frozen=True)
class ChangedField:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class ChangeRow:
    changed_at: Any
    changed_by: Any
    action: str
    action_label: str
    reason: str
    fields: list[ChangedField]


def change_rows(changes: Iterable[Any], model: type[Model]) -> list[ChangeRow]:
    """Newest first. A created or imported row lists the values it started with."""
    rows: list[ChangeRow] = []
    labels = dict(InsuredObjectChangeAction.choices)
    for change in changes:
        before: Mapping[str, Any] = change.before or {}
        after: Mapping[str, Any] = change.after or {}
        names = [n for n in dict.fromkeys([*after, *before]) if n not in HIDDEN_HISTORY_FIELDS]
        fields = [
            ChangedField(
                label=_label(model, name),
                before=_value_text(name, before.get(name)) if change.before is not None else "",
                after=_value_text(name, after.get(name)),
            )
            for name in names
        ]
        rows.append(
            ChangeRow(
                changed_at=change.changed_at,
                changed_by=change.changed_by,
                action=change.action,
                action_label=str(labels.get(change.action, change.action)),
                reason=change.reason,
                fields=fields,
            )
        )
    rows.reverse()
    return rows


def equipment_rows(items: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    return [
        {"name": str(item.get("name", "")), "sum_insured": money(item.get("sum_insured", ""))}
        for item in items
    ]


@dataclass(frozen=True)
class PolicyRow:
    number: str
    product: str
    period_start: date
    period_end: date
    status: str
    status_label: str
    url: str


def _policy_url(policy: Policy) -> str:
    # The policy pages are another part of the web UI; link to them once they exist.
    try:
        return reverse("web:policy_detail", args=[policy.pk])
    except NoReverseMatch:
        return ""


def policy_rows(policies: QuerySet[Policy]) -> tuple[list[PolicyRow], int]:
    """The first POLICIES_SHOWN policies (newest period first) and how many there are."""
    shown = list(policies[:POLICIES_SHOWN])
    total = len(shown) if len(shown) < POLICIES_SHOWN else policies.count()
    rows = [
        PolicyRow(
            number=policy.number,
            product=policy.product_version.product.name,
            period_start=policy.period_start,
            period_end=policy.period_end,
            status=policy.status,
            status_label=policy.get_status_display(),
            url=_policy_url(policy),
        )
        for policy in shown
    ]
    return rows, total
