"""Needs intake (需求登记) and everything on its page: the consultations with the client, the
client's insured objects, the options quoted side by side, and filing the chosen one as an
application."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coverdesk.parties.choices import PartyKind
from coverdesk.parties.services import party_create
from coverdesk.policies.choices import ConsultationChannel, IntakeStatus
from coverdesk.policies.models import InsuredPersonStatus, NeedsIntake
from coverdesk.policies.selectors.insured import aircraft_list, insured_person_list
from coverdesk.policies.selectors.new_business import intake_get, quotes_compare
from coverdesk.policies.services.insured import insured_person_add
from coverdesk.policies.services.new_business import (
    application_create,
    consultation_record,
    needs_intake_create,
)
from coverdesk.web.http import WebRequest
from coverdesk.web.new_business.common import Refused, fetch, run
from coverdesk.web.new_business.forms import (
    NEW,
    ApplicationCreateForm,
    ConsultationForm,
    CustomerFindForm,
    IntakeForm,
    PersonAddForm,
)
from coverdesk.web.new_business.presentation import intake_next_step, quotes_side_by_side
from coverdesk.web.new_business.queries import customer_choices, quote_intake_id
from coverdesk.web.permissions import can_manage_new_business, can_view_new_business, page_access

PARTY_ADD = "parties.add_party"
PERSON_ADD = "policies.add_insuredperson"


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_http_methods(["GET", "POST"])
@page_access(can_manage_new_business)
def intake_create(request: WebRequest) -> HttpResponse:
    user = request.user
    may_create_customer = user.has_perm(PARTY_ADD)
    posted = request.method == "POST"
    finding = posted and request.POST.get("action") == "find"
    find_form = CustomerFindForm(request.POST if posted else None)
    query = find_form.cleaned_data.get("find", "") if find_form.is_valid() else ""
    chosen = _int_or_none((request.POST if posted else request.GET).get("customer"))
    customers = customer_choices(user=user, query=query, chosen=chosen)
    if not posted or finding:
        initial = request.POST.dict() if finding else {"customer": chosen}
        form = IntakeForm(initial=initial, customers=customers)
    else:
        form = IntakeForm(request.POST, customers=customers)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    # A new customer and its needs are one change: bad needs input leaves
                    # no customer behind.
                    customer_id = data["customer"]
                    if data["customer_mode"] == NEW:
                        if not may_create_customer:
                            form.add_error("customer_mode", _("You may not create customers."))
                            raise Refused
                        party = run(
                            form,
                            lambda: party_create(
                                acting_user=user,
                                kind=PartyKind.ORGANISATION,
                                name=data["new_name"],
                                credit_code=data["new_credit_code"],
                                phone=data["new_phone"],
                                address=data["new_address"],
                            ),
                            apply=form.apply_party_error,
                        )
                        customer_id = party.pk
                    intake = run(
                        form,
                        lambda: needs_intake_create(
                            customer_id=customer_id,
                            insurance_type=data["insurance_type"],
                            coverage_wanted=data["coverage_wanted"],
                            budget=data["budget"],
                            notes=data["notes"],
                            acting_user=user,
                        ),
                    )
            except Refused:
                pass
            else:
                messages.success(request, _("The client's needs are recorded."))
                return redirect("web:nb_intake_detail", intake.pk)
    context = {
        "form": form,
        "find_form": find_form,
        "query": query,
        "may_create_customer": may_create_customer,
    }
    return render(request, "web/new_business/intake_form.html", context)


def _intake_page(
    request: WebRequest,
    intake: NeedsIntake,
    *,
    consultation_form: ConsultationForm | None = None,
    person_form: PersonAddForm | None = None,
    apply_forms: dict[int, ApplicationCreateForm] | None = None,
) -> HttpResponse:
    user = request.user
    options = quotes_compare(intake_id=intake.pk)
    comparison = quotes_side_by_side(options)
    applying = apply_forms or {}
    for column in comparison.columns:
        column.apply_form = applying.get(column.quote.pk) or ApplicationCreateForm(  # type: ignore[attr-defined]
            prefix=f"q{column.quote.pk}"
        )
    manage = can_manage_new_business(user)
    open_intake = intake.status not in (IntakeStatus.WON, IntakeStatus.LOST)
    now_local = timezone.localtime().replace(second=0, microsecond=0, tzinfo=None)
    context = {
        "intake": intake,
        "consultations": list(intake.consultations.select_related("recorded_by")),
        "comparison": comparison,
        "offered": sum(1 for c in comparison.columns if c.offered),
        "next_step": intake_next_step(
            intake, offered=sum(1 for c in comparison.columns if c.offered)
        ),
        "aircraft": list(aircraft_list(customer_id=intake.customer_id, active_only=True)),
        "persons": list(
            insured_person_list(customer_id=intake.customer_id, status=InsuredPersonStatus.ACTIVE)
        ),
        "may_manage": manage,
        "may_consult": manage and open_intake,
        "may_add_person": manage and user.has_perm(PERSON_ADD),
        "consultation_form": consultation_form
        or ConsultationForm(
            initial={"occurred_at": now_local, "channel": ConsultationChannel.MEETING}
        ),
        "person_form": person_form or PersonAddForm(),
    }
    return render(request, "web/new_business/intake_detail.html", context)


def intake_or_404(intake_id: int) -> NeedsIntake:
    return fetch(lambda: intake_get(intake_id=intake_id))


def intake_id_of_quote(quote_id: int) -> int:
    """The needs a quote answers; a quote without (a renewal's) is not new business: 404."""
    intake_id = quote_intake_id(quote_id=quote_id)
    if intake_id is None:
        raise Http404
    return intake_id


@require_GET
@page_access(can_view_new_business)
def intake_detail(request: WebRequest, intake_id: int) -> HttpResponse:
    return _intake_page(request, intake_or_404(intake_id))


@require_POST
@page_access(can_manage_new_business)
def consultation_add(request: WebRequest, intake_id: int) -> HttpResponse:
    intake = intake_or_404(intake_id)
    form = ConsultationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            run(
                form,
                lambda: consultation_record(
                    intake_id=intake.pk,
                    occurred_at=data["occurred_at"],
                    channel=data["channel"],
                    summary=data["summary"],
                    recommendation=data["recommendation"],
                    acting_user=request.user,
                ),
            )
        except Refused:
            pass
        else:
            messages.success(request, _("The consultation is recorded."))
            return redirect(reverse("web:nb_intake_detail", args=[intake.pk]) + "#consultations")
    return _intake_page(request, intake, consultation_form=form)


@require_POST
@page_access(can_manage_new_business)
def person_add(request: WebRequest, intake_id: int) -> HttpResponse:
    intake = intake_or_404(intake_id)
    form = PersonAddForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            person = run(
                form,
                lambda: insured_person_add(
                    acting_user=request.user,
                    customer_id=intake.customer_id,
                    name=data["name"],
                    id_number=data["id_number"],
                    category=data["category"],
                    occupation=data["occupation"],
                ),
            )
        except Refused:
            pass
        else:
            messages.success(
                request, _("%(name)s is added to the insured persons.") % {"name": person.name}
            )
            return redirect(reverse("web:nb_intake_detail", args=[intake.pk]) + "#insured")
    return _intake_page(request, intake, person_form=form)


@require_POST
@page_access(can_manage_new_business)
def application_file(request: WebRequest, quote_id: int) -> HttpResponse:
    """File the option the client chose as an application (the others are declined)."""
    intake = intake_or_404(intake_id_of_quote(quote_id))
    form = ApplicationCreateForm(request.POST, prefix=f"q{quote_id}")
    if form.is_valid():
        try:
            application = run(
                form,
                lambda: application_create(
                    quote_id=quote_id,
                    complexity=form.cleaned_data["complexity"],
                    acting_user=request.user,
                ),
            )
        except Refused:
            pass
        else:
            messages.success(request, _("The application is filed with its document checklist."))
            return redirect("web:nb_application_detail", application.pk)
    return _intake_page(request, intake, apply_forms={quote_id: form})
