"""My tasks (我的待办): the signed-in user's open clocks, with pause, resume and done per row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coverdesk.core import clock as core_clock
from coverdesk.core.exceptions import ApplicationError, NotFound, PermissionDenied
from coverdesk.sla.access import clock_may_act
from coverdesk.sla.models import ClockKind, SlaClock
from coverdesk.sla.selectors.clocks import clock_get
from coverdesk.sla.services.clocks import sla_clock_pause, sla_clock_resume, sla_clock_stop
from coverdesk.sla.services.followups import customer_update_record
from coverdesk.web.http import WebRequest
from coverdesk.web.permissions import can_view_sla_tasks, page_access
from coverdesk.web.sla.forms import CustomerUpdateForm, PauseForm, TaskFilterForm
from coverdesk.web.sla.presentation import clock_view
from coverdesk.web.sla.queries import standard_choices, task_row, tasks_of_user

TASKS_PER_PAGE = 50
FILTERS = ("state", "mark", "standard", "order")


def standard_options() -> list[tuple[str, str]]:
    zh = (get_language() or "").startswith("zh")
    return [
        (code, f"{name if zh else name_en} · {code}") for code, name, name_en in standard_choices()
    ]


@require_GET
@page_access(can_view_sla_tasks)
def task_list(request: WebRequest) -> HttpResponse:
    now = core_clock.now()
    form = TaskFilterForm(request.GET or None, standards=standard_options())
    clocks = tasks_of_user(
        user=request.user,
        now=now,
        state=form.value("state"),
        mark=form.value("mark"),
        standard=form.value("standard"),
        order=form.value("order") or "due",
    )
    page = Paginator(clocks, TASKS_PER_PAGE).get_page(request.GET.get("page"))
    query = urlencode([(name, form.value(name)) for name in FILTERS if form.value(name)])
    context = {
        "form": form,
        "page": page,
        "rows": [clock_view(clock, now=now) for clock in page],
        "query": query,
        "filter_query": urlencode(
            [(name, form.value(name)) for name in FILTERS[:-1] if form.value(name)]
        ),
        "filtered": any(form.value(name) for name in FILTERS if name != "order"),
        "order": form.value("order") or "due",
    }
    return render(request, "web/sla/tasks.html", context)


def _clock_for_action(request: WebRequest, clock_id: int) -> SlaClock:
    try:
        clock = clock_get(clock_id=clock_id)
    except NotFound as error:
        raise Http404(error.message) from error
    if not clock_may_act(request.user, clock):
        raise DjangoPermissionDenied
    return clock


def _row_response(request: WebRequest, clock_id: int, error: str = "") -> HttpResponse:
    now = core_clock.now()
    clock = task_row(clock_id=clock_id, now=now)
    if clock is None:
        raise Http404
    context: dict[str, Any] = {
        "row": clock_view(clock, now=now) if clock.is_open else None,
        "clock": clock,
        "row_error": error,
    }
    return render(request, "web/sla/_task_row.html", context)


def _act(
    request: WebRequest, clock_id: int, action: Callable[[SlaClock], Any], done: str
) -> HttpResponse:
    """Run one clock service for the row; errors come back on the row (HTMX) or as a message."""
    clock = _clock_for_action(request, clock_id)
    error = ""
    try:
        action(clock)
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc
    except ApplicationError as exc:
        error = exc.message
    if request.htmx:
        return _row_response(request, clock_id, error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect("web:sla_tasks")


@require_POST
@page_access(can_view_sla_tasks)
def task_pause(request: WebRequest, clock_id: int) -> HttpResponse:
    form = PauseForm(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("reason", "")

    def pause(clock: SlaClock) -> Any:
        return sla_clock_pause(clock_id=clock.pk, reason=reason, acting_user=request.user)

    return _act(request, clock_id, pause, _("The clock is paused."))


@require_POST
@page_access(can_view_sla_tasks)
def task_resume(request: WebRequest, clock_id: int) -> HttpResponse:
    def resume(clock: SlaClock) -> Any:
        return sla_clock_resume(clock_id=clock.pk, acting_user=request.user)

    return _act(request, clock_id, resume, _("The clock runs again."))


@require_POST
@page_access(can_view_sla_tasks)
def task_stop(request: WebRequest, clock_id: int) -> HttpResponse:
    def stop(clock: SlaClock) -> Any:
        if clock.kind != ClockKind.PRIMARY:
            # Reports stop their clocks by being submitted; customer updates by being recorded.
            raise ApplicationError(_("This task is done by submitting its form."))
        return sla_clock_stop(clock_id=clock.pk, acting_user=request.user)

    return _act(request, clock_id, stop, _("The task is done."))


@require_POST
@page_access(can_view_sla_tasks)
def task_customer_update(request: WebRequest, clock_id: int) -> HttpResponse:
    form = CustomerUpdateForm(request.POST)
    form.is_valid()
    note = form.cleaned_data.get("note", "")

    def record(clock: SlaClock) -> Any:
        return customer_update_record(clock_id=clock.pk, note=note, acting_user=request.user)

    return _act(request, clock_id, record, _("The customer update is recorded."))
