"""New business: needs intake and the consultation log, quotes (options compared), applications
and their workflow — submit, documents, approve / refer / decline, payment, issue, withdraw —
and the broker's follow-ups after issue. Staff work: for anyone who neither sells nor reads
policies an intake, quote, application or follow-up does not exist."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from coverdesk.api.auth import API_AUTH
from coverdesk.api.policies.common import (
    DocumentOutput,
    DocumentsReviewInput,
    Page,
    ReasonInput,
    Workflow,
    body_fields,
    caller,
    documents_out,
    today,
)
from coverdesk.policies.access.policies import application_access_for_user
from coverdesk.policies.choices import (
    ApplicationStatus,
    Complexity,
    ConsultationChannel,
    FollowUpKind,
    IntakeStatus,
    QuoteStatus,
)
from coverdesk.policies.exceptions import (
    ApplicationNotFound,
    FollowUpNotFound,
    IntakeNotFound,
    QuoteNotFound,
)
from coverdesk.policies.models import Application, FollowUp, NeedsIntake, Quote
from coverdesk.policies.selectors.new_business import follow_ups_due, intake_get, quotes_compare
from coverdesk.policies.services.new_business import (
    application_approve,
    application_create,
    application_decline,
    application_documents_review,
    application_issue,
    application_payment_record,
    application_refer,
    application_submit,
    application_withdraw,
    consultation_record,
    follow_up_complete,
    needs_intake_create,
    quote_create,
    quote_decline,
)
from coverdesk.policies.terms import items_from_json, premium_by_coverage

router = Router(tags=["new business"], auth=API_AUTH)

READ_PERMISSIONS = ("policies.view_policy", "policies.manage_new_business")

# The services name fields after their parameters; the bodies here send these names.
QUOTE_FIELDS = {
    "product": "product_code",
    "customer": "customer_id",
    "coverages": "coverage_codes",
    "aircraft": "aircraft_ids",
    "persons": "person_ids",
    "clauses": "clause_codes",
}


def _reader(request: HttpRequest) -> Any:
    """The caller if they may read new business; for anyone else it does not exist."""
    user = caller(request)
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
    customer_name: str
    broker_id: int
    insurance_type: str
    coverage_wanted: str
    budget: Decimal | None
    notes: str
    status: IntakeStatus
    received_at: datetime


class ConsultationInput(Schema):
    occurred_at: datetime
    channel: ConsultationChannel
    summary: str = Field(min_length=1)
    recommendation: str = ""


class ConsultationOutput(Schema):
    id: int
    occurred_at: datetime
    channel: ConsultationChannel
    summary: str
    recommendation: str
    recorded_by_id: int
    recorded_at: datetime


class IntakeDetailOutput(IntakeOutput):
    consultations: list[ConsultationOutput]


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
    renewal_of_id: int | None = Field(description="The policy a renewal quote renews")
    customer_id: int
    product_code: str
    product_version: int
    label: str
    period_start: date
    period_end: date
    term_premium: Decimal
    total_sum_insured: Decimal
    status: QuoteStatus
    valid_until: date
    premium_by_coverage: dict[str, Decimal] = {}


class ApplicationCreateInput(Schema):
    quote_id: int
    complexity: Complexity


class ApplicationOutput(Schema):
    id: int
    quote_id: int
    customer_id: int
    customer_name: str
    broker_id: int
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


class FollowUpOutput(Schema):
    id: int
    policy_id: int
    policy_number: str
    kind: FollowUpKind
    due_on: date
    assigned_to_id: int | None
    reminded_at: datetime | None
    done_at: datetime | None
    note: str


class FollowUpDoneInput(Schema):
    note: str = Field(min_length=1, max_length=2000)


def _intake(intake: NeedsIntake) -> dict[str, Any]:
    return {
        "id": intake.pk,
        "customer_id": intake.customer_id,
        "customer_name": intake.customer.name,
        "broker_id": intake.broker_id,
        "insurance_type": intake.insurance_type,
        "coverage_wanted": intake.coverage_wanted,
        "budget": intake.budget,
        "notes": intake.notes,
        "status": intake.status,
        "received_at": intake.received_at,
    }


def _intake_detail(intake: NeedsIntake) -> dict[str, Any]:
    return {
        **_intake(intake),
        "consultations": [
            {
                "id": c.pk,
                "occurred_at": c.occurred_at,
                "channel": c.channel,
                "summary": c.summary,
                "recommendation": c.recommendation,
                "recorded_by_id": c.recorded_by_id,
                "recorded_at": c.recorded_at,
            }
            for c in intake.consultations.all()
        ],
    }


def _intake_fetch(user: Any, intake_id: int) -> NeedsIntake:
    if not any(user.has_perm(p) for p in READ_PERMISSIONS):
        raise IntakeNotFound()
    return intake_get(intake_id=intake_id)


def quote_out(quote: Quote, by_coverage: dict[str, Decimal] | None = None) -> dict[str, Any]:
    """A quote for the answer; its premium by coverage from its rated terms unless given."""
    if by_coverage is None:
        by_coverage = premium_by_coverage(items_from_json(quote.terms.get("items", [])))
    return {
        "id": quote.pk,
        "intake_id": quote.intake_id,
        "renewal_of_id": quote.renewal_of_id,
        "customer_id": quote.customer_id,
        "product_code": quote.product_version.product.code,
        "product_version": quote.product_version.number,
        "label": quote.label,
        "period_start": quote.period_start,
        "period_end": quote.period_end,
        "term_premium": quote.term_premium,
        "total_sum_insured": quote.total_sum_insured,
        "status": quote.status,
        "valid_until": quote.valid_until,
        "premium_by_coverage": by_coverage,
    }


def _quotes() -> Any:
    return Quote.objects.select_related("product_version__product").order_by("-created_at", "-id")


def _quote_fetch(user: Any, quote_id: int) -> Quote:
    quote = _quotes().filter(pk=quote_id).first()
    if quote is None or not any(user.has_perm(p) for p in READ_PERMISSIONS):
        raise QuoteNotFound()
    return quote


def _application(application: Application) -> dict[str, Any]:
    return {
        "id": application.pk,
        "quote_id": application.quote_id,
        "customer_id": application.customer_id,
        "customer_name": application.customer.name,
        "broker_id": application.broker_id,
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


def _application_detail(application: Application) -> dict[str, Any]:
    return {
        **_application(application),
        "documents": documents_out(application.documents.order_by("id")),
    }


def _follow_up(follow_up: FollowUp) -> dict[str, Any]:
    return {
        "id": follow_up.pk,
        "policy_id": follow_up.policy_id,
        "policy_number": follow_up.policy.number,
        "kind": follow_up.kind,
        "due_on": follow_up.due_on,
        "assigned_to_id": follow_up.assigned_to_id,
        "reminded_at": follow_up.reminded_at,
        "done_at": follow_up.done_at,
        "note": follow_up.note,
    }


def _follow_up_fetch(user: Any, follow_up_id: int) -> FollowUp:
    follow_up = FollowUp.objects.select_related("policy").filter(pk=follow_up_id).first()
    if follow_up is None or not any(user.has_perm(p) for p in READ_PERMISSIONS):
        raise FollowUpNotFound()
    return follow_up


INTAKES = Workflow(fetch=_intake_fetch, render=_intake_detail, id_name="intake_id")
QUOTES = Workflow(fetch=_quote_fetch, render=quote_out, id_name="quote_id")
APPLICATIONS = Workflow(
    fetch=lambda user, application_id: application_access_for_user(
        user=user, application_id=application_id
    ),
    render=_application_detail,
    id_name="application_id",
    fields={"quote": "quote_id"},
)
FOLLOW_UPS = Workflow(fetch=_follow_up_fetch, render=_follow_up, id_name="follow_up_id")


# Needs intakes and the consultation log -------------------------------------------------------


@router.get("/needs-intakes", response=list[IntakeOutput], summary="Needs intakes")
@paginate(PageNumberPagination)
def intake_list_api(
    request: HttpRequest,
    status: IntakeStatus | None = None,
    customer: int | None = None,
    broker: int | None = None,
) -> Any:
    rows = NeedsIntake.objects.select_related("customer").order_by("-received_at", "-id")
    if _reader(request) is None:
        rows = rows.none()
    if status is not None:
        rows = rows.filter(status=status)
    if customer is not None:
        rows = rows.filter(customer_id=customer)
    if broker is not None:
        rows = rows.filter(broker_id=broker)
    return Page(rows, _intake)


@router.post("/needs-intakes", response={201: IntakeOutput}, summary="Record a client's needs")
def intake_create_api(request: HttpRequest, data: IntakeInput) -> Status[Any]:
    with body_fields({"customer": "customer_id"}):
        intake = needs_intake_create(acting_user=caller(request), **data.dict())
    return Status(201, _intake(intake))


@router.get(
    "/needs-intakes/{int:intake_id}",
    response=IntakeDetailOutput,
    summary="A client's needs with the consultation log",
)
def intake_detail(request: HttpRequest, intake_id: int) -> dict[str, Any]:
    return INTAKES.detail(request, intake_id)


@router.post(
    "/needs-intakes/{int:intake_id}/consultations",
    response={201: IntakeDetailOutput},
    summary="Log a consultation with the client",
)
def consultation_record_api(
    request: HttpRequest, intake_id: int, data: ConsultationInput
) -> Status[dict[str, Any]]:
    return Status(201, INTAKES.act(request, intake_id, consultation_record, **data.dict()))


@router.get(
    "/needs-intakes/{int:intake_id}/quotes",
    response=list[QuoteOutput],
    summary="The options quoted for a client's needs, compared",
)
def intake_quotes(request: HttpRequest, intake_id: int) -> list[dict[str, Any]]:
    _intake_fetch(caller(request), intake_id)
    return [
        quote_out(option.quote, option.premium_by_coverage)
        for option in quotes_compare(intake_id=intake_id)
    ]


# Quotes --------------------------------------------------------------------------------------


@router.get("/quotes", response=list[QuoteOutput], summary="Quotes")
@paginate(PageNumberPagination)
def quote_list_api(
    request: HttpRequest,
    intake: int | None = None,
    customer: int | None = None,
    renewal_of: int | None = Query(None, description="Renewal quotes of this policy"),
    status: QuoteStatus | None = None,
) -> Any:
    rows = _quotes()
    if _reader(request) is None:
        rows = rows.none()
    if intake is not None:
        rows = rows.filter(intake_id=intake)
    if customer is not None:
        rows = rows.filter(customer_id=customer)
    if renewal_of is not None:
        rows = rows.filter(renewal_of_id=renewal_of)
    if status is not None:
        rows = rows.filter(status=status)
    return Page(rows, quote_out)


@router.post("/quotes", response={201: QuoteOutput}, summary="Quote an option")
def quote_create_api(request: HttpRequest, data: QuoteInput) -> Status[dict[str, Any]]:
    with body_fields(QUOTE_FIELDS):
        quote = quote_create(acting_user=caller(request), **data.dict())
    return Status(201, QUOTES.detail(request, quote.pk))


@router.get("/quotes/{int:quote_id}", response=QuoteOutput, summary="A quote")
def quote_detail(request: HttpRequest, quote_id: int) -> dict[str, Any]:
    return QUOTES.detail(request, quote_id)


@router.post(
    "/quotes/{int:quote_id}/decline", response=QuoteOutput, summary="The client did not take it"
)
def quote_decline_api(request: HttpRequest, quote_id: int) -> dict[str, Any]:
    return QUOTES.act(request, quote_id, quote_decline)


# Applications --------------------------------------------------------------------------------


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
    return Page(rows, _application)


@router.get(
    "/applications/{int:application_id}",
    response=ApplicationDetailOutput,
    summary="An application",
)
def application_detail(request: HttpRequest, application_id: int) -> dict[str, Any]:
    return APPLICATIONS.detail(request, application_id)


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
    with body_fields(APPLICATIONS.fields):
        application = application_create(acting_user=caller(request), **data.dict())
    return Status(201, APPLICATIONS.detail(request, application.pk))


@router.post(
    "/applications/{int:application_id}/submit",
    response=ApplicationDetailOutput,
    summary="Submit with the documents handed in",
)
def application_submit_api(
    request: HttpRequest, application_id: int, data: SubmitInput
) -> dict[str, Any]:
    return APPLICATIONS.act(
        request, application_id, application_submit, received_documents=data.received_documents
    )


@router.post(
    "/applications/{int:application_id}/documents",
    response=ApplicationDetailOutput,
    summary="Record documents received and refused",
)
def application_documents_api(
    request: HttpRequest, application_id: int, data: DocumentsReviewInput
) -> dict[str, Any]:
    return APPLICATIONS.act(
        request,
        application_id,
        application_documents_review,
        received=data.received,
        rejected=data.rejected,
    )


@router.post(
    "/applications/{int:application_id}/approve",
    response=ApplicationDetailOutput,
    summary="Approve (within the underwriter's authority)",
)
def application_approve_api(
    request: HttpRequest, application_id: int, data: ApproveInput
) -> dict[str, Any]:
    return APPLICATIONS.act(request, application_id, application_approve, note=data.note)


@router.post(
    "/applications/{int:application_id}/refer",
    response=ApplicationDetailOutput,
    summary="Refer to a higher authority",
)
def application_refer_api(
    request: HttpRequest, application_id: int, data: ReasonsInput
) -> dict[str, Any]:
    return APPLICATIONS.act(request, application_id, application_refer, reasons=data.reasons)


@router.post(
    "/applications/{int:application_id}/decline",
    response=ApplicationDetailOutput,
    summary="Decline with reasons",
)
def application_decline_api(
    request: HttpRequest, application_id: int, data: ReasonsInput
) -> dict[str, Any]:
    return APPLICATIONS.act(request, application_id, application_decline, reasons=data.reasons)


@router.post(
    "/applications/{int:application_id}/payment",
    response=ApplicationDetailOutput,
    summary="Record the premium paid",
)
def application_payment_api(
    request: HttpRequest, application_id: int, data: PaymentInput
) -> dict[str, Any]:
    return APPLICATIONS.act(request, application_id, application_payment_record, **data.dict())


@router.post(
    "/applications/{int:application_id}/issue",
    response={201: IssuedOutput},
    summary="Issue the policy",
)
def application_issue_api(request: HttpRequest, application_id: int) -> Status[dict[str, Any]]:
    policy = APPLICATIONS.call(request, application_id, application_issue)
    return Status(
        201,
        {"application_id": application_id, "policy_id": policy.pk, "policy_number": policy.number},
    )


@router.post(
    "/applications/{int:application_id}/withdraw",
    response=ApplicationDetailOutput,
    summary="The client withdrew",
)
def application_withdraw_api(
    request: HttpRequest, application_id: int, data: ReasonInput
) -> dict[str, Any]:
    return APPLICATIONS.act(request, application_id, application_withdraw, reason=data.reason)


# Follow-ups ----------------------------------------------------------------------------------


@router.get(
    "/follow-ups",
    response=list[FollowUpOutput],
    summary="Follow-ups with clients due by a day (default today), open only",
)
@paginate(PageNumberPagination)
def follow_up_list_api(request: HttpRequest, on: date | None = None, mine: bool = False) -> Any:
    user = _reader(request)
    if user is None:
        return Page(FollowUp.objects.none(), _follow_up)
    rows = follow_ups_due(on=on or today(), user=user if mine else None)
    return Page(rows, _follow_up)


@router.post(
    "/follow-ups/{int:follow_up_id}/complete",
    response=FollowUpOutput,
    summary="Record the follow-up done",
)
def follow_up_complete_api(
    request: HttpRequest, follow_up_id: int, data: FollowUpDoneInput
) -> dict[str, Any]:
    return FOLLOW_UPS.act(request, follow_up_id, follow_up_complete, note=data.note)
