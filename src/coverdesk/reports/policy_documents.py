"""Printable policy documents: the policy schedule (保险单明细表) of a policy version and the
endorsement document (批单) with its calculation line by line, as PDF (WeasyPrint, A4).

Everything shown comes from the stored version terms and calculations, never from the live
register, so a reprint years later shows what was agreed. Labels are gettext with English
source text, rendered under `translation.override(language)`; names of coverages and clauses
come from the terms in the document's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.template import Context, Engine
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coverdesk.catalog.choices import (
    DeductibleKind,
    LimitBasis,
    LimitKind,
    LossType,
    PersonCategory,
)
from coverdesk.catalog.models import Clause
from coverdesk.catalog.parameters import SCHEMAS
from coverdesk.core import clock
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.policies.choices import ServicingKind, VersionKind
from coverdesk.policies.exceptions import PolicyNotFound
from coverdesk.policies.models import Endorsement, Policy, PolicyVersion
from coverdesk.policies.terms import row_premiums

__all__ = [
    "calculation_lines",
    "deductible_text",
    "endorsement_pdf",
    "limit_text",
    "policy_schedule_pdf",
    "terms_groups",
]

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
LANGUAGES = ("zh-hans", "en")

_engine = Engine(
    dirs=[str(TEMPLATE_DIR)],
    libraries={"i18n": "django.templatetags.i18n"},
    autoescape=True,
)


# Formatting -----------------------------------------------------------------------------------


def money(amount: Decimal | str | None) -> str:
    """12345.6 -> "12,345.60"; None -> "" (money is never shown as a float)."""
    if amount is None or amount == "":
        return ""
    return f"{Decimal(amount):,.2f}"


def _chinese(language: str) -> bool:
    return language.lower().startswith("zh")


def date_text(day: date, language: str) -> str:
    if _chinese(language):
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {day:%B} {day.year}"


def moment_text(moment: datetime, language: str) -> str:
    local = timezone.localtime(moment)
    return f"{date_text(local.date(), language)} {local:%H:%M}"


def period_text(first_day: date, last_day: date, language: str) -> str:
    """Cover runs from 00:00 of the first day to 24:00 of the last, as the contract says."""
    connector = "至" if _chinese(language) else "to"
    return f"{first_day.isoformat()} 00:00 {connector} {last_day.isoformat()} 24:00"


def _pick(data: Mapping[str, Any], field: str, language: str) -> str:
    """The Chinese field or its English twin (`<field>_en`), falling back to the Chinese."""
    if not _chinese(language):
        english = data.get(f"{field}_en")
        if english:
            return str(english)
    return str(data.get(field) or "")


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _language_check(language: str) -> str:
    if language not in LANGUAGES:
        raise ValidationFailed.for_field(
            "language", "choice", _("Choose Chinese (zh-hans) or English (en).")
        )
    return language


# Terms as rows --------------------------------------------------------------------------------


def limit_text(limit: Mapping[str, Any]) -> str:
    if limit.get("basis") == LimitBasis.AGREED_VALUE:
        share = Decimal(limit.get("share") or "1") * 100
        amount = _("%(share)s%% of the agreed value") % {"share": f"{share.normalize():f}"}
    else:
        amount = money(limit.get("amount"))
    parts = [_label(LimitKind, str(limit.get("kind", "")))]
    if limit.get("person_category"):
        parts.append(_label(PersonCategory, str(limit["person_category"])))
    if limit.get("loss_type"):
        parts.append(_label(LossType, str(limit["loss_type"])))
    return f"{' · '.join(parts)}: {amount}"


def deductible_text(deductible: Mapping[str, Any]) -> str:
    if deductible.get("kind") == DeductibleKind.PERCENTAGE:
        share = (Decimal(deductible.get("percentage") or "0") * 100).normalize()
        amount = _("%(share)s%% of the loss, at least %(minimum)s") % {
            "share": f"{share:f}",
            "minimum": money(deductible.get("minimum_amount")) or "0.00",
        }
    else:
        amount = money(deductible.get("amount"))
    if deductible.get("loss_type"):
        return f"{_label(LossType, str(deductible['loss_type']))}: {amount}"
    return amount


def _coverage_rows(
    items: list[Mapping[str, Any]], premiums: Mapping[str, Decimal], language: str
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for item in items:
        data = item["data"]
        sections = list(data.get("sections") or [])
        parts = sections or [data]
        for index, part in enumerate(parts):
            code = str(part.get("code"))
            rows.append(
                {
                    "coverage": _pick(data, "name", language) if index == 0 else "",
                    "span": len(parts),
                    "first": index == 0,
                    "section": _pick(part, "name", language) if sections else "",
                    "limits": [limit_text(limit) for limit in part.get("limits", [])],
                    "deductibles": [deductible_text(d) for d in part.get("deductibles", [])],
                    "premium": money(premiums.get(code)) if code in premiums else "—",
                }
            )
        if sections and data.get("limits"):
            rows[-len(parts)]["limits"] = [limit_text(limit) for limit in data["limits"]] + rows[
                -len(parts)
            ]["limits"]
    return rows


def _aircraft_rows(items: list[Mapping[str, Any]], language: str) -> list[dict[str, Any]]:
    rows = []
    for item in items:
        data = item["data"]
        rows.append(
            {
                "registration_mark": data.get("registration_mark", ""),
                "model": " ".join(
                    str(p) for p in (data.get("manufacturer"), data.get("model")) if p
                ),
                "serial_number": data.get("serial_number", ""),
                "purchase_year": data.get("purchase_year", ""),
                "seats": f"{data.get('crew_seats', '')} / {data.get('passenger_seats', '')}",
                "agreed_value": money(data.get("agreed_value")),
                "equipment": [
                    f"{e.get('name', '')}: {money(e.get('sum_insured'))}"
                    for e in data.get("installed_equipment", [])
                ],
                "premium": money(item["premium"]),
            }
        )
    return rows


def _person_rows(items: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for item in items:
        data = item["data"]
        sums = dict(data.get("sums_insured") or {})
        rows.append(
            {
                "name": data.get("name", ""),
                # The terms keep only the masked number; the full one never reaches a document.
                "id_number": data.get("id_number_masked", ""),
                "category": _label(PersonCategory, str(data.get("category", ""))),
                "occupation": data.get("occupation", ""),
                "department": data.get("department", ""),
                "sum_insured": money(sum((Decimal(v) for v in sums.values()), Decimal(0)))
                if sums
                else "—",
                "premium": money(item["premium"]),
            }
        )
    return rows


def _parameter_text(value: Any, kind: str = "") -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_parameter_text(v) for v in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if kind == "money" and value not in (None, ""):
        return money(str(value))
    if kind == "share" and value not in (None, ""):
        return f"{(Decimal(str(value)) * 100).normalize():f}%"
    return str(value)


def _clause_rows(
    items: list[Mapping[str, Any]], policy: Policy, language: str
) -> list[dict[str, Any]]:
    codes = [str(item["data"].get("code")) for item in items]
    texts = {
        c.code: c
        for c in Clause.objects.filter(version_id=policy.product_version_id, code__in=codes)
    }
    rows = []
    for item in items:
        data = item["data"]
        clause = texts.get(str(data.get("code")))
        schema = SCHEMAS.get(str(data.get("clause_kind")), {})

        def spec_kind(name: str, schema: Mapping[str, Any] = schema) -> str:
            spec = schema.get(name)
            return str(spec.kind) if spec is not None else ""

        text = ""
        if clause is not None:
            text = clause.text if _chinese(language) else (clause.text_en or clause.text)
        rows.append(
            {
                "title": _pick(data, "title", language),
                "text": text,
                "parameters": [
                    {"name": name, "value": _parameter_text(value, spec_kind(name))}
                    for name, value in sorted(dict(data.get("parameters") or {}).items())
                ],
            }
        )
    return rows


def terms_groups(terms: Mapping[str, Any]) -> dict[str, list[Mapping[str, Any]]]:
    """The items of the terms by kind (coverage, aircraft, person, clause): aircraft by
    registration mark, persons by category (pilots first) and name."""
    groups: dict[str, list[Mapping[str, Any]]] = {
        "coverage": [],
        "aircraft": [],
        "person": [],
        "clause": [],
    }
    for item in terms.get("items", []):
        groups.setdefault(str(item["key"]).split(":", 1)[0], []).append(item)
    groups["aircraft"].sort(key=lambda i: str(i["data"].get("registration_mark", "")))
    order = {category: n for n, category in enumerate(PersonCategory.values)}
    groups["person"].sort(
        key=lambda i: (order.get(str(i["data"].get("category")), 99), str(i["data"].get("name")))
    )
    return groups


# Rendering ------------------------------------------------------------------------------------


def _pdf(template_name: str, context: dict[str, Any], language: str) -> bytes:
    from weasyprint import HTML  # heavy import, only when a document is printed

    with translation.override(language):
        html = _engine.get_template(template_name).render(Context(context))
        return bytes(HTML(string=html, base_url=str(TEMPLATE_DIR)).write_pdf())


def _version_of(policy: Policy, version_number: int | None) -> PolicyVersion:
    versions = PolicyVersion.objects.filter(policy=policy)
    if version_number is None:
        # The latest terms not replaced; for a cancelled policy the last terms that covered
        # something (the schedule then also says from when it is cancelled).
        version = (
            versions.filter(replaced_at__isnull=True)
            .exclude(kind=VersionKind.CANCELLATION)
            .order_by("-effective_from", "-number")
            .first()
        )
    else:
        version = versions.filter(number=version_number).first()
    if version is None:
        raise ValidationFailed.for_field(
            "version_number", "not_found", _("This policy has no such version.")
        )
    return version


def _policy_context(policy: Policy, version: PolicyVersion, language: str) -> dict[str, Any]:
    groups = terms_groups(version.terms)
    premiums = row_premiums(_items(version.terms))
    product = dict(version.terms.get("product") or {})
    return {
        "language": language,
        "policy_number": policy.number,
        "version_number": version.number,
        "customer_name": policy.customer.name if policy.customer else "",
        "product_name": _pick(product, "name", language)
        or str(policy.product_version.product.name),
        "period": period_text(policy.period_start, policy.period_end, language),
        "version_period": period_text(
            version.effective_from, max(version.effective_to, version.effective_from), language
        ),
        "issued_at": moment_text(policy.issued_at, language),
        "printed_on": date_text(timezone.localdate(clock.now()), language),
        "cancelled_on": date_text(policy.cancelled_on, language) if policy.cancelled_on else "",
        "coverages": _coverage_rows(groups["coverage"], premiums, language),
        "aircraft": _aircraft_rows(groups["aircraft"], language),
        "persons": _person_rows(groups["person"]),
        "clauses": _clause_rows(groups["clause"], policy, language),
        "term_premium": money(version.term_premium),
        "premium_written": money(policy.premium_written),
    }


def _items(terms: Mapping[str, Any]) -> list[Any]:
    from coverdesk.policies.terms import items_from_json

    return items_from_json(terms.get("items", []))


def policy_schedule_pdf(
    *, policy_id: int, version_number: int | None = None, language: str = "zh-hans"
) -> bytes:
    """The policy schedule of `version_number` (default: the latest version in force) as PDF.
    Raises PolicyNotFound, or ValidationFailed for an unknown version or language. Callers
    check the user may see the policy (policies.access) before printing."""
    _language_check(language)
    policy = (
        Policy.objects.select_related("customer", "product_version__product")
        .filter(pk=policy_id)
        .first()
    )
    if policy is None:
        raise PolicyNotFound()
    version = _version_of(policy, version_number)
    with translation.override(language):
        context = _policy_context(policy, version, language)
    return _pdf("reports/policy_schedule.html", context, language)


# Endorsements ---------------------------------------------------------------------------------


def _item_title(item: Mapping[str, Any] | None, language: str) -> str:
    if item is None:
        return ""
    data = item["data"]
    kind = str(item["key"]).split(":", 1)[0]
    if kind == "aircraft":
        return f"{_('Aircraft')} {data.get('registration_mark', '')} ({data.get('model', '')})"
    if kind == "person":
        category = _label(PersonCategory, str(data.get("category", "")))
        return f"{_('Insured person')} {data.get('name', '')} ({category})"
    if kind == "clause":
        return f"{_('Clause')} {_pick(data, 'title', language)}"
    if kind == "coverage":
        return f"{_('Coverage')} {_pick(data, 'name', language)}"
    return str(item["key"])


MONEY_FIELDS = ("agreed_value", "sum_insured")


def _field_names() -> dict[str, str]:
    return {
        "agreed_value": _("agreed value"),
        "installed_equipment": _("installed equipment"),
        "category": _("category"),
        "occupation": _("occupation"),
        "department": _("department"),
        "name": _("name"),
        "parameters": _("parameters"),
    }


def _change_rows(
    endorsement: Endorsement,
    before: Mapping[str, Mapping[str, Any]],
    after: Mapping[str, Mapping[str, Any]],
    language: str,
) -> list[dict[str, str]]:
    rows = []
    field_names = _field_names()  # translated under the document language
    for change in endorsement.changes or []:
        key = str(change.get("key"))
        op = change.get("op")
        old, new = before.get(key), after.get(key)
        if op == "add":
            what, detail = _("Added"), _item_title(new or change.get("item"), language)
        elif op == "remove":
            what, detail = _("Removed"), _item_title(old, language)
        else:
            what, detail = _("Changed"), _item_title(new or old, language)
            patch = dict(change.get("patch") or {})
            shown = []
            for field, value in sorted(patch.items()):
                previous = old["data"].get(field) if old else None
                if field in MONEY_FIELDS:
                    value = money(value)
                    previous = money(previous) if previous is not None else None
                name = field_names.get(field, field)
                shown.append(f"{name}: {previous if previous is not None else '—'} → {value}")
            if shown:
                detail = f"{detail}; {'; '.join(shown)}"
        premium_old = money(old["premium"]) if old else "—"
        premium_new = money(new["premium"]) if new else "—"
        rows.append({"what": what, "detail": detail, "before": premium_old, "after": premium_new})
    if endorsement.kind == ServicingKind.CANCELLATION:
        rows.append(
            {
                "what": _("Cancelled"),
                "detail": _("The policy is cancelled; cover ends at %(moment)s.")
                % {"moment": f"{endorsement.effective_on.isoformat()} 00:00"},
                "before": "—",
                "after": "—",
            }
        )
    return rows


def calculation_lines(calculation: Mapping[str, Any] | None) -> list[dict[str, str]]:
    """The stored lines: code, label (English source, translated here), formula, amount. Day
    and month counts are shown as they are, money with separators."""
    lines = []
    for line in (calculation or {}).get("lines", []):
        code = str(line.get("code", ""))
        amount = str(line.get("amount", ""))
        is_days = "days" in code or "months" in code
        lines.append(
            {
                "code": code,
                "label": _(str(line.get("label", ""))) if line.get("label") else code,
                "formula": str(line.get("formula", "")),
                "amount": amount if is_days or "." not in amount else money(amount),
            }
        )
    return lines


def _by_key(terms: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    return {str(item["key"]): item for item in (terms or {}).get("items", [])}


def endorsement_pdf(*, endorsement_id: int, language: str = "zh-hans") -> bytes:
    """The endorsement document (批单) as PDF: what changed, from when, the premium change or
    refund with its calculation line by line, the resulting term premium. Raises
    ValidationFailed for an unknown endorsement or language."""
    _language_check(language)
    endorsement = (
        Endorsement.objects.select_related("policy__customer", "servicing_request")
        .filter(pk=endorsement_id)
        .first()
    )
    if endorsement is None:
        raise ValidationFailed.for_field(
            "endorsement_id", "not_found", _("There is no such endorsement.")
        )
    policy = endorsement.policy
    own = PolicyVersion.objects.filter(endorsement=endorsement).order_by("number").first()
    before_version = None
    if own is not None:
        before_version = (
            PolicyVersion.objects.filter(policy=policy, number__lt=own.number)
            .exclude(endorsement=endorsement)
            .filter(effective_from__lte=own.effective_from)
            .order_by("-effective_from", "-number")
            .first()
        )
    with translation.override(language):
        calculation = dict(endorsement.calculation or {})
        # Later endorsements re-applied after this out-of-sequence one: each one's new
        # calculation (its difference is already a line of this endorsement's calculation).
        reapplied = [
            {
                "title": _("Endorsement %(sequence)s effective %(day)s")
                % {
                    "sequence": entry.get("sequence", ""),
                    "day": date_text(date.fromisoformat(str(entry["effective_on"])), language),
                },
                "lines": calculation_lines(entry.get("calculation") or {}),
                "before": money(entry.get("before")),
                "after": money(entry.get("after")),
            }
            for entry in calculation.get("reapplied", [])
            if isinstance(entry, Mapping) and entry.get("effective_on")
        ]
        change = endorsement.premium_change
        context = {
            "language": language,
            "policy_number": policy.number,
            "endorsement_number": f"{policy.number}-E{endorsement.sequence:03d}",
            "sequence": endorsement.sequence,
            "customer_name": policy.customer.name,
            "kind": _label(ServicingKind, endorsement.kind),
            "effective_on": date_text(endorsement.effective_on, language),
            "effective_moment": f"{endorsement.effective_on.isoformat()} 00:00",
            "period": period_text(policy.period_start, policy.period_end, language),
            "created_at": moment_text(endorsement.created_at, language),
            "out_of_sequence": endorsement.out_of_sequence,
            "description": (
                endorsement.servicing_request.description if endorsement.servicing_request else ""
            ),
            "changes": _change_rows(
                endorsement,
                _by_key(before_version.terms if before_version else None),
                _by_key(own.terms if own else None),
                language,
            ),
            "lines": calculation_lines(calculation),
            "reapplied": reapplied,
            "amount": money(abs(change)),
            "is_refund": change < 0,
            "is_charge": change > 0,
            "term_premium_after": money(own.term_premium) if own else "",
        }
    return _pdf("reports/endorsement.html", context, language)
