"""Insured persons: list (ID numbers masked), detail with the change history and the audited
"show in full" of the ID number, and the forms adding and changing one."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coverdesk.core.exceptions import ApplicationError, NotFound, PermissionDenied
from coverdesk.policies.access.insured import insured_person_for_user, insured_persons_for_user
from coverdesk.policies.models.insured import InsuredPerson
from coverdesk.policies.selectors.insured import insured_person_changes
from coverdesk.policies.selectors.policies import policies_of_person
from coverdesk.policies.services.insured import (
    insured_person_add,
    insured_person_id_reveal,
    insured_person_update,
)
from coverdesk.web.http import WebRequest
from coverdesk.web.permissions import (
    can_change_registers,
    can_import_registers,
    can_view_insured_persons,
    can_view_pii,
    can_view_policy_list,
    page_access,
)
from coverdesk.web.registers.forms import (
    PersonCreateForm,
    PersonEditForm,
    PersonFilterForm,
    form_apply_service_error,
)
from coverdesk.web.registers.presentation import (
    change_rows,
    customer_choices,
    customers_active,
    customers_with_persons,
    policy_rows,
)

PERSONS_PER_PAGE = 50


@require_http_methods(["GET", "POST"])
@page_access(can_view_insured_persons)
def person_list(request: WebRequest) -> HttpResponse:
    # A search may hold an ID number: searches are POSTed, so it never ends up in a URL (proxy
    # logs, browser history, Referer). Filters without a search may come by GET (links).
    data = request.POST if request.method == "POST" else request.GET.copy()
    if request.method != "POST":
        data.pop("q", None)
    customers = customers_with_persons(asked=data.get("customer"))
    form = PersonFilterForm(data or None, customers=customer_choices(customers))
    if form.is_bound and not form.is_valid():
        rows = InsuredPerson.objects.none()  # the errors are shown beside the filters
    else:
        rows = insured_persons_for_user(
            user=request.user,
            customer_id=form.value("customer"),
            query=form.value("q") or "",
            category=form.value("category"),
            status=form.value("status"),
        )
    page = Paginator(rows, PERSONS_PER_PAGE).get_page(data.get("page"))
    context = {
        "form": form,
        "page": page,
        "filtered": form.is_bound and any(form.value(n) for n in form.fields),
        "can_change": can_change_registers(request.user),
        "can_import": can_import_registers(request.user),
    }
    return render(request, "web/registers/person_list.html", context)


def _person_or_404(request: WebRequest, person_id: int) -> InsuredPerson:
    try:
        return insured_person_for_user(user=request.user, person_id=person_id)
    except NotFound as error:
        raise Http404(error.message) from error


def _detail_context(request: WebRequest, person: InsuredPerson) -> dict[str, Any]:
    policies: list[Any] = []
    policy_total = 0
    show_policies = can_view_policy_list(request.user)
    if show_policies:
        policies, policy_total = policy_rows(policies_of_person(person_id=person.pk))
    return {
        "person": person,
        "id_number": person.id_number_masked,
        "revealed": False,
        "can_reveal": can_view_pii(request.user),
        "history": change_rows(insured_person_changes(person_id=person.pk), InsuredPerson),
        "show_policies": show_policies,
        "policies": policies,
        "policy_total": policy_total,
        "can_change": can_change_registers(request.user),
    }


@require_GET
@page_access(can_view_insured_persons)
def person_detail(request: WebRequest, person_id: int) -> HttpResponse:
    person = _person_or_404(request, person_id)
    return render(request, "web/registers/person_detail.html", _detail_context(request, person))


@never_cache  # the unmasked number stays out of every cache
@require_POST
@page_access(can_view_insured_persons)
def person_reveal(request: WebRequest, person_id: int) -> HttpResponse:
    person = _person_or_404(request, person_id)
    try:
        # The service checks parties.view_pii and audits the reading, or the refusal.
        number = insured_person_id_reveal(acting_user=request.user, person_id=person.pk)
    except PermissionDenied as error:
        raise DjangoPermissionDenied(error.message) from error
    except NotFound as error:
        raise Http404(error.message) from error
    if request.htmx:
        context = {"person": person, "id_number": number, "revealed": True, "can_reveal": True}
        return render(request, "web/registers/_person_id.html", context)
    context = _detail_context(request, person)
    context.update(id_number=number, revealed=True)
    return render(request, "web/registers/person_detail.html", context)


@require_http_methods(["GET", "POST"])
@page_access(can_change_registers)
def person_create(request: WebRequest) -> HttpResponse:
    customers = customer_choices(customers_active())
    if request.method == "POST":
        form = PersonCreateForm(request.POST, customers=customers)
        if form.is_valid():
            values = dict(form.cleaned_data)
            try:
                person = insured_person_add(
                    acting_user=request.user, customer_id=values.pop("customer"), **values
                )
            except PermissionDenied as error:
                raise DjangoPermissionDenied(error.message) from error
            except ApplicationError as error:
                form_apply_service_error(form, error)
            else:
                messages.success(request, _("%(name)s is added.") % {"name": person.name})
                return redirect("web:insured_person_detail", person_id=person.pk)
    else:
        form = PersonCreateForm(
            initial={"customer": request.GET.get("customer", "")}, customers=customers
        )
    return render(request, "web/registers/person_form.html", {"form": form, "person": None})


@never_cache
@require_http_methods(["GET", "POST"])
@page_access(can_change_registers)
def person_edit(request: WebRequest, person_id: int) -> HttpResponse:
    person = _person_or_404(request, person_id)
    if request.method == "POST":
        form = PersonEditForm(request.POST)
        if form.is_valid():
            try:
                insured_person_update(
                    acting_user=request.user, person_id=person.pk, **form.service_values()
                )
            except PermissionDenied as error:
                raise DjangoPermissionDenied(error.message) from error
            except NotFound as error:
                raise Http404(error.message) from error
            except ApplicationError as error:
                form_apply_service_error(form, error)
            else:
                messages.success(request, _("The changes are saved."))
                return redirect("web:insured_person_detail", person_id=person.pk)
    else:
        form = PersonEditForm(initial=PersonEditForm.initial_from(person))
    context = {"form": form, "person": person, "id_number": person.id_number_masked}
    return render(request, "web/registers/person_form.html", context)
