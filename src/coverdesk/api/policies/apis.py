"""Policies: list and filters, detail with the versions, what was covered on a day, previews
of an endorsement's premium change or a cancellation's refund (which write nothing), and the
endorsement and cancellation actions. Customers see only their own organisation's policies."""

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from coverdesk.api.auth import API_AUTH, require_permission
from coverdesk.core.exceptions import NotFound, ValidationFailed
from coverdesk.policies.access.policies import policies_for_user, policy_access_for_user
from coverdesk.policies.choices import PolicyStatus, ServicingKind
from coverdesk.policies.models import Endorsement, Policy, PolicyVersion
from coverdesk.policies.selectors.policies import policy_version_in_force
from coverdesk.policies.selectors.servicing import (
    servicing_changes_build,
    servicing_changes_clean,
    servicing_preview,
)
from coverdesk.policies.services.policies import endorsement_apply, policy_cancel

router = Router(tags=["policies"], auth=API_AUTH)

PERM_APPROVE_SERVICING = "policies.approve_servicing"


class VersionNotFound(NotFound):
    default_code = "policy_version_not_found"
    default_message = _("This policy has no such version.")


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


def _endorsement(endorsement: Endorsement) -> dict[str, Any]:
    return {
        "id": endorsement.pk,
        "sequence": endorsement.sequence,
        "kind": endorsement.kind,
        "effective_on": endorsement.effective_on,
        "premium_change": endorsement.premium_change,
        "calculation": endorsement.calculation,
    }


def _today() -> date:
    from django.utils import timezone

    from coverdesk.core.clock import now

    return timezone.localdate(now())


@router.get("/policies", response=list[PolicyOutput], summary="Policies")
@paginate(PageNumberPagination)
def policy_list_api(
    request: HttpRequest,
    number: str = "",
    customer: int | None = None,
    aircraft: int | None = None,
    person: int | None = None,
    product: str = "",
    status: PolicyStatus | None = None,
    in_force_on: date | None = None,
) -> Any:
    policies = policies_for_user(
        user=request.auth,  # type: ignore[attr-defined]
        number=number,
        customer_id=customer,
        aircraft_id=aircraft,
        person_id=person,
        product_code=product,
        status=status or "",
        in_force_on=in_force_on,
    )
    return _Page(policies)


class _Page:
    """Lets the paginator slice the queryset, then shapes only the page it keeps."""

    def __init__(self, queryset: Any) -> None:
        self.queryset = queryset

    def __len__(self) -> int:
        return int(self.queryset.count())

    def count(self) -> int:
        return int(self.queryset.count())

    def __getitem__(self, key: slice) -> list[dict[str, Any]]:
        return [_policy(p) for p in self.queryset[key]]


@router.get("/policies/{policy_id}", response=PolicyDetailOutput, summary="A policy")
def policy_detail(request: HttpRequest, policy_id: int) -> dict[str, Any]:
    policy = policy_access_for_user(user=request.auth, policy_id=policy_id)  # type: ignore[attr-defined]
    versions = list(PolicyVersion.objects.filter(policy=policy).order_by("number"))
    return {
        **_policy(policy),
        "version_in_force": _version(policy_version_in_force(policy=policy, on=_today())),
        "versions": [_version_summary(v) for v in versions],
    }


@router.get(
    "/policies/{policy_id}/versions/{number}", response=VersionOutput, summary="A policy version"
)
def policy_version_detail(request: HttpRequest, policy_id: int, number: int) -> dict[str, Any]:
    policy = policy_access_for_user(user=request.auth, policy_id=policy_id)  # type: ignore[attr-defined]
    version = PolicyVersion.objects.filter(policy=policy, number=number).first()
    if version is None:
        raise VersionNotFound()
    return _version(version)  # type: ignore[return-value]


@router.get(
    "/policies/{policy_id}/in-force",
    response=InForceOutput,
    summary="What was covered on a day",
)
def policy_in_force(request: HttpRequest, policy_id: int, on: date) -> dict[str, Any]:
    policy = policy_access_for_user(user=request.auth, policy_id=policy_id)  # type: ignore[attr-defined]
    version = policy_version_in_force(policy=policy, on=on)
    return {"on": on, "covered": version is not None, "version": _version(version)}


def _required(field: str) -> ValidationFailed:
    return ValidationFailed.for_field(field, "required", _("This field is required."))


@router.post(
    "/policies/{policy_id}/preview",
    response=PreviewOutput,
    summary="Preview an endorsement's premium change or a cancellation's refund (writes nothing)",
)
def policy_preview(request: HttpRequest, policy_id: int, data: PreviewInput) -> dict[str, Any]:
    policy = policy_access_for_user(user=request.auth, policy_id=policy_id)  # type: ignore[attr-defined]
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
    "/policies/{policy_id}/endorsements",
    response={201: EndorsementOutput},
    summary="Endorse a policy from a day",
)
def policy_endorse(
    request: HttpRequest, policy_id: int, data: EndorsementInput
) -> Status[dict[str, Any]]:
    user = require_permission(request, PERM_APPROVE_SERVICING)
    policy = policy_access_for_user(user=user, policy_id=policy_id)
    if data.type == ServicingKind.CANCELLATION:
        raise ValidationFailed.for_field(
            "type", "choice", _("Cancel through /policies/{id}/cancel.")
        )
    cleaned = servicing_changes_clean(policy=policy, kind=data.type, changes=data.changes)
    endorsement = endorsement_apply(
        policy_id=policy.pk,
        kind=data.type,
        effective_on=data.effective_on,
        changes=servicing_changes_build(policy=policy, changes=cleaned),
        acting_user=user,
        expected_premium_change=data.expected_premium_change,
    )
    return Status(201, _endorsement(endorsement))


@router.post(
    "/policies/{policy_id}/cancel",
    response=EndorsementOutput,
    summary="Cancel a policy with the refund of its product's method",
)
def policy_cancel_api(request: HttpRequest, policy_id: int, data: CancelInput) -> dict[str, Any]:
    user = require_permission(request, PERM_APPROVE_SERVICING)
    policy = policy_access_for_user(user=user, policy_id=policy_id)
    endorsement = policy_cancel(
        policy_id=policy.pk,
        cancel_on=data.cancel_on,
        acting_user=user,
        expected_refund=data.expected_refund,
    )
    return _endorsement(endorsement)
