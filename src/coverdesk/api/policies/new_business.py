"""New business: needs intake, quotes (options compared), applications and their workflow —
submit, documents, approve / refer / decline, payment, issue. Staff work: for anyone who
neither sells nor reads policies an intake or application does not exist."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from coverdesk.api.auth import API_AUTH
from coverdesk.policies.access.policies import application_access_for_user
from coverdesk.policies.choices import ApplicationStatus, Complexity
from coverdesk.policies.exceptions import ApplicationNotFound, IntakeNotFound
from coverdesk.policies.models import Application, Quote
from coverdesk.policies.selectors.new_business import intake_get, quotes_compare
from coverdesk.policies.services.new_business import (
    application_approve,
    application_create,
    application_decline,
    application_documents_review,
    application_issue,
    application_payment_record,
    application_refer,
    application_submit,
    needs_intake_create,
    quote_create,
)

router = Router(tags=["new business"], auth=API_AUTH)

READ_PERMISSIONS = ("policies.view_policy", "policies.manage_new_business")


def _reader(request: HttpRequest) -> Any:
    """The caller if they may read new business; for anyone else it does not exist."""
    user = request.auth  # type: ignore[attr-defined]
    return user if any(user.has_perm(p) for p in READ_PERMISSIONS) else None


class IntakeInput(Schema):
    customer_id: int
    insurance_type: str = Field(min_length=1, max_length=200)
    coverage_wanted: str = Field(min_length=1)
    budget: Decimal | None = None
    notes: str = ""


class IntakeOutput(Schema):
    id: int
    customer_id: int
    insurance_type: str
    coverage_wanted: str
    budget: Decimal | None
    status: str
    received_at: datetime


class QuoteInput(Schema):
    intake_id: int | None = None
    customer_id: int | None = None
    product_code: str
    period_start: date
    period_end: date
    coverage_codes: list[str] = Field(min_length=1)
    label: str = Field(min_length=1, max_length=100)
    aircraft_ids: list[int] = []
    person_ids: list[int] = []
    clause_codes: list[str] | None = None
    clause_parameters: dict[str, dict[str, Any]] | None = None
    valid_until: date | None = None


class QuoteOutput(Schema):
    id: int
    intake_id: int | None
    customer_id: int
    product_code: str
    label: str
    period_start: date
    period_end: date
    term_premium: Decimal
    total_sum_insured: Decimal
    status: str
    valid_until: date
    premium_by_coverage: dict[str, Decimal] = {}


class ApplicationCreateInput(Schema):
    quote_id: int
    complexity: Complexity


class DocumentOutput(Schema):
    code: str
    name: str
    name_en: str
    required: bool
    status: str
    note: str


class ApplicationOutput(Schema):
    id: int
    quote_id: int
    customer_id: int
    customer_name: str
    complexity: Complexity
    status: ApplicationStatus
    submitted_at: datetime | None
    decided_at: datetime | None
    decision_reasons: list[Any]
    premium: Decimal
    premium_paid: Decimal | None
    paid_on: date | None
    policy_id: int | None


class ApplicationDetailOutput(ApplicationOutput):
    documents: list[DocumentOutput]


class SubmitInput(Schema):
    received_documents: list[str] = []


class DocumentsReviewInput(Schema):
    received: list[str] = []
    rejected: dict[str, str] = Field({}, description="Document code → reason")


class ApproveInput(Schema):
    note: str = ""


class ReasonsInput(Schema):
    reasons: list[str] = Field(min_length=1)


class PaymentInput(Schema):
    amount: Decimal
    paid_on: date
    payment_reference: str = Field(min_length=1, max_length=100)


class IssuedOutput(Schema):
    application_id: int
    policy_id: int
    policy_number: str


def _quote(quote: Quote, by_coverage: dict[str, Decimal] | None = None) -> dict[str, Any]:
    return {
        "id": quote.pk,
        "intake_id": quote.intake_id,
        "customer_id": quote.customer_id,
        "product_code": quote.product_version.product.code,
        "label": quote.label,
        "period_start": quote.period_start,
        "period_end": quote.period_end,
        "term_premium": quote.term_premium,
        "total_sum_insured": quote.total_sum_insured,
        "status": quote.status,
        "valid_until": quote.valid_until,
        "premium_by_coverage": by_coverage or {},
    }


def _application(application: Application) -> dict[str, Any]:
    return {
        "id": application.pk,
        "quote_id": application.quote_id,
        "customer_id": application.customer_id,
        "customer_name": application.customer.name,
        "complexity": application.complexity,
        "status": application.status,
        "submitted_at": application.submitted_at,
        "decided_at": application.decided_at,
        "decision_reasons": application.decision_reasons,
        "premium": application.quote.term_premium,
        "premium_paid": application.premium_paid,
        "paid_on": application.paid_on,
        "policy_id": application.policy_id,
    }


def _detail(request: HttpRequest, application_id: int) -> dict[str, Any]:
    application = application_access_for_user(user=request.auth, application_id=application_id)  # type: ignore[attr-defined]
    return {
        **_application(application),
        "documents": [
            {
                "code": d.code,
                "name": d.name,
                "name_en": d.name_en,
                "required": d.required,
                "status": d.status,
                "note": d.note,
            }
            for d in application.documents.order_by("id")
        ],
    }


def _check(request: HttpRequest, application_id: int) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    application_access_for_user(user=user, application_id=application_id)
    return user


# Intake and quotes ---------------------------------------------------------------------------


@router.post("/needs-intakes", response={201: IntakeOutput}, summary="Record a client's needs")
def intake_create_api(request: HttpRequest, data: IntakeInput) -> Status[Any]:
    intake = needs_intake_create(acting_user=request.auth, **data.dict())  # type: ignore[attr-defined]
    return Status(201, intake)


@router.get(
    "/needs-intakes/{int:intake_id}/quotes",
    response=list[QuoteOutput],
    summary="The options quoted for a client's needs, compared",
)
def intake_quotes(request: HttpRequest, intake_id: int) -> list[dict[str, Any]]:
    if _reader(request) is None:
        raise IntakeNotFound()
    intake_get(intake_id=intake_id)
    return [
        _quote(option.quote, option.premium_by_coverage)
        for option in quotes_compare(intake_id=intake_id)
    ]


@router.post("/quotes", response={201: QuoteOutput}, summary="Quote an option")
def quote_create_api(request: HttpRequest, data: QuoteInput) -> Status[dict[str, Any]]:
    quote = quote_create(acting_user=request.auth, **data.dict())  # type: ignore[attr-defined]
    return Status(201, _quote(quote))


# Applications --------------------------------------------------------------------------------


class _Page:
    def __init__(self, queryset: Any) -> None:
        self.queryset = queryset

    def __len__(self) -> int:
        return int(self.queryset.count())

    def count(self) -> int:
        return int(self.queryset.count())

    def __getitem__(self, key: slice) -> list[dict[str, Any]]:
        return [_application(a) for a in self.queryset[key]]


@router.get("/applications", response=list[ApplicationOutput], summary="Applications")
@paginate(PageNumberPagination)
def application_list_api(
    request: HttpRequest,
    status: ApplicationStatus | None = None,
    customer: int | None = None,
    broker: int | None = None,
) -> Any:
    rows = Application.objects.select_related("customer", "quote").order_by("-created_at", "-id")
    if _reader(request) is None:
        rows = rows.none()
    if status is not None:
        rows = rows.filter(status=status)
    if customer is not None:
        rows = rows.filter(customer_id=customer)
    if broker is not None:
        rows = rows.filter(broker_id=broker)
    return _Page(rows)


@router.get(
    "/applications/{int:application_id}",
    response=ApplicationDetailOutput,
    summary="An application",
)
def application_detail(request: HttpRequest, application_id: int) -> dict[str, Any]:
    return _detail(request, application_id)


@router.post(
    "/applications",
    response={201: ApplicationDetailOutput},
    summary="File an accepted quote as an application",
)
def application_create_api(
    request: HttpRequest, data: ApplicationCreateInput
) -> Status[dict[str, Any]]:
    if _reader(request) is None:
        raise ApplicationNotFound()
    application = application_create(acting_user=request.auth, **data.dict())  # type: ignore[attr-defined]
    return Status(201, _detail(request, application.pk))


@router.post(
    "/applications/{int:application_id}/submit",
    response=ApplicationDetailOutput,
    summary="Submit with the documents handed in",
)
def application_submit_api(
    request: HttpRequest, application_id: int, data: SubmitInput
) -> dict[str, Any]:
    user = _check(request, application_id)
    application_submit(
        application_id=application_id,
        acting_user=user,
        received_documents=data.received_documents,
    )
    return _detail(request, application_id)


@router.post(
    "/applications/{int:application_id}/documents",
    response=ApplicationDetailOutput,
    summary="Record documents received and refused",
)
def application_documents_api(
    request: HttpRequest, application_id: int, data: DocumentsReviewInput
) -> dict[str, Any]:
    user = _check(request, application_id)
    application_documents_review(
        application_id=application_id,
        acting_user=user,
        received=data.received,
        rejected=data.rejected,
    )
    return _detail(request, application_id)


@router.post(
    "/applications/{int:application_id}/approve",
    response=ApplicationDetailOutput,
    summary="Approve (within the underwriter's authority)",
)
def application_approve_api(
    request: HttpRequest, application_id: int, data: ApproveInput
) -> dict[str, Any]:
    user = _check(request, application_id)
    application_approve(application_id=application_id, acting_user=user, note=data.note)
    return _detail(request, application_id)


@router.post(
    "/applications/{int:application_id}/refer",
    response=ApplicationDetailOutput,
    summary="Refer to a higher authority",
)
def application_refer_api(
    request: HttpRequest, application_id: int, data: ReasonsInput
) -> dict[str, Any]:
    user = _check(request, application_id)
    application_refer(application_id=application_id, reasons=data.reasons, acting_user=user)
    return _detail(request, application_id)


@router.post(
    "/applications/{int:application_id}/decline",
    response=ApplicationDetailOutput,
    summary="Decline with reasons",
)
def application_decline_api(
    request: HttpRequest, application_id: int, data: ReasonsInput
) -> dict[str, Any]:
    user = _check(request, application_id)
    application_decline(application_id=application_id, reasons=data.reasons, acting_user=user)
    return _detail(request, application_id)


@router.post(
    "/applications/{int:application_id}/payment",
    response=ApplicationDetailOutput,
    summary="Record the premium paid",
)
def application_payment_api(
    request: HttpRequest, application_id: int, data: PaymentInput
) -> dict[str, Any]:
    user = _check(request, application_id)
    application_payment_record(application_id=application_id, acting_user=user, **data.dict())
    return _detail(request, application_id)


@router.post(
    "/applications/{int:application_id}/issue",
    response={201: IssuedOutput},
    summary="Issue the policy",
)
def application_issue_api(request: HttpRequest, application_id: int) -> Status[dict[str, Any]]:
    user = _check(request, application_id)
    policy = application_issue(application_id=application_id, acting_user=user)
    return Status(
        201,
        {"application_id": application_id, "policy_id": policy.pk, "policy_number": policy.number},
    )
