"""One servicing request: its facts and clock, the documents checklist, the fee (a live
preview beside the stored calculations, line by line), the customer's confirmation, approval,
the resulting endorsement and its PDF, rejection, withdrawal and archiving. Each action is a
plain POST calling one service; a refusal comes back beside the field of its form, with
nothing changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from coverdesk.core import clock as core_clock
from coverdesk.core.exceptions import ApplicationError, NotFound, PermissionDenied
from coverdesk.policies.access.policies import servicing_request_access_for_user
from coverdesk.policies.choices import (
    AuthorityKind,
    DocumentStatus,
    ServicingAction,
    ServicingStatus,
)
from coverdesk.policies.exceptions import AuthorityExceeded
from coverdesk.policies.models import ServicingRequest
from coverdesk.policies.selectors.servicing import servicing_preview
from coverdesk.policies.services.common import authority_of
from coverdesk.policies.services.servicing import (
    servicing_customer_confirm,
    servicing_documents_review,
    servicing_fee_calculate,
    servicing_request_approve,
    servicing_request_archive,
    servicing_request_reject,
    servicing_request_withdraw,
)
from coverdesk.policies.transitions import SERVICING_OPEN, allowed_actions
from coverdesk.reports.policy_documents import endorsement_pdf
from coverdesk.web.http import WebRequest
from coverdesk.web.new_business.queries import clocks_by_id
from coverdesk.web.permissions import (
    can_approve_servicing,
    can_process_servicing,
    can_view_servicing,
    page_access,
)
from coverdesk.web.servicing.forms import (
    ArchiveForm,
    CalculateForm,
    ConfirmForm,
    DocumentsForm,
    ReasonForm,
    error_apply,
)
from coverdesk.web.servicing.presentation import (
    amount_view,
    calculation_lines,
    calculation_method,
    change_texts,
    chinese,
    history_rows,
    next_step,
    policy_url,
    reapplied_calculations,
    status_tone,
    waits_for_customer,
)
from coverdesk.web.servicing.queries import (
    change_names,
    request_calculations,
    request_endorsement,
    request_history,
)
from coverdesk.web.sla.presentation import clock_view

S = ServicingStatus
A = ServicingAction


def _request_or_404(request: WebRequest, request_id: int) -> ServicingRequest:
    try:
        return servicing_request_access_for_user(user=request.user, request_id=request_id)
    except NotFound as error:
        raise Http404(error.message) from error


def _documents_form(servicing: ServicingRequest, data: Any = None) -> DocumentsForm:
    return DocumentsForm(data, documents=list(servicing.documents.order_by("id")))


def _detail_context(
    request: WebRequest, servicing: ServicingRequest, bound: dict[str, forms.Form]
) -> dict[str, Any]:
    now = core_clock.now()
    user = request.user
    status = servicing.status
    allowed = set(allowed_actions("servicing", status))
    may_process = can_process_servicing(user)
    may_approve = can_approve_servicing(user)
    clock = clocks_by_id([servicing.clock_id], now=now).get(servicing.clock_id or 0)
    documents_form = bound.get("documents") or _documents_form(servicing)
    assert isinstance(documents_form, DocumentsForm)
    documents = documents_form.documents
    preview = None
    preview_error = ""
    if status in SERVICING_OPEN:
        try:
            preview = servicing_preview(
                policy=servicing.policy,
                kind=servicing.kind,
                effective_on=servicing.effective_on,
                changes=servicing.changes,
            )
        except ApplicationError as error:
            preview_error = error.message
    confirmed = (
        not servicing.confirmation_required
        or servicing.confirmed_calculation == servicing.calculation_number
    )
    authority = authority_of(user, AuthorityKind.SERVICING) if may_approve else None
    endorsement = (
        request_endorsement(request=servicing) if status in (S.COMPLETED, S.ARCHIVED) else None
    )
    return {
        "servicing": servicing,
        "policy": servicing.policy,
        "policy_url": policy_url(servicing.policy_id),
        "tone": status_tone(status),
        "next_step": next_step(status),
        "waiting": waits_for_customer(status),
        "clock": clock,
        "clock_view": clock_view(clock, now=now) if clock is not None and clock.is_open else None,
        "changes": change_texts(
            servicing.changes, change_names(policy=servicing.policy, changes=servicing.changes)
        ),
        "documents": documents,
        "missing": [d for d in documents if d.required and d.status != DocumentStatus.RECEIVED],
        "documents_form": documents_form,
        "document_rows": documents_form.rows(),
        "history": history_rows(request_history(request=servicing)),
        "calculations": [
            {
                "row": row,
                "lines": calculation_lines(row.calculation),
                "amount": amount_view(row.amount),
                "confirmed": servicing.confirmed_calculation == row.number,
            }
            for row in request_calculations(request=servicing)
        ],
        "current_lines": calculation_lines(servicing.calculation),
        "current_method": calculation_method(servicing.calculation),
        "current_reapplied": reapplied_calculations(servicing.calculation),
        "amount": amount_view(servicing.amount),
        "preview": preview,
        "preview_lines": calculation_lines(preview.calculation) if preview else [],
        "preview_method": calculation_method(preview.calculation) if preview else "",
        "preview_reapplied": reapplied_calculations(preview.calculation) if preview else [],
        "preview_amount": amount_view(preview.amount) if preview else None,
        "preview_differs": (
            preview is not None
            and servicing.amount is not None
            and preview.amount != servicing.amount
        ),
        "preview_error": preview_error,
        "confirmed": confirmed,
        "authority": authority,
        "within_authority": (
            authority.covers(servicing.amount)
            if authority is not None and servicing.amount is not None
            else None
        ),
        "endorsement": endorsement,
        "pdf_language": "zh-hans" if chinese() else "en",
        # What this user may do now: the transition table and their rights.
        "may_documents": may_process
        and bool({A.DOCUMENTS_MISSING, A.DOCUMENTS_COMPLETE} & allowed),
        "may_calculate": may_process and A.CALCULATE in allowed,
        "may_confirm": may_process and A.CONFIRM in allowed,
        "may_approve": may_approve and A.APPROVE in allowed and confirmed,
        "may_close": may_process and A.REJECT in allowed,
        "may_archive": may_process and A.ARCHIVE in allowed,
        "calculate_form": bound.get("calculate") or CalculateForm(),
        "confirm_form": bound.get("confirm")
        or ConfirmForm(initial={"calculation_number": servicing.calculation_number}),
        "approve_form": bound.get("approve") or forms.Form(),
        "reject_form": bound.get("reject") or ReasonForm(prefix="reject"),
        "withdraw_form": bound.get("withdraw") or ReasonForm(prefix="withdraw"),
        "archive_form": bound.get("archive") or ArchiveForm(),
        "failed_action": next(iter(bound), ""),
    }


@require_GET
@page_access(can_view_servicing)
def servicing_detail(request: WebRequest, request_id: int) -> HttpResponse:
    servicing = _request_or_404(request, request_id)
    return render(
        request, "web/servicing/detail.html", _detail_context(request, servicing, bound={})
    )


def _act(
    request: WebRequest,
    request_id: int,
    name: str,
    form: forms.Form,
    call: Callable[[ServicingRequest, dict[str, Any]], Any],
    done: str,
    *,
    aliases: dict[str, str] | None = None,
) -> HttpResponse:
    """Run one service for the request; on refusal show the page again with the error beside
    the form's field (the service changed nothing)."""
    servicing = _request_or_404(request, request_id)
    status = 422
    if form.is_valid():
        try:
            call(servicing, form.cleaned_data)
        except AuthorityExceeded as error:
            error_apply(form, error)
            status = error.status_code
        except PermissionDenied as error:
            raise DjangoPermissionDenied(error.message) from error
        except NotFound as error:
            raise Http404(error.message) from error
        except ApplicationError as error:
            error_apply(form, error, aliases=aliases)
            status = error.status_code
        else:
            messages.success(request, done)
            return redirect("web:servicing_detail", request_id=request_id)
        servicing = _request_or_404(request, request_id)  # as it is now: unchanged
    context = _detail_context(request, servicing, bound={name: form})
    return render(request, "web/servicing/detail.html", context, status=status)


@require_POST
@page_access(can_process_servicing)
def servicing_documents(request: WebRequest, request_id: int) -> HttpResponse:
    servicing = _request_or_404(request, request_id)
    form = _documents_form(servicing, request.POST)

    def review(target: ServicingRequest, data: dict[str, Any]) -> Any:
        return servicing_documents_review(
            request_id=target.pk,
            received=data["received"],
            rejected=form.rejected(),
            acting_user=request.user,
        )

    return _act(
        request,
        request_id,
        "documents",
        form,
        review,
        _("The documents are recorded."),
        aliases={"rejected": "received"},
    )


@require_POST
@page_access(can_process_servicing)
def servicing_calculate(request: WebRequest, request_id: int) -> HttpResponse:
    def calculate(target: ServicingRequest, data: dict[str, Any]) -> Any:
        return servicing_fee_calculate(
            request_id=target.pk,
            confirm_with_customer=data["confirm_with_customer"],
            reason=data["reason"],
            acting_user=request.user,
        )

    return _act(
        request,
        request_id,
        "calculate",
        CalculateForm(request.POST),
        calculate,
        _("The fee is calculated and kept."),
    )


@require_POST
@page_access(can_process_servicing)
def servicing_confirm(request: WebRequest, request_id: int) -> HttpResponse:
    def confirm(target: ServicingRequest, data: dict[str, Any]) -> Any:
        return servicing_customer_confirm(
            request_id=target.pk,
            calculation_number=data["calculation_number"],
            note=data["note"],
            acting_user=request.user,
        )

    return _act(
        request,
        request_id,
        "confirm",
        ConfirmForm(request.POST),
        confirm,
        _("The customer's confirmation is recorded."),
        aliases={"number": "note"},
    )


@require_POST
@page_access(can_approve_servicing)
def servicing_approve(request: WebRequest, request_id: int) -> HttpResponse:
    def approve(target: ServicingRequest, data: dict[str, Any]) -> Any:
        return servicing_request_approve(request_id=target.pk, acting_user=request.user)

    return _act(
        request,
        request_id,
        "approve",
        forms.Form(request.POST),
        approve,
        _("Approved and applied to the policy; the customer is notified."),
    )


def _close(
    request: WebRequest, request_id: int, name: str, service: Callable[..., Any], done: str
) -> HttpResponse:
    def close(target: ServicingRequest, data: dict[str, Any]) -> Any:
        return service(request_id=target.pk, reason=data["reason"], acting_user=request.user)

    return _act(request, request_id, name, ReasonForm(request.POST, prefix=name), close, done)


@require_POST
@page_access(can_process_servicing)
def servicing_reject(request: WebRequest, request_id: int) -> HttpResponse:
    return _close(
        request, request_id, "reject", servicing_request_reject, _("The request is rejected.")
    )


@require_POST
@page_access(can_process_servicing)
def servicing_withdraw(request: WebRequest, request_id: int) -> HttpResponse:
    return _close(
        request,
        request_id,
        "withdraw",
        servicing_request_withdraw,
        _("The request is recorded as withdrawn."),
    )


@require_POST
@page_access(can_process_servicing)
def servicing_archive(request: WebRequest, request_id: int) -> HttpResponse:
    def archive(target: ServicingRequest, data: dict[str, Any]) -> Any:
        return servicing_request_archive(
            request_id=target.pk, outcome_note=data["outcome_note"], acting_user=request.user
        )

    return _act(
        request,
        request_id,
        "archive",
        ArchiveForm(request.POST),
        archive,
        _("The request is archived; the broker has the feedback."),
    )


@never_cache
@require_GET
@page_access(can_view_servicing)
def servicing_endorsement_pdf(request: WebRequest, request_id: int) -> HttpResponse:
    """The endorsement document (批单) of an applied request, in Chinese or English."""
    servicing = _request_or_404(request, request_id)
    endorsement = request_endorsement(request=servicing)
    if endorsement is None:
        raise Http404(_("This request has no endorsement yet."))
    language = request.GET.get("language") or ("zh-hans" if chinese() else "en")
    try:
        content = endorsement_pdf(endorsement_id=endorsement.pk, language=language)
    except ApplicationError as error:
        return HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")
    name = f"{servicing.policy.number}-E{endorsement.sequence:03d}-{language}.pdf"
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
