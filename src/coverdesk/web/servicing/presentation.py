"""How servicing requests are shown: status colours, the next step of each status, the
requested changes in words, and a calculation line by line. Display only: the figures come
from the stored or previewed calculation, never from arithmetic here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from coverdesk.catalog.choices import PersonCategory
from coverdesk.policies.choices import ServicingAction, ServicingStatus
from coverdesk.policies.transitions import SERVICING_WAITING
from coverdesk.web.formatting import money as money_text
from coverdesk.web.servicing.queries import ChangeNames

S = ServicingStatus

STATUS_TONE = {
    S.RECEIVED: "info",
    S.WAITING_FOR_DOCUMENTS: "warn",
    S.IN_REVIEW: "info",
    S.CALCULATED: "info",
    S.AWAITING_CONFIRMATION: "warn",
    S.CONFIRMED: "info",
    S.COMPLETED: "ok",
    S.ARCHIVED: "",
    S.REJECTED: "danger",
    S.WITHDRAWN: "",
}


def status_tone(status: str) -> str:
    return STATUS_TONE.get(status, "")  # type: ignore[call-overload]


def next_step(status: str) -> str:
    """What happens next to a request in `status`, as the queue says it."""
    steps = {
        S.RECEIVED: _("Check the documents"),
        S.WAITING_FOR_DOCUMENTS: _("Waiting for the customer's documents"),
        S.IN_REVIEW: _("Calculate the fee"),
        S.CALCULATED: _("Approve and apply"),
        S.AWAITING_CONFIRMATION: _("Waiting for the customer's confirmation"),
        S.CONFIRMED: _("Approve and apply"),
        S.COMPLETED: _("Confirm the result with the customer and archive"),
    }
    return str(steps.get(status, ""))  # type: ignore[call-overload]


def waits_for_customer(status: str) -> bool:
    return status in SERVICING_WAITING


def policy_url(policy_id: int) -> str:
    """The policy page (another team's); its path when its url name is not there yet."""
    try:
        return reverse("web:policy_detail", args=[policy_id])
    except NoReverseMatch:
        return f"/policies/{policy_id}/"


def chinese() -> bool:
    return (get_language() or "").startswith("zh")


# Calculations ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineView:
    code: str
    label: str
    formula: str
    amount: str
    is_result: bool


RESULT_CODES = frozenset({"adjustment", "refund", "total"})


def _amount_text(code: str, amount: str) -> str:
    if "days" in code or "months" in code:
        return amount
    if code == "retained_share":
        return f"{amount} %"
    return money_text(amount)


def calculation_lines(calculation: Mapping[str, Any] | None) -> list[LineView]:
    """The lines of a stored or previewed calculation, labels translated."""
    if not calculation:
        return []
    lines = []
    for line in calculation.get("lines", []):
        code = str(line.get("code", ""))
        label = str(line.get("label", ""))
        lines.append(
            LineView(
                code=code,
                label=_(label) if label else code,
                formula=str(line.get("formula", "")),
                amount=_amount_text(code, str(line.get("amount", ""))),
                is_result=code in RESULT_CODES,
            )
        )
    # The last result line is the figure: the adjustment unless later endorsements were
    # re-applied (then the total), or the refund.
    results = [i for i, line in enumerate(lines) if line.is_result]
    for index in results[:-1]:
        lines[index] = replace(lines[index], is_result=False)
    return lines


def calculation_method(calculation: Mapping[str, Any] | None) -> str:
    """How the figure was reached, in words."""
    if not calculation:
        return ""
    inputs = calculation.get("inputs") or {}
    if calculation.get("kind") == "cancellation_refund":
        method = inputs.get("method")
        names = {
            "pro_rata": _("Refund pro rata by day over the unearned period, less the fee"),
            "short_rate": _("Refund by the short-rate table, less the fee"),
            "flat": _("Flat refund of a share of the premium paid, less the fee"),
        }
        return str(names.get(str(method), method or ""))
    return _("Premium adjusted pro rata by day over the remaining period")


@dataclass(frozen=True)
class Reapplied:
    title: str
    lines: list[LineView]


def reapplied_calculations(calculation: Mapping[str, Any] | None) -> list[Reapplied]:
    """Later endorsements re-applied after an out-of-sequence one, each with its lines."""
    result = []
    for entry in (calculation or {}).get("reapplied", []) or []:
        if not isinstance(entry, Mapping):
            continue
        title = _("Endorsement %(sequence)s effective %(day)s: %(before)s → %(after)s") % {
            "sequence": entry.get("sequence", ""),
            "day": entry.get("effective_on", ""),
            "before": money_text(entry.get("before", "")),
            "after": money_text(entry.get("after", "")),
        }
        result.append(Reapplied(title=title, lines=calculation_lines(entry.get("calculation"))))
    return result


@dataclass(frozen=True)
class AmountView:
    text: str  # 1,234.56, without a sign
    direction: str  # charge | refund | none


def amount_view(amount: Decimal | None) -> AmountView | None:
    if amount is None:
        return None
    direction = "charge" if amount > 0 else "refund" if amount < 0 else "none"
    return AmountView(text=money_text(abs(amount)), direction=direction)


# Requested changes in words ----------------------------------------------------------------------


DETAIL_FIELD_LABELS = {
    "model": lambda: _("model"),
    "manufacturer": lambda: _("manufacturer"),
    "serial_number": lambda: _("serial number"),
    "ownership": lambda: _("ownership"),
    "name": lambda: _("name"),
    "occupation": lambda: _("occupation"),
    "department": lambda: _("department"),
}


def _category(code: str) -> str:
    try:
        return str(PersonCategory(code).label)
    except ValueError:
        return code


def change_texts(changes: Sequence[Mapping[str, Any]], names: ChangeNames) -> list[str]:
    """One sentence per requested change, naming the aircraft, person or clause."""

    def aircraft(pk: Any) -> str:
        return names.aircraft.get(int(pk), f"#{pk}")

    def person(pk: Any) -> str:
        return names.persons.get(int(pk), f"#{pk}")

    def clause(code: Any) -> str:
        title, title_en = names.clauses.get(str(code), ("", ""))
        shown = title if chinese() else title_en
        return f"{code} {shown}".strip()

    texts = []
    for change in changes:
        op = change.get("op")
        if op == "add_person":
            texts.append(_("Add insured person %(name)s") % {"name": person(change["person_id"])})
        elif op == "remove_person":
            texts.append(
                _("Remove insured person %(name)s") % {"name": person(change["person_id"])}
            )
        elif op == "add_aircraft":
            texts.append(_("Add aircraft %(name)s") % {"name": aircraft(change["aircraft_id"])})
        elif op == "remove_aircraft":
            texts.append(_("Remove aircraft %(name)s") % {"name": aircraft(change["aircraft_id"])})
        elif op == "set_agreed_value":
            texts.append(
                _("Agreed value of %(name)s becomes %(amount)s")
                % {
                    "name": aircraft(change["aircraft_id"]),
                    "amount": money_text(change["agreed_value"]),
                }
            )
        elif op == "set_equipment":
            equipment = change.get("equipment") or []
            listed = "; ".join(
                f"{row.get('name', '')} {money_text(row.get('sum_insured', '0'))}"
                for row in equipment
            )
            texts.append(
                _("Installed equipment of %(name)s becomes: %(list)s")
                % {"name": aircraft(change["aircraft_id"]), "list": listed or _("none")}
            )
        elif op == "details":
            target = change.get("target")
            name = aircraft(change["id"]) if target == "aircraft" else person(change["id"])
            data = change.get("data") or {}
            parts = ", ".join(
                f"{DETAIL_FIELD_LABELS[key]() if key in DETAIL_FIELD_LABELS else key} → {value}"
                for key, value in data.items()
            )
            texts.append(_("Details of %(name)s: %(parts)s") % {"name": name, "parts": parts})
        elif op == "add_clause":
            texts.append(_("Add clause %(clause)s") % {"clause": clause(change["code"])})
        elif op == "remove_clause":
            texts.append(_("Remove clause %(clause)s") % {"clause": clause(change["code"])})
        elif op == "set_clause":
            parameters = ", ".join(
                f"{key} = {value}" for key, value in (change.get("parameters") or {}).items()
            )
            texts.append(
                _("Clause %(clause)s parameters: %(parameters)s")
                % {"clause": clause(change["code"]), "parameters": parameters}
            )
    return texts


def person_label(name: str, category: str) -> str:
    return f"{name} · {_category(category)}" if category else name


@dataclass(frozen=True)
class HistoryRow:
    at: Any
    action: str
    action_label: str
    from_label: str
    to_label: str
    by: Any
    note: str


def _choice_label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def history_rows(changes: Sequence[Any]) -> list[HistoryRow]:
    """The status history in words: the receiving step and failures included."""
    rows = []
    for change in changes:
        action = str(change.action)
        label = _("Received") if action == "receive" else _choice_label(ServicingAction, action)
        rows.append(
            HistoryRow(
                at=change.at,
                action=action,
                action_label=label,
                from_label=_choice_label(S, change.from_status) if change.from_status else "",
                to_label=_choice_label(S, change.to_status),
                by=change.by,
                note=change.note,
            )
        )
    return rows
