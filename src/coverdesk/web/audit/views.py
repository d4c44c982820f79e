"""The audit trail, read-only, and a check of its hash chain."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from coverdesk.audit.selectors import audit_chain_verify, audit_entry_list
from coverdesk.web.audit.forms import AuditFilterForm
from coverdesk.web.http import WebRequest
from coverdesk.web.permissions import can_view_audit, page_access

ENTRIES_PER_PAGE = 50


@require_GET
@page_access(can_view_audit)
def audit_list(request: WebRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = audit_entry_list(
        action=filters.get("action", "").strip(),
        subject_type=filters.get("subject_type", "").strip(),
        subject_id=filters.get("subject_id", "").strip(),
    )
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/audit/list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@require_POST
@page_access(can_view_audit)
def audit_verify(request: WebRequest) -> HttpResponse:
    report = audit_chain_verify()
    template = "web/audit/_verify_result.html" if request.htmx else "web/audit/verify.html"
    return render(request, template, {"report": report})
