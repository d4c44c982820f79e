"""The servicing queue: a clerk's own requests, all open ones, those awaiting approval (what a
head or manager decides) and the closed ones, each with its clock and its next step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from coverdesk.accounts.models import User
from coverdesk.core import clock as core_clock
from coverdesk.policies.choices import AuthorityKind
from coverdesk.policies.models import ServicingRequest
from coverdesk.policies.services.common import Authority, authority_of
from coverdesk.sla.models import SlaClock
from coverdesk.web.http import WebRequest
from coverdesk.web.new_business.queries import clocks_by_id
from coverdesk.web.permissions import (
    can_approve_servicing,
    can_process_servicing,
    can_view_servicing,
    page_access,
)
from coverdesk.web.servicing.forms import QueueFilterForm
from coverdesk.web.servicing.presentation import (
    AmountView,
    amount_view,
    money_text,
    next_step,
    status_tone,
    waits_for_customer,
)
from coverdesk.web.servicing.queries import (
    APPROVAL_STATUSES,
    TAB_APPROVAL,
    TAB_CLOSED,
    TAB_MINE,
    TAB_OPEN,
    queue_requests,
)
from coverdesk.web.sla.presentation import ClockView, clock_view

PER_PAGE = 50
TAB_LABELS = {
    TAB_MINE: _("My requests"),
    TAB_OPEN: _("All open"),
    TAB_APPROVAL: _("Awaiting approval"),
    TAB_CLOSED: _("Closed"),
}


def tabs_for(user: User) -> list[str]:
    tabs = []
    if can_process_servicing(user):
        tabs.append(TAB_MINE)
    if can_approve_servicing(user):
        tabs.append(TAB_APPROVAL)
    return [*tabs, TAB_OPEN, TAB_CLOSED]


@dataclass(frozen=True)
class QueueRow:
    request: ServicingRequest
    clock: ClockView | None
    clock_state: str
    tone: str
    next_step: str
    waiting: bool
    amount: AmountView | None
    within_authority: bool | None  # None: not awaiting approval, or no authority to show


def _row(
    request: ServicingRequest,
    clock: SlaClock | None,
    *,
    now: datetime,
    authority: Authority | None,
) -> QueueRow:
    within = None
    if authority is not None and request.status in APPROVAL_STATUSES and request.amount is not None:
        within = authority.covers(request.amount)
    return QueueRow(
        request=request,
        clock=clock_view(clock, now=now) if clock is not None and clock.is_open else None,
        clock_state=clock.state if clock is not None else "",
        tone=status_tone(request.status),
        next_step=next_step(request.status),
        waiting=waits_for_customer(request.status),
        amount=amount_view(request.amount),
        within_authority=within,
    )


@require_GET
@page_access(can_view_servicing)
def servicing_queue(request: WebRequest) -> HttpResponse:
    now = core_clock.now()
    user = request.user
    tabs = tabs_for(user)
    tab = request.GET.get("tab", "")
    if tab not in tabs:
        tab = tabs[0]
    form = QueueFilterForm(request.GET or None)
    requests = queue_requests(
        user=user,
        tab=tab,
        now=now,
        policy_number=form.value("policy_number"),
        kind=form.value("kind"),
    )
    page = Paginator(requests, PER_PAGE).get_page(request.GET.get("page"))
    clocks = clocks_by_id([r.clock_id for r in page], now=now)
    authority = authority_of(user, AuthorityKind.SERVICING) if can_approve_servicing(user) else None
    filters = [(name, form.value(name)) for name in ("policy_number", "kind") if form.value(name)]
    context = {
        "tab": tab,
        "tabs": [(name, TAB_LABELS[name]) for name in tabs],
        "form": form,
        "page": page,
        "rows": [_row(r, clocks.get(r.clock_id or 0), now=now, authority=authority) for r in page],
        "query": urlencode([("tab", tab), *filters]),
        "filter_query": urlencode(filters),
        "filtered": bool(filters),
        "may_receive": can_process_servicing(user),
        "authority": authority,
        "authority_limit": (
            money_text(authority.limit)
            if authority is not None and authority.limit is not None
            else ""
        ),
    }
    return render(request, "web/servicing/queue.html", context)
