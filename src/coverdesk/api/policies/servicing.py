"""Servicing requests: list and detail, and the actions of their workflow — each one service
call. Customers see their own organisation's requests and may confirm a calculation."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from coverdesk.api.auth import API_AUTH
from coverdesk.api.policies.common import (
    DocumentOutput,
    DocumentsReviewInput,
    Page,
    ReasonInput,
    Workflow,
    caller,
    documents_out,
)
from coverdesk.policies.access.policies import (
    policies_for_user,
    policy_access_for_user,
    servicing_request_access_for_user,
)
from coverdesk.policies.choices import (
    IdentityMethod,
    RequestChannel,
    ServicingKind,
    ServicingStatus,
)
from coverdesk.policies.models import ServicingRequest
from coverdesk.policies.services.servicing import (
    servicing_customer_confirm,
    servicing_documents_review,
    servicing_fee_calculate,
    servicing_request_approve,
    servicing_request_archive,
    servicing_request_receive,
    servicing_request_reject,
    servicing_request_withdraw,
)

router = Router(tags=["servicing"], auth=API_AUTH)


class ServicingOutput(Schema):
    id: int
    policy_id: int
    policy_number: str
    kind: ServicingKind
    status: ServicingStatus
    channel: RequestChannel
    received_at: datetime
    requester_name: str
    identity_method: str
    identity_reference: str = Field(description="Masked")
    effective_on: date
    description: str
    changes: list[dict[str, Any]]
    amount: Decimal | None
    calculation_number: int
    confirmation_required: bool
    handler_id: int | None


class ServicingDetailOutput(ServicingOutput):
    calculation: dict[str, Any] | None
    documents: list[DocumentOutput]
    outcome_note: str
    endorsement_sequence: int | None = Field(
        description="The endorsement written on approval (its document: "
        "/policies/{policy_id}/endorsements/{sequence}/document.pdf)"
    )


class ReceiveInput(Schema):
    policy_id: int
    kind: ServicingKind
    channel: RequestChannel
    requester_name: str = Field(min_length=1, max_length=100)
    identity_method: IdentityMethod
    identity_reference: str = ""
    effective_on: date
    changes: list[dict[str, Any]] = []
    description: str = ""
    received_documents: list[str] = []


class CalculateInput(Schema):
    confirm_with_customer: bool = False
    reason: str = ""


class ConfirmInput(Schema):
    calculation_number: int = Field(ge=1)
    note: str = ""


class ArchiveInput(Schema):
    outcome_note: str = ""


def _summary(request: ServicingRequest) -> dict[str, Any]:
    return {
        "id": request.pk,
        "policy_id": request.policy_id,
        "policy_number": request.policy.number,
        "kind": request.kind,
        "status": request.status,
        "channel": request.channel,
        "received_at": request.received_at,
        "requester_name": request.requester_name,
        "identity_method": request.identity_method,
        "identity_reference": request.identity_reference,
        "effective_on": request.effective_on,
        "description": request.description,
        "changes": request.changes,
        "amount": request.amount,
        "calculation_number": request.calculation_number,
        "confirmation_required": request.confirmation_required,
        "handler_id": request.handler_id,
    }


def _detail(request: ServicingRequest) -> dict[str, Any]:
    endorsement = getattr(request, "endorsement", None)
    return {
        **_summary(request),
        "calculation": request.calculation,
        "outcome_note": request.outcome_note,
        "documents": documents_out(request.documents.order_by("id")),
        "endorsement_sequence": endorsement.sequence if endorsement is not None else None,
    }


REQUESTS = Workflow(
    fetch=lambda user, request_id: servicing_request_access_for_user(
        user=user, request_id=request_id
    ),
    render=_detail,
    id_name="request_id",
)


@router.get("/servicing-requests", response=list[ServicingOutput], summary="Servicing requests")
@paginate(PageNumberPagination)
def servicing_list_api(
    request: HttpRequest,
    policy: int | None = None,
    customer: int | None = None,
    status: ServicingStatus | None = None,
    kind: ServicingKind | None = None,
    handler: int | None = None,
) -> Any:
    visible = policies_for_user(user=caller(request))
    rows = (
        ServicingRequest.objects.filter(policy__in=visible.values("pk"))
        .select_related("policy")
        .order_by("-received_at", "-id")
    )
    if policy is not None:
        rows = rows.filter(policy_id=policy)
    if customer is not None:
        rows = rows.filter(policy__customer_id=customer)
    if status is not None:
        rows = rows.filter(status=status)
    if kind is not None:
        rows = rows.filter(kind=kind)
    if handler is not None:
        rows = rows.filter(handler_id=handler)
    return Page(rows, _summary)


@router.get(
    "/servicing-requests/{int:request_id}",
    response=ServicingDetailOutput,
    summary="A servicing request",
)
def servicing_detail(request: HttpRequest, request_id: int) -> dict[str, Any]:
    return REQUESTS.detail(request, request_id)


@router.post(
    "/servicing-requests",
    response={201: ServicingDetailOutput},
    summary="Receive a servicing request (identity verified)",
)
def servicing_receive_api(request: HttpRequest, data: ReceiveInput) -> Status[dict[str, Any]]:
    user = caller(request)
    policy_access_for_user(user=user, policy_id=data.policy_id)
    created = servicing_request_receive(acting_user=user, **data.dict())
    return Status(201, REQUESTS.detail(request, created.pk))


@router.post(
    "/servicing-requests/{int:request_id}/documents",
    response=ServicingDetailOutput,
    summary="Record documents received and refused",
)
def servicing_documents_api(
    request: HttpRequest, request_id: int, data: DocumentsReviewInput
) -> dict[str, Any]:
    return REQUESTS.act(
        request,
        request_id,
        servicing_documents_review,
        received=data.received,
        rejected=data.rejected,
    )


@router.post(
    "/servicing-requests/{int:request_id}/calculate",
    response=ServicingDetailOutput,
    summary="Calculate the premium change or refund",
)
def servicing_calculate_api(
    request: HttpRequest, request_id: int, data: CalculateInput
) -> dict[str, Any]:
    return REQUESTS.act(request, request_id, servicing_fee_calculate, **data.dict())


@router.post(
    "/servicing-requests/{int:request_id}/confirm",
    response=ServicingDetailOutput,
    summary="The customer confirms a calculation",
)
def servicing_confirm_api(
    request: HttpRequest, request_id: int, data: ConfirmInput
) -> dict[str, Any]:
    return REQUESTS.act(request, request_id, servicing_customer_confirm, **data.dict())


@router.post(
    "/servicing-requests/{int:request_id}/approve",
    response=ServicingDetailOutput,
    summary="Approve and apply to the policy",
)
def servicing_approve_api(request: HttpRequest, request_id: int) -> dict[str, Any]:
    return REQUESTS.act(request, request_id, servicing_request_approve)


@router.post(
    "/servicing-requests/{int:request_id}/reject",
    response=ServicingDetailOutput,
    summary="Reject with a reason",
)
def servicing_reject_api(
    request: HttpRequest, request_id: int, data: ReasonInput
) -> dict[str, Any]:
    return REQUESTS.act(request, request_id, servicing_request_reject, reason=data.reason)


@router.post(
    "/servicing-requests/{int:request_id}/withdraw",
    response=ServicingDetailOutput,
    summary="Withdrawn by the customer",
)
def servicing_withdraw_api(
    request: HttpRequest, request_id: int, data: ReasonInput
) -> dict[str, Any]:
    return REQUESTS.act(request, request_id, servicing_request_withdraw, reason=data.reason)


@router.post(
    "/servicing-requests/{int:request_id}/archive",
    response=ServicingDetailOutput,
    summary="Archive with the outcome",
)
def servicing_archive_api(
    request: HttpRequest, request_id: int, data: ArchiveInput
) -> dict[str, Any]:
    return REQUESTS.act(
        request, request_id, servicing_request_archive, outcome_note=data.outcome_note
    )
