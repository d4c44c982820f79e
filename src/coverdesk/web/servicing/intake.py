"""Receiving a servicing request: the policy by its number and the servicing type first, then
the requester and their verified identity, the effective date, what is to change and the
documents handed in; a live preview of the fee (which changes nothing) beside the form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from coverdesk.core.exceptions import ApplicationError, NotFound, PermissionDenied
from coverdesk.policies.access.policies import policy_access_for_user
from coverdesk.policies.choices import PolicyStatus, ServicingKind
from coverdesk.policies.models import Policy
from coverdesk.policies.selectors.policies import policy_by_number
from coverdesk.policies.selectors.servicing import (
    ServicingPreview,
    servicing_changes_clean,
    servicing_preview,
)
from coverdesk.policies.services.servicing import servicing_request_receive
from coverdesk.web.http import WebRequest
from coverdesk.web.permissions import can_process_servicing, page_access
from coverdesk.web.servicing.forms import (
    INTAKE_ALIASES,
    IntakeForm,
    IntakeStartForm,
    error_apply,
)
from coverdesk.web.servicing.presentation import (
    amount_view,
    calculation_lines,
    calculation_method,
    money_text,
    policy_url,
    reapplied_calculations,
)
from coverdesk.web.servicing.queries import intake_options


def _policy(request: WebRequest, number: str) -> Policy:
    """The policy by number, if the user may see it (NotFound otherwise)."""
    found = policy_by_number(number=number)
    return policy_access_for_user(user=request.user, policy_id=found.pk)


def _start_policy(request: WebRequest, form: IntakeStartForm) -> Policy | None:
    if not form.is_valid():
        return None
    try:
        return _policy(request, form.cleaned_data["policy_number"])
    except NotFound as error:
        form.add_error("policy_number", ValidationError(error.message, code="not_found"))
        return None


def _intake_form(request: WebRequest, policy: Policy, kind: str, data: Any = None) -> IntakeForm:
    return IntakeForm(
        data,
        kind=kind,
        options=intake_options(policy=policy, kind=kind),
        initial={"policy_number": policy.number, "kind": kind},
    )


@dataclass(frozen=True)
class PreviewView:
    preview: ServicingPreview | None
    errors: list[tuple[str, str, str]]  # (field label, rule, message)

    @property
    def lines(self) -> list[Any]:
        return calculation_lines(self.preview.calculation) if self.preview else []

    @property
    def method(self) -> str:
        return calculation_method(self.preview.calculation) if self.preview else ""

    @property
    def reapplied(self) -> list[Any]:
        return reapplied_calculations(self.preview.calculation) if self.preview else []

    @property
    def amount(self) -> Any:
        return amount_view(self.preview.amount) if self.preview else None


def _context(
    policy: Policy | None,
    start: IntakeStartForm,
    form: IntakeForm | None,
    preview: PreviewView | None = None,
) -> dict[str, Any]:
    return {
        "start": start,
        "form": form,
        "policy": policy,
        "policy_url": policy_url(policy.pk) if policy is not None else "",
        "policy_active": policy is not None and policy.status == PolicyStatus.ACTIVE,
        "term_premium": money_text(policy.term_premium) if policy is not None else "",
        "kind_label": ServicingKind(form.kind_code).label if form is not None else "",
        "change_fields": [form[name] for name in form.change_fields()] if form else [],
        "preview": preview,
    }


@require_http_methods(["GET", "POST"])
@page_access(can_process_servicing)
def servicing_new(request: WebRequest) -> HttpResponse:
    if request.method == "POST":
        return _receive(request)
    start = IntakeStartForm(request.GET or None)
    policy = _start_policy(request, start) if start.is_bound else None
    form = _intake_form(request, policy, start.cleaned_data["kind"]) if policy else None
    status = 422 if start.is_bound and policy is None else 200
    context = _context(policy, start, form)
    return render(request, "web/servicing/intake.html", context, status=status)


def _bound(request: WebRequest) -> tuple[IntakeStartForm, Policy | None, IntakeForm | None]:
    """The posted intake: the policy and type again (as the first step), then the form."""
    start = IntakeStartForm(request.POST)
    policy = _start_policy(request, start)
    if policy is None:
        return start, None, None
    return start, policy, _intake_form(request, policy, start.cleaned_data["kind"], request.POST)


def _changes(form: IntakeForm) -> list[dict[str, Any]] | None:
    """The requested changes, or None when the form itself has errors."""
    if not form.is_valid():
        return None
    try:
        return form.changes()
    except ValidationError:
        return None


def _receive(request: WebRequest) -> HttpResponse:
    start, policy, form = _bound(request)
    if policy is None or form is None:
        return render(request, "web/servicing/intake.html", _context(None, start, None), status=422)
    changes = _changes(form)
    if changes is not None:
        data = form.cleaned_data
        try:
            created = servicing_request_receive(
                policy_id=policy.pk,
                kind=form.kind_code,
                channel=data["channel"],
                requester_name=data["requester_name"],
                identity_method=data["identity_method"],
                identity_reference=data["identity_reference"],
                effective_on=data["effective_on"],
                description=data["description"],
                changes=changes,
                received_documents=data["received_documents"],
                acting_user=request.user,
            )
        except PermissionDenied as error:
            raise DjangoPermissionDenied(error.message) from error
        except ApplicationError as error:
            error_apply(form, error, aliases=INTAKE_ALIASES, fallback=form.changes_field())
        else:
            messages.success(
                request,
                _("Servicing request %(id)s received for policy %(number)s.")
                % {"id": created.pk, "number": policy.number},
            )
            return redirect("web:servicing_detail", request_id=created.pk)
    return render(request, "web/servicing/intake.html", _context(policy, start, form), status=422)


def intake_preview(form: IntakeForm, policy: Policy) -> PreviewView:
    """The fee the request would cost, computed and not written; or why it cannot be."""
    changes = _changes(form)
    if changes is None:
        return PreviewView(None, _form_errors(form))
    try:
        cleaned = servicing_changes_clean(policy=policy, kind=form.kind_code, changes=changes)
        preview = servicing_preview(
            policy=policy,
            kind=form.kind_code,
            effective_on=form.cleaned_data["effective_on"],
            changes=cleaned,
        )
    except ApplicationError as error:
        error_apply(form, error, aliases=INTAKE_ALIASES, fallback=form.changes_field())
        return PreviewView(None, _form_errors(form))
    return PreviewView(preview, [])


def _form_errors(form: forms.Form) -> list[tuple[str, str, str]]:
    errors = []
    for name, found in form.errors.as_data().items():
        label = str(form.fields[name].label or name) if name in form.fields else ""
        for error in found:
            for message in error.messages:
                errors.append((label, str(error.code or ""), message))
    return errors


@require_POST
@page_access(can_process_servicing)
def servicing_intake_preview(request: WebRequest) -> HttpResponse:
    """The live preview: a fragment for HTMX, else the whole intake page with it."""
    start, policy, form = _bound(request)
    if policy is None or form is None:
        if request.htmx:
            return render(
                request,
                "web/servicing/_intake_preview.html",
                {"preview": PreviewView(None, _form_errors(start))},
            )
        return render(request, "web/servicing/intake.html", _context(None, start, None), status=422)
    preview = intake_preview(form, policy)
    if request.htmx:
        return render(request, "web/servicing/_intake_preview.html", {"preview": preview})
    return render(request, "web/servicing/intake.html", _context(policy, start, form, preview))
