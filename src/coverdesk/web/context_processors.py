"""The menu a user sees: only the pages they may open, the current one marked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from coverdesk.web import permissions
from coverdesk.web.permissions import Predicate


@dataclass(frozen=True)
class MenuEntry:
    url_name: str
    label: str | Promise
    icon: str  # one of the inline SVG symbols in web/includes/icons.html
    allowed: Predicate
    sections: frozenset[str]  # url names that light this entry up
    group: str = "work"  # the heading it stands under (GROUPS)


# Headings of the menu, in order; entries stand under their group's heading.
GROUPS: dict[str, str | Promise] = {
    "work": _("My work"),
    "business": _("Policies and servicing"),
    "registers": _("Registers"),
    "administration": _("Administration"),
}

MENU: tuple[MenuEntry, ...] = (
    MenuEntry("home", _("Inbox"), "inbox", permissions.is_signed_in, frozenset({"home"})),
    # Timeliness (sla)
    MenuEntry(
        "sla_tasks",
        _("My tasks"),
        "check",
        permissions.can_view_sla_tasks,
        frozenset({"sla_tasks"}),
    ),
    MenuEntry(
        "sla_followups",
        _("Follow-up reports"),
        "eye",
        permissions.can_view_sla_tasks,
        frozenset({"sla_followups", "sla_progress_report", "sla_rectification_report"}),
    ),
    MenuEntry(
        "sla_warnings",
        _("Warnings"),
        "shield",
        permissions.can_view_sla_tasks,
        frozenset({"sla_warnings"}),
    ),
    MenuEntry(
        "sla_board",
        _("Department board"),
        "people",
        permissions.can_view_sla_board,
        frozenset({"sla_board"}),
    ),
    MenuEntry(
        "sla_kpis",
        _("Timeliness KPIs"),
        "search",
        permissions.can_view_sla_tasks,
        frozenset({"sla_kpis"}),
    ),
    # Policies, new business and servicing
    MenuEntry(
        "nb_worklist",
        _("New business"),
        "plus",
        permissions.can_view_new_business,
        frozenset(
            {
                "nb_worklist",
                "nb_intake_create",
                "nb_intake_detail",
                "nb_quote_create",
                "nb_application_detail",
            }
        ),
        "business",
    ),
    MenuEntry(
        "nb_followups",
        _("Client follow-ups"),
        "eye",
        permissions.can_manage_new_business,
        frozenset({"nb_followups"}),
        "business",
    ),
    MenuEntry(
        "policy_list",
        _("Policies"),
        "badge",
        permissions.can_view_policies,
        frozenset({"policy_list", "policy_detail"}),
        "business",
    ),
    MenuEntry(
        "servicing_queue",
        _("Servicing"),
        "check",
        permissions.can_view_servicing,
        frozenset(
            {"servicing_queue", "servicing_new", "servicing_intake_preview", "servicing_detail"}
        ),
        "business",
    ),
    MenuEntry(
        "policy_expiring",
        _("Expiring policies"),
        "search",
        permissions.can_view_policy_list,
        frozenset({"policy_expiring"}),
        "business",
    ),
    MenuEntry(
        "policy_statistics",
        _("Policy statistics"),
        "search",
        permissions.can_view_policy_list,
        frozenset({"policy_statistics"}),
        "business",
    ),
    # Registers
    MenuEntry(
        "party_list",
        _("Customers"),
        "people",
        permissions.can_view_parties,
        frozenset({"party_list", "party_detail"}),
        "registers",
    ),
    MenuEntry(
        "aircraft_list",
        _("Aircraft"),
        "globe",
        permissions.can_view_registers,
        frozenset(
            {
                "aircraft_list",
                "aircraft_detail",
                "aircraft_create",
                "aircraft_edit",
                "aircraft_import",
            }
        ),
        "registers",
    ),
    MenuEntry(
        "insured_person_list",
        _("Insured persons"),
        "people",
        permissions.can_view_insured_persons,
        frozenset(
            {
                "insured_person_list",
                "insured_person_detail",
                "insured_person_create",
                "insured_person_edit",
                "insured_person_import",
            }
        ),
        "registers",
    ),
    MenuEntry(
        "product_list",
        _("Products"),
        "badge",
        permissions.can_view_products,
        frozenset({"product_list", "product_detail", "product_version_detail"}),
        "registers",
    ),
    MenuEntry(
        "user_list",
        _("Users"),
        "badge",
        permissions.can_view_users,
        frozenset({"user_list"}),
        "administration",
    ),
    MenuEntry(
        "audit_list",
        _("Audit log"),
        "shield",
        permissions.can_view_audit,
        frozenset({"audit_list"}),
        "administration",
    ),
    MenuEntry(
        "sla_standards",
        _("Timeliness standards"),
        "badge",
        permissions.can_view_standards,
        frozenset({"sla_standards", "sla_standard_detail"}),
        "administration",
    ),
    MenuEntry(
        "sla_calendars",
        _("Business calendars"),
        "globe",
        permissions.can_view_calendars,
        frozenset({"sla_calendars", "sla_calendar_detail"}),
        "administration",
    ),
    MenuEntry(
        "token_list",
        _("API tokens"),
        "key",
        permissions.can_manage_tokens,
        frozenset({"token_list"}),
        "administration",
    ),
)


@dataclass(frozen=True)
class MenuItem:
    url: str
    label: str | Promise
    icon: str
    active: bool
    group: str | Promise = ""  # the heading, on the first item of each group only


def menu_for(user: Any, current: str) -> list[MenuItem]:
    items: list[MenuItem] = []
    previous = ""
    for entry in sorted(
        (entry for entry in MENU if entry.allowed(user)), key=lambda e: list(GROUPS).index(e.group)
    ):
        heading = GROUPS[entry.group] if entry.group != previous else ""
        previous = entry.group
        items.append(
            MenuItem(
                reverse(f"web:{entry.url_name}"),
                entry.label,
                entry.icon,
                current in entry.sections,
                heading,
            )
        )
    return items


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not permissions.is_signed_in(user):
        return {"nav_menu": []}
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match is not None and match.namespace == "web" else ""
    return {"nav_menu": menu_for(user, current or "")}
