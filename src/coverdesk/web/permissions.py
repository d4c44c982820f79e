"""Who may open which page. The navigation menu and the views use the same predicates, so a
user sees a menu entry exactly when the page behind it answers."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect

from coverdesk.accounts.roles import user_is_customer

Predicate = Callable[[Any], bool]


def is_signed_in(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active)


def is_staff_member(user: Any) -> bool:
    """Staff of the company: everyone signed in except customers' representatives."""
    return is_signed_in(user) and not user_is_customer(user)


def has_permission(permission: str) -> Predicate:
    def check(user: Any) -> bool:
        return is_signed_in(user) and bool(user.has_perm(permission))

    check.__name__ = f"has_{permission.replace('.', '_')}"
    return check


can_view_parties = has_permission("parties.view_party")
can_view_pii = has_permission("parties.view_pii")
can_view_users = has_permission("accounts.view_user")
can_view_audit = has_permission("audit.view_auditentry")
can_manage_tokens = is_staff_member

ViewFunc = Callable[..., HttpResponse]


def page_access(predicate: Predicate) -> Callable[[ViewFunc], ViewFunc]:
    """Anonymous visitors go to the login page; signed-in users without the right get 403."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not is_signed_in(request.user):
                if getattr(request, "htmx", False):
                    # A fragment request whose session ran out: send the whole page to login.
                    return HttpResponseClientRedirect(resolve_url(settings.LOGIN_URL))
                return redirect_to_login(request.get_full_path())
            if not predicate(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# ---- Timeliness (sla) pages -------------------------------------------------------------------

can_view_sla_tasks = is_staff_member  # own clocks, warnings, follow-ups and figures
can_view_sla_all_departments = has_permission("sla.view_all_clocks")
can_view_department_clocks = has_permission("sla.view_department_clocks")


def can_view_sla_board(user: Any) -> bool:
    return can_view_sla_all_departments(user) or can_view_department_clocks(user)


can_view_all_kpis = has_permission("sla.view_kpis")
can_view_department_kpis = has_permission("sla.view_department_kpis")
can_view_calendars = has_permission("sla.view_calendar")
can_manage_calendars = has_permission("sla.change_calendar")
can_view_standards = has_permission("sla.view_slastandard")
# The standards service itself demands this permission; the page asks for the same.
can_change_standards = has_permission("sla.change_slastandard")


# ---- Products, registers, policies, new business, servicing ------------------------------------

can_view_products = has_permission("catalog.view_product")
can_view_registers = has_permission("policies.view_aircraft")
can_view_insured_persons = has_permission("policies.view_insuredperson")
can_change_registers = has_permission("policies.change_aircraft")
can_import_registers = has_permission("policies.import_insured_objects")
can_view_policy_list = has_permission("policies.view_policy")  # staff: every policy


def can_view_policies(user: Any) -> bool:
    """Staff read every policy; a customer's portal user reads their own organisation's."""
    return can_view_policy_list(user) or (is_signed_in(user) and user_is_customer(user))


can_manage_new_business = has_permission("policies.manage_new_business")
can_underwrite = has_permission("policies.underwrite")
can_issue_policies = has_permission("policies.issue_policy")
can_process_servicing = has_permission("policies.process_servicing")
can_approve_servicing = has_permission("policies.approve_servicing")


def can_view_servicing(user: Any) -> bool:
    return can_process_servicing(user) or can_approve_servicing(user)


def can_view_new_business(user: Any) -> bool:
    return can_manage_new_business(user) or can_underwrite(user)
