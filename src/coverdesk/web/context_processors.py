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
    MenuEntry(
        "party_list",
        _("Customers"),
        "people",
        permissions.can_view_parties,
        frozenset({"party_list", "party_detail"}),
    ),
    MenuEntry(
        "user_list", _("Users"), "badge", permissions.can_view_users, frozenset({"user_list"})
    ),
    MenuEntry(
        "audit_list",
        _("Audit log"),
        "shield",
        permissions.can_view_audit,
        frozenset({"audit_list"}),
    ),
    MenuEntry(
        "sla_standards",
        _("Timeliness standards"),
        "badge",
        permissions.can_view_standards,
        frozenset({"sla_standards", "sla_standard_detail"}),
    ),
    MenuEntry(
        "sla_calendars",
        _("Business calendars"),
        "globe",
        permissions.can_view_calendars,
        frozenset({"sla_calendars", "sla_calendar_detail"}),
    ),
    MenuEntry(
        "token_list",
        _("API tokens"),
        "key",
        permissions.can_manage_tokens,
        frozenset({"token_list"}),
    ),
)


@dataclass(frozen=True)
class MenuItem:
    url: str
    label: str | Promise
    icon: str
    active: bool


def menu_for(user: Any, current: str) -> list[MenuItem]:
    return [
        MenuItem(
            reverse(f"web:{entry.url_name}"), entry.label, entry.icon, current in entry.sections
        )
        for entry in MENU
        if entry.allowed(user)
    ]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not permissions.is_signed_in(user):
        return {"nav_menu": []}
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match is not None and match.namespace == "web" else ""
    return {"nav_menu": menu_for(user, current or "")}
