"""The broker's work list (新业务待办): their open needs and applications, each with its clock
and the next step; for underwriters (heads, managers, brokers within their limit) the
applications referred to them."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from coverdesk.core import clock as core_clock
from coverdesk.policies.choices import AuthorityKind
from coverdesk.policies.services.common import authority_of
from coverdesk.web.http import WebRequest
from coverdesk.web.new_business.presentation import (
    application_next_step,
    clock_status,
    intake_next_step,
)
from coverdesk.web.new_business.queries import (
    applications_open_of,
    applications_referred_to,
    clocks_by_id,
    intakes_open_of,
)
from coverdesk.web.permissions import (
    can_manage_new_business,
    can_underwrite,
    can_view_new_business,
    page_access,
)

PER_PAGE = 25


def _page(request: WebRequest, queryset: Any, param: str) -> Page[Any]:
    return Paginator(queryset, PER_PAGE).get_page(request.GET.get(param))


@require_GET
@page_access(can_view_new_business)
def worklist(request: WebRequest) -> HttpResponse:
    now = core_clock.now()
    user = request.user
    selling = can_manage_new_business(user)
    underwriting = can_underwrite(user)
    intakes = applications = referred = authority = None
    if selling:
        intakes = _page(request, intakes_open_of(broker=user), "intakes")
        applications = _page(request, applications_open_of(broker=user), "page")
    if underwriting:
        authority = authority_of(user, AuthorityKind.UNDERWRITING)
        referred = _page(
            request, applications_referred_to(user=user, authority=authority), "referred"
        )
    shown = [*(applications or []), *(referred or [])]
    clocks = clocks_by_id([a.clock_id for a in shown], now=now)

    def row(application: Any) -> dict[str, Any]:
        return {
            "application": application,
            "clock": clock_status(application, clocks.get(application.clock_id), now=now),
            "next": application_next_step(application, missing=application.missing_count),
        }

    context = {
        "selling": selling,
        "underwriting": underwriting,
        "intakes": intakes,
        "intake_rows": [
            {"intake": i, "next": intake_next_step(i, offered=i.offered_count)}
            for i in (intakes or [])
        ],
        "applications": applications,
        "application_rows": [row(a) for a in applications or []],
        "referred": referred,
        "referred_rows": [row(a) for a in referred or []],
        "authority": authority,
    }
    return render(request, "web/new_business/worklist.html", context)
