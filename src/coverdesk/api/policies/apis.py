"""Policies: list and filters, detail with the versions, what was covered on a day, the policy
schedule and endorsement documents (PDF), previews of an endorsement's premium change or a
cancellation's refund (which write nothing), endorsements, cancellation, contract filing,
renewal (quote from the current version, then the renewed policy), the expiring-policies report
and statistics by product. Customers see only their own organisation's policies."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from coverdesk.api.auth import API_AUTH, require_permission
from coverdesk.api.policies.common import Page, Workflow, body_fields, caller, today
from coverdesk.api.policies.new_business import QUOTE_FIELDS, QUOTES, QuoteOutput
from coverdesk.core.exceptions import NotFound, ValidationFailed
from coverdesk.policies.access.policies import policies_for_user, policy_access_for_user
from coverdesk.policies.choices import PolicyStatus, RenewalStatus, ServicingKind
from coverdesk.policies.exceptions import QuoteNotFound
from coverdesk.policies.models import Endorsement, Policy, PolicyVersion, Quote
from coverdesk.policies.selectors.policies import (
    policies_expiring,
    policy_statistics,
    policy_version_in_force,
)
from coverdesk.policies.selectors.servicing import (
    servicing_changes_build,
    servicing_changes_clean,
    servicing_preview,
)
from coverdesk.policies.services.policies import (
    endorsement_apply,
    policy_cancel,
    policy_contract_file,
)
from coverdesk.policies.services.renewals import policy_renew, renewal_quote_create
from coverdesk.reports.policy_documents import endorsement_pdf, policy_schedule_pdf

router = Router(tags=["policies"], auth=API_AUTH)

PERM_VIEW = "policies.view_policy"
PERM_APPROVE_SERVICING = "policies.approve_servicing"
PDF = "application/pdf"
LANGUAGES = {"zh": "zh-hans", "en": "en"}
LANGUAGE_HELP = "zh: Chinese (the contract's language), en: English on request"


class VersionNotFound(NotFound):
    default_code = "policy_version_not_found"
    default_message = _("This policy has no such version.")


class EndorsementNotFound(NotFound):
    default_code = "policy_endorsement_not_found"
    default_message = _("This policy has no such endorsement.")


class PolicyOutput(Schema):
    id: int
    number: str
    customer_id: int
    customer_name: str
    product_code: str
    product_version: int
    status: PolicyStatus
    period_start: date
    period_end: date = Field(description="Cover ends at 24:00 of this day")
    term_premium: Decimal
    premium_written: Decimal
    cancelled_on: date | None
    broker_id: int | None
    filed_at: datetime | None = Field(description="Contract filed (and the customer told)")
    renewal_status: RenewalStatus
    renewal_of_id: int | None = Field(description="The policy this one renews")


class VersionSummaryOutput(Schema):
    number: int
    kind: str
    effective_from: date
    effective_to: date
    term_premium: Decimal
    premium_change: Decimal
    replaced: bool


class VersionOutput(VersionSummaryOutput):
    terms: dict[str, Any]
    calculation: dict[str, Any] | None


class PolicyDetailOutput(PolicyOutput):
    filing_reference: str
    renewed_by_id: int | None = Field(description="The policy that renews this one")
    version_in_force: VersionOutput | None = Field(description="The version in force today")
    versions: list[VersionSummaryOutput]


class InForceOutput(Schema):
    on: date
    covered: bool
    version: VersionOutput | None


class PreviewInput(Schema):
    kind: Literal["endorsement", "cancellation"]
    effective_on: date | None = Field(None, description="First day of an endorsement")
    cancel_on: date | None = Field(None, description="First day without cover")
    type: ServicingKind | None = Field(
        None, description="The servicing type of an endorsement's changes"
    )
    changes: list[dict[str, Any]] = []


class CalculationLineOutput(Schema):
    code: str
    label: str
    formula: str
    amount: Decimal


class PreviewOutput(Schema):
    amount: Decimal = Field(description="Positive: to collect; negative: to refund")
    out_of_sequence: bool
    lines: list[CalculationLineOutput]
    calculation: dict[str, Any]


class EndorsementInput(Schema):
    type: ServicingKind
    effective_on: date
    changes: list[dict[str, Any]]
    expected_premium_change: Decimal | None = None


class CancelInput(Schema):
    cancel_on: date
    expected_refund: Decimal | None = Field(
        None, description="Refuse if the refund computed now differs from this amount"
    )


class EndorsementOutput(Schema):
    id: int
    sequence: int
    kind: str
    effective_on: date
    premium_change: Decimal
    calculation: dict[str, Any] | None
    out_of_sequence: bool = False
    servicing_request_id: int | None = None
    created_at: datetime | None = None


class FileInput(Schema):
    filing_reference: str = Field(min_length=1, max_length=100)


class RenewalQuoteInput(Schema):
    """Everything is optional: by default the renewal keeps the coverages, insured objects and
    clause parameters of the version in force on the last day, for 12 months."""

    label: str = Field("", max_length=100)
    coverage_codes: list[str] | None = None
    aircraft_ids: list[int] | None = None
    person_ids: list[int] | None = None
    clause_parameters: dict[str, dict[str, Any]] | None = None
    period_end: date | None = Field(None, description="Last day of the renewed cover")


class RenewInput(Schema):
    quote_id: int = Field(description="A renewal quote of this policy")
    premium_paid: Decimal
    paid_on: date
    payment_reference: str = Field(min_length=1, max_length=100)


class ExpiringOutput(PolicyOutput):
    renewed_by: str | None = Field(description="The renewal's policy number")


class ProductStatisticsOutput(Schema):
    product_code: str
    policies: int
    premium_written: Decimal


class StatisticsOutput(Schema):
    first_day: date
    last_day: date
    policies: int
    premium_written: Decimal
    products: list[ProductStatisticsOutput]


def _policy(policy: Policy) -> dict[str, Any]:
    return {
        "id": policy.pk,
        "number": policy.number,
        "customer_id": policy.customer_id,
        "customer_name": policy.customer.name,
        "product_code": policy.product_version.product.code,
        "product_version": policy.product_version.number,
        "status": policy.status,
        "period_start": policy.period_start,
        "period_end": policy.period_end,
        "term_premium": policy.term_premium,
        "premium_written": policy.premium_written,
        "cancelled_on": policy.cancelled_on,
        "broker_id": policy.broker_id,
        "filed_at": policy.filed_at,
        "renewal_status": policy.renewal_status,
        "renewal_of_id": policy.renewal_of_id,
    }


def _version_summary(version: PolicyVersion) -> dict[str, Any]:
    return {
        "number": version.number,
        "kind": version.kind,
        "effective_from": version.effective_from,
        "effective_to": version.effective_to,
        "term_premium": version.term_premium,
        "premium_change": version.premium_change,
        "replaced": version.replaced_at is not None,
    }


def _version(version: PolicyVersion | None) -> dict[str, Any] | None:
    if version is None:
        return None
    return {
        **_version_summary(version),
        "terms": version.terms,
        "calculation": version.calculation,
    }


def _policy_detail(policy: Policy) -> dict[str, Any]:
    versions = PolicyVersion.objects.filter(policy=policy).order_by("number")
    renewal = Policy.objects.filter(renewal_of=policy).values_list("pk", flat=True).first()
    return {
        **_policy(policy),
        "filing_reference": policy.filing_reference,
        "renewed_by_id": renewal,
        "version_in_force": _version(policy_version_in_force(policy=policy, on=today())),
        "versions": [_version_summary(v) for v in versions],
    }


def _endorsement(endorsement: Endorsement) -> dict[str, Any]:
    return {
        "id": endorsement.pk,
        "sequence": endorsement.sequence,
        "kind": endorsement.kind,
        "effective_on": endorsement.effective_on,
        "premium_change": endorsement.premium_change,
        "calculation": endorsement.calculation,
        "out_of_sequence": endorsement.out_of_sequence,
        "servicing_request_id": endorsement.servicing_request_id,
        "created_at": endorsement.created_at,
    }


def _policy_fetch(user: Any, policy_id: int) -> Policy:
    return policy_access_for_user(user=user, policy_id=policy_id)


POLICIES = Workflow(fetch=_policy_fetch, render=_policy_detail, id_name="policy_id")


def _endorsement_of(request: HttpRequest, policy_id: int, sequence: int) -> Endorsement:
    policy = _policy_fetch(caller(request), policy_id)
    endorsement = Endorsement.objects.filter(policy=policy, sequence=sequence).first()
    if endorsement is None:
        raise EndorsementNotFound()
    return endorsement


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=PDF)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _pdf_answer(description: str) -> dict[str, Any]:
    return {
        "responses": {
            200: {
                "description": description,
                "content": {PDF: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


def _period(first_day: date, last_day: date) -> None:
    if last_day < first_day:
        raise ValidationFailed.for_field(
            "last_day", "after_start", _("The period cannot end before it starts.")
        )


# Reports (before /policies/{id} so their names are not taken for an id) ------------------------


@router.get(
    "/policies/expiring",
    response=list[ExpiringOutput],
    summary="Policies expiring in a period, with their renewal status (staff)",
)
@paginate(PageNumberPagination)
def policies_expiring_api(request: HttpRequest, first_day: date, last_day: date) -> Any:
    require_permission(request, PERM_VIEW)
    return [
        {**_policy(row.policy), "renewal_status": row.renewal_status, "renewed_by": row.renewed_by}
        for row in policies_expiring(first_day=first_day, last_day=last_day)
    ]


@router.get(
    "/policies/statistics",
    response=StatisticsOutput,
    summary="Policies issued in a period and their premium written, by product (staff)",
)
def policy_statistics_api(request: HttpRequest, first_day: date, last_day: date) -> dict[str, Any]:
    require_permission(request, PERM_VIEW)
    _period(first_day, last_day)
    rows = policy_statistics(first_day=first_day, last_day=last_day)
    return {
        "first_day": first_day,
        "last_day": last_day,
        "policies": sum(row.policies for row in rows),
        "premium_written": sum((row.premium_written for row in rows), Decimal("0.00")),
        "products": [
            {
                "product_code": row.product_code,
                "policies": row.policies,
                "premium_written": row.premium_written,
            }
            for row in rows
        ],
    }


# List and detail ------------------------------------------------------------------------------


@router.get("/policies", response=list[PolicyOutput], summary="Policies")
@paginate(PageNumberPagination)
def policy_list_api(
    request: HttpRequest,
    number: str = Query("", description="Policy number or its beginning"),
    customer: int | None = None,
    aircraft: int | None = Query(None, description="Insured this aircraft on any version"),
    person: int | None = Query(None, description="Insured this person on any version"),
    product: str = "",
    status: PolicyStatus | None = None,
    in_force_on: date | None = None,
) -> Any:
    policies = policies_for_user(
        user=caller(request),
        number=number,
        customer_id=customer,
        aircraft_id=aircraft,
        person_id=person,
        product_code=product,
        status=status or "",
        in_force_on=in_force_on,
    )
    return Page(policies, _policy)


@router.get("/policies/{int:policy_id}", response=PolicyDetailOutput, summary="A policy")
def policy_detail(request: HttpRequest, policy_id: int) -> dict[str, Any]:
    return POLICIES.detail(request, policy_id)


@router.get(
    "/policies/{int:policy_id}/versions/{int:number}",
    response=VersionOutput,
    summary="A policy version",
)
def policy_version_detail(request: HttpRequest, policy_id: int, number: int) -> dict[str, Any]:
    policy = _policy_fetch(caller(request), policy_id)
    version = PolicyVersion.objects.filter(policy=policy, number=number).first()
    if version is None:
        raise VersionNotFound()
    return _version(version)  # type: ignore[return-value]


@router.get(
    "/policies/{int:policy_id}/in-force",
    response=InForceOutput,
    summary="What was covered on a day",
)
def policy_in_force(request: HttpRequest, policy_id: int, on: date) -> dict[str, Any]:
    policy = _policy_fetch(caller(request), policy_id)
    version = policy_version_in_force(policy=policy, on=on)
    return {"on": on, "covered": version is not None, "version": _version(version)}


# Documents ------------------------------------------------------------------------------------


@router.get(
    "/policies/{int:policy_id}/schedule.pdf",
    summary="The policy schedule (保险单明细表) as PDF",
    openapi_extra=_pdf_answer("The policy schedule"),
)
def policy_schedule_pdf_api(
    request: HttpRequest,
    policy_id: int,
    lang: Literal["zh", "en"] = Query("zh", description=LANGUAGE_HELP),
    version: int | None = Query(None, description="A version number (default: the latest terms)"),
) -> HttpResponse:
    policy = _policy_fetch(caller(request), policy_id)
    with body_fields({"version_number": "version", "language": "lang"}):
        content = policy_schedule_pdf(
            policy_id=policy.pk, version_number=version, language=LANGUAGES[lang]
        )
    suffix = f"-v{version}" if version is not None else ""
    return _pdf(content, f"{policy.number}{suffix}-{lang}.pdf")


@router.get(
    "/policies/{int:policy_id}/endorsements",
    response=list[EndorsementOutput],
    summary="A policy's endorsements in the order they were made",
)
def policy_endorsements(request: HttpRequest, policy_id: int) -> list[dict[str, Any]]:
    policy = _policy_fetch(caller(request), policy_id)
    return [_endorsement(e) for e in Endorsement.objects.filter(policy=policy).order_by("sequence")]


@router.get(
    "/policies/{int:policy_id}/endorsements/{int:sequence}",
    response=EndorsementOutput,
    summary="An endorsement with its calculation",
)
def policy_endorsement_detail(
    request: HttpRequest, policy_id: int, sequence: int
) -> dict[str, Any]:
    return _endorsement(_endorsement_of(request, policy_id, sequence))


@router.get(
    "/policies/{int:policy_id}/endorsements/{int:sequence}/document.pdf",
    summary="The endorsement document (批单) as PDF",
    openapi_extra=_pdf_answer("The endorsement document"),
)
def policy_endorsement_pdf_api(
    request: HttpRequest,
    policy_id: int,
    sequence: int,
    lang: Literal["zh", "en"] = Query("zh", description=LANGUAGE_HELP),
) -> HttpResponse:
    endorsement = _endorsement_of(request, policy_id, sequence)
    with body_fields({"language": "lang"}):
        content = endorsement_pdf(endorsement_id=endorsement.pk, language=LANGUAGES[lang])
    number = endorsement.policy.number
    return _pdf(content, f"{number}-E{endorsement.sequence:03d}-{lang}.pdf")


# Previews and actions -------------------------------------------------------------------------


def _required(field: str) -> ValidationFailed:
    return ValidationFailed.for_field(field, "required", _("This field is required."))


@router.post(
    "/policies/{int:policy_id}/preview",
    response=PreviewOutput,
    summary="Preview an endorsement's premium change or a cancellation's refund (writes nothing)",
)
def policy_preview(request: HttpRequest, policy_id: int, data: PreviewInput) -> dict[str, Any]:
    policy = _policy_fetch(caller(request), policy_id)
    if data.kind == "cancellation":
        if data.cancel_on is None:
            raise _required("cancel_on")
        preview = servicing_preview(
            policy=policy,
            kind=ServicingKind.CANCELLATION,
            effective_on=data.cancel_on,
            changes=[],
        )
    else:
        if data.effective_on is None:
            raise _required("effective_on")
        if data.type is None:
            raise _required("type")
        changes = servicing_changes_clean(policy=policy, kind=data.type, changes=data.changes)
        preview = servicing_preview(
            policy=policy, kind=data.type, effective_on=data.effective_on, changes=changes
        )
    return {
        "amount": preview.amount,
        "out_of_sequence": preview.out_of_sequence,
        "lines": preview.calculation.get("lines", []),
        "calculation": preview.calculation,
    }


@router.post(
    "/policies/{int:policy_id}/endorsements",
    response={201: EndorsementOutput},
    summary="Endorse a policy from a day",
)
def policy_endorse(
    request: HttpRequest, policy_id: int, data: EndorsementInput
) -> Status[dict[str, Any]]:
    user = require_permission(request, PERM_APPROVE_SERVICING)
    policy = _policy_fetch(user, policy_id)
    if data.type == ServicingKind.CANCELLATION:
        raise ValidationFailed.for_field(
            "type", "choice", _("Cancel through /policies/{id}/cancel.")
        )
    cleaned = servicing_changes_clean(policy=policy, kind=data.type, changes=data.changes)
    endorsement = POLICIES.call(
        request,
        policy_id,
        endorsement_apply,
        kind=data.type,
        effective_on=data.effective_on,
        changes=servicing_changes_build(policy=policy, changes=cleaned),
        expected_premium_change=data.expected_premium_change,
    )
    return Status(201, _endorsement(endorsement))


@router.post(
    "/policies/{int:policy_id}/cancel",
    response=EndorsementOutput,
    summary="Cancel a policy with the refund of its product's method",
)
def policy_cancel_api(request: HttpRequest, policy_id: int, data: CancelInput) -> dict[str, Any]:
    require_permission(request, PERM_APPROVE_SERVICING)
    endorsement = POLICIES.call(
        request,
        policy_id,
        policy_cancel,
        cancel_on=data.cancel_on,
        expected_refund=data.expected_refund,
    )
    return _endorsement(endorsement)


@router.post(
    "/policies/{int:policy_id}/file",
    response=PolicyDetailOutput,
    summary="File the contract and tell the customer cover starts (plans the follow-ups)",
)
def policy_file_api(request: HttpRequest, policy_id: int, data: FileInput) -> dict[str, Any]:
    return POLICIES.act(
        request, policy_id, policy_contract_file, filing_reference=data.filing_reference
    )


# Renewal --------------------------------------------------------------------------------------


@router.post(
    "/policies/{int:policy_id}/renewal-quote",
    response={201: QuoteOutput},
    summary="Quote the renewal from the current version (changes at renewal optional)",
)
def renewal_quote_api(
    request: HttpRequest, policy_id: int, data: RenewalQuoteInput
) -> Status[dict[str, Any]]:
    with body_fields(QUOTE_FIELDS):
        quote = POLICIES.call(request, policy_id, renewal_quote_create, **data.dict())
    return Status(201, QUOTES.detail(request, quote.pk))


@router.post(
    "/policies/{int:policy_id}/renew",
    response={201: PolicyDetailOutput},
    summary="Issue the renewed policy from its accepted renewal quote, premium paid",
)
def policy_renew_api(
    request: HttpRequest, policy_id: int, data: RenewInput
) -> Status[dict[str, Any]]:
    policy = _policy_fetch(caller(request), policy_id)
    if not Quote.objects.filter(pk=data.quote_id, renewal_of=policy).exists():
        raise QuoteNotFound()
    with body_fields({"quote": "quote_id"}):
        renewed = policy_renew(acting_user=caller(request), **data.dict())
    return Status(201, POLICIES.detail(request, renewed.pk))
