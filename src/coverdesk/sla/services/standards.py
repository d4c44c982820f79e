"""Writes of timeliness standards. A standard's terms are never edited in place: a change is a
new version, used by the clocks started from its `effective_from` on. Running clocks keep the
version they started with unless an administrator re-plans them
(`coverdesk.sla.services.replan.sla_standard_replan_running`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import User
from coverdesk.audit.services import audit_record
from coverdesk.core.clock import ensure_aware
from coverdesk.core.exceptions import Conflict, FieldError, PermissionDenied, ValidationFailed
from coverdesk.sla.calculations import event_steps
from coverdesk.sla.choices import UnitChoices
from coverdesk.sla.models import (
    Audience,
    Calendar,
    SlaStandard,
    SlaStandardVersion,
    StandardArea,
)
from coverdesk.sla.models.clocks import STANDARD_CODE_PATTERN
from coverdesk.sla.selectors.clocks import standard_get
from coverdesk.sla.services.clocks import moment_of

ADMIN_PERMISSION = "sla.change_slastandard"
MAX_AMOUNT = 1_000_000
NAME_MAX_LENGTH = 200
TEXT_MAX_LENGTH = 10_000
DEFAULT_YELLOW_NOTIFY = (Audience.ASSIGNEE, Audience.DEPARTMENT_HEAD)
DEFAULT_RED_NOTIFY = (Audience.DEPARTMENT_HEAD, Audience.MANAGEMENT)


@dataclass(frozen=True)
class EscalationStep:
    ratio: Decimal  # share of the allowed time used, above 1
    notify: tuple[str, ...]


@dataclass(frozen=True)
class StandardTerms:
    """What one version of a standard demands."""

    amount: int
    unit: str
    calendar_code: str
    yellow_ratio: Decimal = Decimal("0.800")
    yellow_notify: tuple[str, ...] = DEFAULT_YELLOW_NOTIFY
    red_notify: tuple[str, ...] = DEFAULT_RED_NOTIFY
    escalations: tuple[EscalationStep, ...] = field(default_factory=tuple)
    progress_report_followup: bool = True
    rectification_followup: bool = True
    customer_updates: bool = False
    source: str = ""
    note: str = ""


class StandardExists(Conflict):
    default_code = "sla_standard_exists"
    default_message = _("A standard with the code {code} already exists.")


class StandardsAdminOnly(PermissionDenied):
    default_code = "sla_standards_admin_only"
    default_message = _("Only an administrator of timeliness standards may do this.")


def standards_admin_check(acting_user: User) -> None:
    if not acting_user.is_active or not acting_user.has_perm(ADMIN_PERMISSION):
        raise StandardsAdminOnly()


def _audiences(name: str, values: Sequence[str], errors: list[FieldError]) -> list[str]:
    chosen: list[str] = []
    for value in values:
        if value not in Audience.values:
            errors.append(
                FieldError(name, "choice", _("Unknown audience {value}.").format(value=value))
            )
        elif value not in chosen:
            chosen.append(value)
    return chosen


def _terms_checked(
    terms: StandardTerms, errors: list[FieldError]
) -> tuple[Calendar | None, Decimal]:
    if (
        isinstance(terms.amount, bool)
        or not isinstance(terms.amount, int)
        or not (0 < terms.amount <= MAX_AMOUNT)
    ):
        errors.append(FieldError("amount", "range", _("A whole number from 1 to 1,000,000.")))
    if terms.unit not in UnitChoices.values:
        errors.append(FieldError("unit", "choice", _("Unknown unit.")))
    calendar = Calendar.objects.filter(code=terms.calendar_code).first()
    if calendar is None:
        errors.append(FieldError("calendar", "unknown", _("Unknown calendar.")))
    try:
        ratio = Decimal(terms.yellow_ratio)
        valid_ratio = 0 < ratio < 1 and ratio == ratio.quantize(Decimal("0.001"))
    except (InvalidOperation, TypeError):
        ratio, valid_ratio = Decimal(0), False
    if not valid_ratio:
        errors.append(
            FieldError(
                "yellow_ratio", "range", _("A share between 0 and 1 with at most three decimals.")
            )
        )
    _audiences("yellow_notify", terms.yellow_notify, errors)
    _audiences("red_notify", terms.red_notify, errors)
    for step in terms.escalations:
        _audiences("escalations", step.notify, errors)
    if valid_ratio:
        try:
            event_steps(yellow_ratio=ratio, escalation_ratios=[s.ratio for s in terms.escalations])
        except ValueError:
            errors.append(
                FieldError(
                    "escalations", "order", _("Escalation shares must be above 1 and increasing.")
                )
            )
    for name, text in (("source", terms.source), ("note", terms.note)):
        if len(text) > TEXT_MAX_LENGTH:
            errors.append(FieldError(name, "max_length", _("At most 10,000 characters.")))
    return calendar, ratio


def _names_checked(name: str, name_en: str, errors: list[FieldError]) -> tuple[str, str]:
    cleaned = (name.strip(), name_en.strip())
    for field_name, value in zip(("name", "name_en"), cleaned, strict=True):
        if not value:
            errors.append(FieldError(field_name, "required", _("This field is required.")))
        elif len(value) > NAME_MAX_LENGTH:
            errors.append(FieldError(field_name, "max_length", _("At most 200 characters.")))
    return cleaned


def _effective(
    effective_from: datetime | None, moment: datetime, errors: list[FieldError]
) -> datetime:
    if effective_from is None:
        return moment
    ensure_aware(effective_from, field="effective_from")
    if effective_from < moment:
        errors.append(
            FieldError("effective_from", "past", _("A new version cannot take effect in the past."))
        )
    return effective_from


def _version_row(
    standard: SlaStandard,
    number: int,
    terms: StandardTerms,
    calendar: Calendar,
    ratio: Decimal,
    effective_from: datetime,
    acting_user: User,
) -> SlaStandardVersion:
    return SlaStandardVersion.objects.create(
        standard=standard,
        number=number,
        amount=terms.amount,
        unit=terms.unit,
        calendar=calendar,
        yellow_ratio=ratio,
        yellow_notify=list(dict.fromkeys(terms.yellow_notify)),
        red_notify=list(dict.fromkeys(terms.red_notify)),
        escalations=[
            {"ratio": str(step.ratio), "notify": list(dict.fromkeys(step.notify))}
            for step in terms.escalations
        ],
        progress_report_followup=terms.progress_report_followup,
        rectification_followup=terms.rectification_followup,
        customer_updates=terms.customer_updates,
        source=terms.source.strip(),
        note=terms.note.strip(),
        effective_from=effective_from,
        created_by=acting_user,
    )


def version_snapshot(version: SlaStandardVersion) -> dict[str, Any]:
    return {
        "number": version.number,
        "amount": version.amount,
        "unit": version.unit,
        "calendar": version.calendar.code,
        "yellow_ratio": version.yellow_ratio,
        "yellow_notify": version.yellow_notify,
        "red_notify": version.red_notify,
        "escalations": version.escalations,
        "progress_report_followup": version.progress_report_followup,
        "rectification_followup": version.rectification_followup,
        "customer_updates": version.customer_updates,
        "source": version.source,
        "note": version.note,
        "effective_from": version.effective_from,
    }


@transaction.atomic
def sla_standard_create(
    *,
    code: str,
    name: str,
    name_en: str,
    area: str,
    terms: StandardTerms,
    acting_user: User,
    now: datetime | None = None,
    effective_from: datetime | None = None,
) -> SlaStandard:
    """A new standard with its first version. Bad input names every bad field, writes nothing."""
    standards_admin_check(acting_user)
    moment = moment_of(now)
    errors: list[FieldError] = []
    if not re.fullmatch(STANDARD_CODE_PATTERN, code) or len(code) > 100:
        errors.append(
            FieldError("code", "format", _("Lower-case words joined by dots, e.g. claims.payment."))
        )
    cleaned_name, cleaned_name_en = _names_checked(name, name_en, errors)
    if area not in StandardArea.values:
        errors.append(FieldError("area", "choice", _("Unknown area.")))
    calendar, ratio = _terms_checked(terms, errors)
    starts = _effective(effective_from, moment, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    assert calendar is not None
    if SlaStandard.objects.filter(code=code).exists():
        raise StandardExists(params={"code": code})
    standard = SlaStandard.objects.create(
        code=code, name=cleaned_name, name_en=cleaned_name_en, area=area
    )
    version = _version_row(standard, 1, terms, calendar, ratio, starts, acting_user)
    audit_record(
        action="sla.standard.create",
        actor=acting_user,
        subject=standard,
        after={
            "code": code,
            "name": cleaned_name,
            "name_en": cleaned_name_en,
            "area": area,
            "version": version_snapshot(version),
        },
        now=moment,
    )
    return standard


@transaction.atomic
def sla_standard_change(
    *,
    code: str,
    terms: StandardTerms,
    acting_user: User,
    now: datetime | None = None,
    effective_from: datetime | None = None,
) -> SlaStandardVersion:
    """New terms for a standard, as a new version in force from `effective_from` (default:
    now) for the clocks started from then on."""
    standards_admin_check(acting_user)
    moment = moment_of(now)
    standard = standard_get(code=code)
    SlaStandard.objects.select_for_update().filter(pk=standard.pk).first()  # numbers in order
    errors: list[FieldError] = []
    calendar, ratio = _terms_checked(terms, errors)
    starts = _effective(effective_from, moment, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    assert calendar is not None
    latest = standard.versions.aggregate(number=Max("number"))["number"] or 0
    previous = standard.versions.select_related("calendar").filter(number=latest).first()
    version = _version_row(standard, latest + 1, terms, calendar, ratio, starts, acting_user)
    audit_record(
        action="sla.standard.change",
        actor=acting_user,
        subject=standard,
        before=version_snapshot(previous) if previous is not None else None,
        after=version_snapshot(version),
        now=moment,
    )
    return version


@transaction.atomic
def sla_standard_describe(
    *,
    code: str,
    name: str,
    name_en: str,
    is_active: bool = True,
    acting_user: User,
    now: datetime | None = None,
) -> SlaStandard:
    """Rename a standard or (de)activate it; an inactive standard starts no new clocks."""
    standards_admin_check(acting_user)
    moment = moment_of(now)
    standard = SlaStandard.objects.select_for_update().get(pk=standard_get(code=code).pk)
    errors: list[FieldError] = []
    cleaned_name, cleaned_name_en = _names_checked(name, name_en, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    before = {"name": standard.name, "name_en": standard.name_en, "is_active": standard.is_active}
    standard.name, standard.name_en, standard.is_active = cleaned_name, cleaned_name_en, is_active
    standard.save(update_fields=["name", "name_en", "is_active", "updated_at"])
    audit_record(
        action="sla.standard.describe",
        actor=acting_user,
        subject=standard,
        before=before,
        after={"name": cleaned_name, "name_en": cleaned_name_en, "is_active": is_active},
        now=moment,
    )
    return standard
