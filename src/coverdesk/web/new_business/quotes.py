"""Quoting an option for a client's needs (product, period, coverages, insured objects), and
recording that the client turned one down. The quote service rates it on the product version
in force on the first day."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from coverdesk.policies.models import InsuredPersonStatus, NeedsIntake
from coverdesk.policies.selectors.insured import aircraft_list, insured_person_list
from coverdesk.policies.services.new_business import quote_create, quote_decline
from coverdesk.web.formatting import money
from coverdesk.web.http import WebRequest
from coverdesk.web.new_business.common import Refused, run
from coverdesk.web.new_business.forms import QuoteForm
from coverdesk.web.new_business.intakes import intake_id_of_quote, intake_or_404
from coverdesk.web.new_business.presentation import localised
from coverdesk.web.new_business.queries import product_coverages, products_active
from coverdesk.web.permissions import can_manage_new_business, page_access


def _period_default(today: date) -> tuple[date, date]:
    start = today + timedelta(days=1)
    try:
        end = start.replace(year=start.year + 1) - timedelta(days=1)
    except ValueError:  # 29 February
        end = start + timedelta(days=364)
    return start, end


def _quote_form(request: WebRequest, intake: NeedsIntake) -> QuoteForm:
    posted = request.method == "POST"
    data = request.POST if posted else request.GET
    products = products_active()
    codes = [p.code for p in products]
    chosen = data.get("product") or (codes[0] if codes else "")
    today = timezone.localdate()
    start, end = _period_default(today)
    try:
        first_day = date.fromisoformat(data.get("period_start") or start.isoformat())
    except ValueError:
        first_day = start
    aircraft = aircraft_list(customer_id=intake.customer_id, active_only=True)
    persons = insured_person_list(customer_id=intake.customer_id, status=InsuredPersonStatus.ACTIVE)
    choices: dict[str, Any] = {
        "products": [(p.code, localised(p)) for p in products],
        "coverages": [
            (c.code, f"{localised(c)} ({c.get_insured_object_display()})")
            for c in product_coverages(code=chosen, on=first_day)
        ],
        "aircraft": [
            (
                a.pk,
                _("%(model)s %(mark)s, agreed value %(value)s")
                % {
                    "model": a.model,
                    "mark": a.registration_mark,
                    "value": money(a.agreed_value),
                },
            )
            for a in aircraft
        ],
        "persons": [(p.pk, f"{p.name} · {p.get_category_display()}") for p in persons],
    }
    if posted:
        return QuoteForm(request.POST, **choices)
    taken = intake.quotes.count()
    initial = {
        "label": _("Option %(letter)s") % {"letter": chr(ord("A") + taken % 26)},
        "product": chosen,
        "period_start": data.get("period_start") or start,
        "period_end": data.get("period_end") or end,
        "coverages": data.getlist("coverages"),
        "aircraft": data.getlist("aircraft"),
        "persons": data.getlist("persons"),
    }
    return QuoteForm(initial=initial, **choices)


@require_http_methods(["GET", "POST"])
@page_access(can_manage_new_business)
def quote_new(request: WebRequest, intake_id: int) -> HttpResponse:
    intake = intake_or_404(intake_id)
    form = _quote_form(request, intake)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            quote = run(
                form,
                lambda: quote_create(
                    intake_id=intake.pk,
                    product_code=data["product"],
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                    coverage_codes=data["coverages"],
                    aircraft_ids=data["aircraft"],
                    person_ids=data["persons"],
                    label=data["label"],
                    valid_until=data["valid_until"],
                    acting_user=request.user,
                ),
            )
        except Refused:
            pass
        else:
            messages.success(
                request,
                _("%(label)s is quoted: premium %(premium)s.")
                % {"label": quote.label, "premium": money(quote.term_premium)},
            )
            return redirect(reverse("web:nb_intake_detail", args=[intake.pk]) + "#options")
    context = {"intake": intake, "form": form}
    return render(request, "web/new_business/quote_form.html", context)


@require_POST
@page_access(can_manage_new_business)
def quote_turn_down(request: WebRequest, quote_id: int) -> HttpResponse:
    """The client did not take this option."""
    intake = intake_or_404(intake_id_of_quote(quote_id))
    form = forms.Form({})
    form.is_valid()
    try:
        quote = run(form, lambda: quote_decline(quote_id=quote_id, acting_user=request.user))
    except Refused:
        messages.error(request, " ".join(str(e) for e in form.non_field_errors()))
    else:
        messages.success(
            request, _("%(label)s is marked as declined by the client.") % {"label": quote.label}
        )
    return redirect(reverse("web:nb_intake_detail", args=[intake.pk]) + "#options")
