"""An application (投保) and its workflow on one page: the document checklist (submit, then
received or refused; one notice of everything missing, the clock waiting meanwhile), the
underwriting decision within the authority limit, the premium payment, the issue of the
policy and the filing of the contract. Each action is one service call; a refusal comes back
beside its field with nothing changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coverdesk.core import clock as core_clock
from coverdesk.core.exceptions import ApplicationError
from coverdesk.policies.access.policies import application_access_for_user
from coverdesk.policies.choices import (
    ApplicationAction,
    ApplicationStatus,
    AuthorityKind,
    DocumentStatus,
)
from coverdesk.policies.models import Application
from coverdesk.policies.selectors.new_business import application_get
from coverdesk.policies.services.common import authority_of
from coverdesk.policies.services.new_business import (
    application_approve,
    application_decline,
    application_documents_review,
    application_issue,
    application_payment_record,
    application_refer,
    application_submit,
    application_withdraw,
)
from coverdesk.policies.services.policies import policy_contract_file
from coverdesk.policies.terms import items_from_json, premium_by_coverage
from coverdesk.policies.transitions import APPLICATION_OPEN, allowed_actions
from coverdesk.web.http import WebRequest
from coverdesk.web.new_business.common import Refused, fetch, run
from coverdesk.web.new_business.forms import (
    ApproveForm,
    ContractFileForm,
    DeclineForm,
    DocumentsForm,
    PaymentForm,
    ReferForm,
    WithdrawForm,
)
from coverdesk.web.new_business.presentation import (
    application_next_step,
    clock_status,
    localised,
    policy_url,
    quote_lines,
)
from coverdesk.web.new_business.queries import clocks_by_id
from coverdesk.web.permissions import (
    can_issue_policies,
    can_manage_new_business,
    can_underwrite,
    can_view_new_business,
    page_access,
)

# The forms of the page, by the name the template and the failing action use.
FORMS: dict[str, Callable[..., forms.Form]] = {
    "approve": ApproveForm,
    "refer": ReferForm,
    "decline": DeclineForm,
    "payment": PaymentForm,
    "withdraw": WithdrawForm,
    "file": ContractFileForm,
    "issue": forms.Form,
}


def _form(name: str, data: Any = None, **kwargs: Any) -> Any:
    """Form `name` of the page; its element ids carry the name (refer and decline both have a
    "reasons" field), its input names do not."""
    return FORMS[name](data, auto_id=f"id_{name}_%s", **kwargs)


def _application(request: WebRequest, application_id: int) -> Application:
    """The application if the user may see it (staff work; 404 for anyone else), with its
    quote, product and policy loaded."""
    fetch(lambda: application_access_for_user(user=request.user, application_id=application_id))
    return fetch(lambda: application_get(application_id=application_id))


def _documents_form(application: Application, data: Any = None) -> DocumentsForm:
    """The checklist as a form: a draft is submitted with what was handed in (refusing comes
    with the review afterwards)."""
    rows = list(application.documents.order_by("id"))
    codes = [(row.code, localised(row)) for row in rows]
    refusing = application.status != ApplicationStatus.DRAFT
    if data is not None:
        return DocumentsForm(data, codes=codes, refusing=refusing)
    initial = {"received": [row.code for row in rows if row.status == DocumentStatus.RECEIVED]}
    return DocumentsForm(initial=initial, codes=codes, refusing=refusing)


def _page(
    request: WebRequest,
    application: Application,
    *,
    failed: str = "",
    form: forms.Form | None = None,
) -> HttpResponse:
    """The application page; the form of a refused action comes back bound, with its error."""
    user = request.user
    now = core_clock.now()
    clock_id = application.clock_id
    clock = clocks_by_id([clock_id], now=now).get(clock_id) if clock_id is not None else None
    documents = list(application.documents.order_by("id"))
    missing = [d for d in documents if d.required and d.status != DocumentStatus.RECEIVED]
    quote = application.quote
    items = items_from_json(quote.terms["items"])
    names = {
        str(item.data["code"]): localised(item.data)
        for item in items
        if item.key.startswith("coverage:")
    }
    status = application.status
    actions = set(allowed_actions("application", status))
    page_forms = {name: _form(name) for name in FORMS}
    if failed and form is not None:
        page_forms[failed] = form  # e.g. "issue", "documents"
    if failed != "documents":
        page_forms["documents"] = _documents_form(application)
    if failed != "payment":
        page_forms["payment"] = _form("payment", initial={"paid_on": timezone.localdate()})
    checklist = page_forms["documents"]
    assert isinstance(checklist, DocumentsForm)
    checked = set(checklist["received"].value() or [])
    may_manage = can_manage_new_business(user)
    may_underwrite = can_underwrite(user)
    may_issue = can_issue_policies(user)
    policy = application.policy
    context = {
        "application": application,
        "quote": quote,
        "product": localised(quote.product_version.product),
        "documents": [
            {
                "doc": d,
                "name": localised(d),
                "checked": d.code in checked,
                "reject": checklist.reject_field(d.code),
            }
            for d in documents
        ],
        "checklist": checklist,
        "missing": missing,
        "clock": clock_status(application, clock, now=now),
        "clock_row": clock,
        "next_step": application_next_step(application, missing=len(missing)),
        "by_coverage": [
            (names.get(code, code), premium) for code, premium in premium_by_coverage(items).items()
        ],
        "lines": quote_lines(quote.terms),
        "history": [
            {
                "change": change,
                "action": _label(ApplicationAction, change.action),
                "status": _label(ApplicationStatus, change.to_status),
            }
            for change in application.status_changes.select_related("by").order_by("at", "id")
        ],
        "forms": page_forms,
        "failed": failed,
        "may_submit": may_manage and status == ApplicationStatus.DRAFT,
        "may_review": may_manage
        and status in (ApplicationStatus.WAITING_FOR_DOCUMENTS, ApplicationStatus.UNDERWRITING),
        "may_decide": may_underwrite and ("approve" in actions or "decline" in actions),
        "may_pay": may_issue and "record_payment" in actions,
        "may_issue": may_issue and "issue" in actions,
        "may_withdraw": may_manage and "withdraw" in actions,
        "may_file": may_issue and policy is not None and policy.filed_at is None,
        "authority": authority_of(user, AuthorityKind.UNDERWRITING) if may_underwrite else None,
        "policy_url": policy_url(policy.pk) if policy is not None else "",
        "follow_ups": list(policy.follow_ups.order_by("due_on")) if policy is not None else [],
        "is_open": status in APPLICATION_OPEN,
    }
    return render(request, "web/new_business/application_detail.html", context)


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        # "create" is the first row of the history, not an action of the transition table.
        return _("Filed") if value == "create" else value


@require_GET
@page_access(can_view_new_business)
def application_detail(request: WebRequest, application_id: int) -> HttpResponse:
    return _page(request, _application(request, application_id))


def _act(
    request: WebRequest,
    application_id: int,
    name: str,
    form: forms.Form,
    call: Callable[[Application, dict[str, Any]], Any],
    done: Callable[[Any], str],
) -> HttpResponse:
    """Run one action of the page: on success back to the page (POST, redirect, GET) with
    what happened; refused, the page again with the form and its error."""
    application = _application(request, application_id)
    if form.is_valid():
        try:
            result = run(form, lambda: call(application, form.cleaned_data))
        except Refused:
            pass
        else:
            messages.success(request, done(result))
            return redirect("web:nb_application_detail", application.pk)
    application = _application(request, application_id)
    return _page(request, application, failed=name, form=form)


@require_POST
@page_access(can_manage_new_business)
def application_documents(request: WebRequest, application_id: int) -> HttpResponse:
    """Submit a draft with the documents handed in, or record documents received and refused
    later. Complete → underwriting, and the clock runs; anything missing → one notice of all
    of it, and the clock waits."""
    application = _application(request, application_id)
    form = _documents_form(application, request.POST)

    def call(app: Application, data: dict[str, Any]) -> Application:
        if app.status == ApplicationStatus.DRAFT:
            return application_submit(
                application_id=app.pk, received_documents=data["received"], acting_user=request.user
            )
        return application_documents_review(
            application_id=app.pk,
            received=data["received"],
            rejected=form.rejected(),
            acting_user=request.user,
        )

    def done(app: Application) -> str:
        if app.status == ApplicationStatus.WAITING_FOR_DOCUMENTS:
            return _(
                "Documents recorded. The client is told in one notice everything still "
                "missing; the clock waits."
            )
        return _(
            "The documents are complete: the application is in underwriting and its clock runs."
        )

    return _act(request, application_id, "documents", form, call, done)


@require_POST
@page_access(can_underwrite)
def application_approve_view(request: WebRequest, application_id: int) -> HttpResponse:
    return _act(
        request,
        application_id,
        "approve",
        _form("approve", request.POST),
        lambda app, data: application_approve(
            application_id=app.pk, note=data["note"], acting_user=request.user
        ),
        lambda app: _("Approved. The clock waits for the premium payment."),
    )


@require_POST
@page_access(can_underwrite)
def application_refer_view(request: WebRequest, application_id: int) -> HttpResponse:
    form = _form("refer", request.POST)
    return _act(
        request,
        application_id,
        "refer",
        form,
        lambda app, data: application_refer(
            application_id=app.pk, reasons=form.reason_list(), acting_user=request.user
        ),
        lambda app: _("Referred with its reasons; those with enough authority are told."),
    )


@require_POST
@page_access(can_underwrite)
def application_decline_view(request: WebRequest, application_id: int) -> HttpResponse:
    form = _form("decline", request.POST)
    return _act(
        request,
        application_id,
        "decline",
        form,
        lambda app, data: application_decline(
            application_id=app.pk, reasons=form.reason_list(), acting_user=request.user
        ),
        lambda app: _("Declined with its reasons. The clock stops."),
    )


@require_POST
@page_access(can_issue_policies)
def application_payment(request: WebRequest, application_id: int) -> HttpResponse:
    return _act(
        request,
        application_id,
        "payment",
        _form("payment", request.POST),
        lambda app, data: application_payment_record(
            application_id=app.pk,
            amount=data["amount"],
            paid_on=data["paid_on"],
            payment_reference=data["payment_reference"],
            acting_user=request.user,
        ),
        lambda app: _("The premium payment is recorded."),
    )


@require_POST
@page_access(can_issue_policies)
def application_issue_view(request: WebRequest, application_id: int) -> HttpResponse:
    return _act(
        request,
        application_id,
        "issue",
        _form("issue", request.POST),
        lambda app, data: application_issue(application_id=app.pk, acting_user=request.user),
        lambda policy: _("Policy %(number)s is issued.") % {"number": policy.number},
    )


@require_POST
@page_access(can_manage_new_business)
def application_withdraw_view(request: WebRequest, application_id: int) -> HttpResponse:
    return _act(
        request,
        application_id,
        "withdraw",
        _form("withdraw", request.POST),
        lambda app, data: application_withdraw(
            application_id=app.pk, reason=data["reason"], acting_user=request.user
        ),
        lambda app: _("The application is withdrawn; its clock is cancelled."),
    )


@require_POST
@page_access(can_issue_policies)
def contract_file(request: WebRequest, application_id: int) -> HttpResponse:
    """合同备案: where the contract is filed; the client is told that cover starts and how to
    report a claim, and the follow-ups are planned."""

    def call(app: Application, data: dict[str, Any]) -> Any:
        if app.policy_id is None:
            raise ApplicationError(_("There is no policy to file yet: issue it first."))
        return policy_contract_file(
            policy_id=app.policy_id,
            filing_reference=data["filing_reference"],
            acting_user=request.user,
        )

    return _act(
        request,
        application_id,
        "file",
        _form("file", request.POST),
        call,
        lambda policy: _(
            "The contract is filed; the client is told when cover starts and how to report a claim."
        ),
    )
