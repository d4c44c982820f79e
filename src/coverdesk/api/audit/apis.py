from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from coverdesk.api.auth import API_AUTH, require_permission
from coverdesk.audit.models import AuditEntry
from coverdesk.audit.selectors import audit_chain_verify, audit_entry_list

router = Router(tags=["audit"], auth=API_AUTH)


class AuditEntryOutput(Schema):
    sequence: int
    occurred_at: datetime
    actor_id: int | None
    actor_label: str
    action: str
    subject_type: str
    subject_id: str
    result: str
    before: Any = None
    after: Any = None
    request_id: str
    client_address: str
    entry_hash: str


@router.get("/audit-entries", response=list[AuditEntryOutput], summary="The audit trail")
@paginate(PageNumberPagination)
def audit_entries(
    request: HttpRequest,
    action: str = "",
    subject_type: str = "",
    subject_id: str = "",
    actor_id: int | None = None,
) -> QuerySet[AuditEntry]:
    require_permission(request, "audit.view_auditentry")
    return audit_entry_list(
        action=action, subject_type=subject_type, subject_id=subject_id, actor_id=actor_id
    )


class ChainReportOutput(Schema):
    ok: bool
    verified: int
    broken_sequence: int | None
    problem: str


@router.get(
    "/audit-entries/verify", response=ChainReportOutput, summary="Verify the audit hash chain"
)
def audit_verify(request: HttpRequest) -> ChainReportOutput:
    require_permission(request, "audit.view_auditentry")
    report = audit_chain_verify()
    return ChainReportOutput(
        ok=report.ok,
        verified=report.verified,
        broken_sequence=report.broken_sequence,
        problem=report.problem,
    )
