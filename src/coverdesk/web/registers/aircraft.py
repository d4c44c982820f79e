"""The aircraft register: list with filters, detail with the policies covering the aircraft and
its change history, and the forms registering and changing one (one service call each)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from coverdesk.core.exceptions import ApplicationError, NotFound, PermissionDenied
from coverdesk.policies.access.insured import aircraft_for_user, aircraft_for_user_list
from coverdesk.policies.models.insured import Aircraft
from coverdesk.policies.selectors.insured import aircraft_changes
from coverdesk.policies.selectors.policies import policies_of_aircraft
from coverdesk.policies.services.insured import aircraft_register, aircraft_update
from coverdesk.web.http import WebRequest
from coverdesk.web.permissions import (
    can_change_registers,
    can_import_registers,
    can_view_policy_list,
    can_view_registers,
    page_access,
)
from coverdesk.web.registers.forms import (
    AircraftCreateForm,
    AircraftEditForm,
    AircraftFilterForm,
    form_apply_service_error,
)
from coverdesk.web.registers.presentation import (
    change_rows,
    customer_choices,
    customers_active,
    customers_with_aircraft,
    equipment_rows,
    money,
    policy_rows,
)

AIRCRAFT_PER_PAGE = 50


@require_GET
@page_access(can_view_registers)
def aircraft_list(request: WebRequest) -> HttpResponse:
    customers = customers_with_aircraft(asked=request.GET.get("customer"))
    form = AircraftFilterForm(request.GET or None, customers=customer_choices(customers))
    if form.is_bound and not form.is_valid():
        rows = Aircraft.objects.none()  # the errors are shown beside the filters
    else:
        rows = aircraft_for_user_list(
            user=request.user,
            customer_id=form.value("customer"),
            query=form.value("q") or "",
            active_only=bool(form.value("active_only")),
        )
    page = Paginator(rows, AIRCRAFT_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": [{"aircraft": a, "agreed_value": money(a.agreed_value)} for a in page],
        "query": query.urlencode(),
        "filtered": bool(query),
        "can_change": can_change_registers(request.user),
        "can_import": can_import_registers(request.user),
    }
    return render(request, "web/registers/aircraft_list.html", context)


def _aircraft_or_404(request: WebRequest, aircraft_id: int) -> Aircraft:
    try:
        return aircraft_for_user(user=request.user, aircraft_id=aircraft_id)
    except NotFound as error:
        raise Http404(error.message) from error


@require_GET
@page_access(can_view_registers)
def aircraft_detail(request: WebRequest, aircraft_id: int) -> HttpResponse:
    aircraft = _aircraft_or_404(request, aircraft_id)
    policies: list[Any] = []
    policy_total = 0
    show_policies = can_view_policy_list(request.user)
    if show_policies:
        policies, policy_total = policy_rows(policies_of_aircraft(aircraft_id=aircraft.pk))
    context = {
        "aircraft": aircraft,
        "agreed_value": money(aircraft.agreed_value),
        "equipment": equipment_rows(aircraft.installed_equipment or []),
        "history": change_rows(aircraft_changes(aircraft_id=aircraft.pk), Aircraft),
        "show_policies": show_policies,
        "policies": policies,
        "policy_total": policy_total,
        "can_change": can_change_registers(request.user),
    }
    return render(request, "web/registers/aircraft_detail.html", context)


@require_http_methods(["GET", "POST"])
@page_access(can_change_registers)
def aircraft_create(request: WebRequest) -> HttpResponse:
    customers = customer_choices(customers_active())
    if request.method == "POST":
        form = AircraftCreateForm(request.POST, customers=customers)
        if form.is_valid():
            try:
                aircraft = aircraft_register(
                    acting_user=request.user,
                    customer_id=form.cleaned_data["customer"],
                    **form.service_values(),
                )
            except PermissionDenied as error:
                raise DjangoPermissionDenied(error.message) from error
            except ApplicationError as error:
                form_apply_service_error(form, error)
            else:
                messages.success(
                    request,
                    _("Aircraft %(mark)s is on the register.")
                    % {"mark": aircraft.registration_mark},
                )
                return redirect("web:aircraft_detail", aircraft_id=aircraft.pk)
    else:
        form = AircraftCreateForm(
            initial={"customer": request.GET.get("customer", "")}, customers=customers
        )
    return render(request, "web/registers/aircraft_form.html", {"form": form, "aircraft": None})


@require_http_methods(["GET", "POST"])
@page_access(can_change_registers)
def aircraft_edit(request: WebRequest, aircraft_id: int) -> HttpResponse:
    aircraft = _aircraft_or_404(request, aircraft_id)
    if request.method == "POST":
        form = AircraftEditForm(request.POST)
        if form.is_valid():
            try:
                aircraft_update(
                    acting_user=request.user, aircraft_id=aircraft.pk, **form.service_values()
                )
            except PermissionDenied as error:
                raise DjangoPermissionDenied(error.message) from error
            except NotFound as error:
                raise Http404(error.message) from error
            except ApplicationError as error:
                form_apply_service_error(form, error)
            else:
                messages.success(request, _("The changes are saved."))
                return redirect("web:aircraft_detail", aircraft_id=aircraft.pk)
    else:
        form = AircraftEditForm(initial=AircraftEditForm.initial_from(aircraft))
    return render(request, "web/registers/aircraft_form.html", {"form": form, "aircraft": aircraft})
