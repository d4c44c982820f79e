"""Timeliness standards: the catalogue with its versions; a new standard; new terms as a new
version (the standards service checks `sla.change_slastandard`)."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import AwareDatetime

from coverdesk.api.auth import API_AUTH, require_permission
from coverdesk.api.sla.common import TAGS, user_of
from coverdesk.core import clock as core_clock
from coverdesk.sla.choices import UnitChoices
from coverdesk.sla.models import Audience, SlaStandard, SlaStandardVersion, StandardArea
from coverdesk.sla.selectors.catalogue import standard_detail, standard_list, version_in_force
from coverdesk.sla.services.standards import (
    EscalationStep,
    StandardTerms,
    sla_standard_change,
    sla_standard_create,
)

router = Router(tags=TAGS, auth=API_AUTH)

VIEW = "sla.view_slastandard"


class EscalationSchema(Schema):
    ratio: Decimal = Field(description="Share of the allowed time used, above 1 (1.5 = 150 %)")
    notify: list[Audience]


class StandardVersionOutput(Schema):
    number: int
    amount: int
    unit: str
    calendar: str
    yellow_ratio: Decimal
    yellow_notify: list[str]
    red_notify: list[str]
    escalations: list[EscalationSchema]
    progress_report_followup: bool
    rectification_followup: bool
    customer_updates: bool
    source: str
    note: str
    effective_from: datetime
    created_by: str | None


class StandardOutput(Schema):
    code: str
    name: str
    name_en: str
    area: str
    is_active: bool
    current: StandardVersionOutput | None = Field(description="The version in force now")


class StandardDetailOutput(StandardOutput):
    versions: list[StandardVersionOutput]


class TermsInput(Schema):
    amount: int = Field(ge=1, le=1_000_000)
    unit: UnitChoices
    calendar: str = Field(min_length=1, max_length=40)
    yellow_ratio: Decimal = Field(Decimal("0.800"), gt=0, lt=1)
    yellow_notify: list[Audience] = Field(
        default_factory=lambda: [Audience.ASSIGNEE, Audience.DEPARTMENT_HEAD]
    )
    red_notify: list[Audience] = Field(
        default_factory=lambda: [Audience.DEPARTMENT_HEAD, Audience.MANAGEMENT]
    )
    escalations: list[EscalationSchema] = Field(default_factory=list)
    progress_report_followup: bool = True
    rectification_followup: bool = True
    customer_updates: bool = False
    source: str = Field("", max_length=10_000)
    note: str = Field("", max_length=10_000)
    effective_from: AwareDatetime | None = Field(None, description="Default: now")


class StandardCreateInput(TermsInput):
    code: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    area: StandardArea


def _version_out(version: SlaStandardVersion) -> dict[str, Any]:
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
        "created_by": version.created_by.get_username() if version.created_by else None,
    }


def _standard_out(standard: SlaStandard, *, now: datetime, versions: bool) -> dict[str, Any]:
    current = version_in_force(standard, now=now)
    body = {
        "code": standard.code,
        "name": standard.name,
        "name_en": standard.name_en,
        "area": standard.area,
        "is_active": standard.is_active,
        "current": _version_out(current) if current else None,
    }
    if versions:
        body["versions"] = [_version_out(v) for v in standard.versions.all()]
    return body


def _terms(data: TermsInput) -> StandardTerms:
    return StandardTerms(
        amount=data.amount,
        unit=data.unit.value,
        calendar_code=data.calendar,
        yellow_ratio=data.yellow_ratio,
        yellow_notify=tuple(a.value for a in data.yellow_notify),
        red_notify=tuple(a.value for a in data.red_notify),
        escalations=tuple(
            EscalationStep(ratio=step.ratio, notify=tuple(a.value for a in step.notify))
            for step in data.escalations
        ),
        progress_report_followup=data.progress_report_followup,
        rectification_followup=data.rectification_followup,
        customer_updates=data.customer_updates,
        source=data.source,
        note=data.note,
    )


@router.get("/sla/standards", response=list[StandardOutput], summary="Timeliness standards")
def standards(
    request: HttpRequest, area: StandardArea | None = None, active: bool | None = None
) -> list[dict[str, Any]]:
    require_permission(request, VIEW)
    now = core_clock.now()
    return [
        _standard_out(standard, now=now, versions=False)
        for standard in standard_list(area=area.value if area else "", active=active)
    ]


@router.get(
    "/sla/standards/{code}", response=StandardDetailOutput, summary="A standard with its versions"
)
def standard(request: HttpRequest, code: str) -> dict[str, Any]:
    require_permission(request, VIEW)
    return _standard_out(standard_detail(code=code), now=core_clock.now(), versions=True)


@router.post(
    "/sla/standards", response={201: StandardDetailOutput}, summary="Create a standard (version 1)"
)
def standard_create(request: HttpRequest, data: StandardCreateInput) -> Status[dict[str, Any]]:
    user = user_of(request)
    created = sla_standard_create(
        code=data.code,
        name=data.name,
        name_en=data.name_en,
        area=data.area.value,
        terms=_terms(data),
        effective_from=data.effective_from,
        acting_user=user,
    )
    return Status(
        201, _standard_out(standard_detail(code=created.code), now=core_clock.now(), versions=True)
    )


@router.post(
    "/sla/standards/{code}/versions",
    response={201: StandardVersionOutput},
    summary="New terms for a standard, as a new version",
)
def standard_version_create(
    request: HttpRequest, code: str, data: TermsInput
) -> Status[dict[str, Any]]:
    version = sla_standard_change(
        code=code,
        terms=_terms(data),
        effective_from=data.effective_from,
        acting_user=user_of(request),
    )
    return Status(201, _version_out(version))
