"""Warnings inbox: the yellow, red and escalation warnings the signed-in user received (as
assignee, department head or management), each acknowledged once."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coverdesk.core.exceptions import ApplicationError, NotFound, PermissionDenied
from coverdesk.sla.selectors.warnings import warnings_of_user
from coverdesk.sla.services.warnings import sla_event_acknowledge
from coverdesk.web.http import WebRequest
from coverdesk.web.permissions import can_view_sla_tasks, page_access

WARNINGS_PER_PAGE = 50


@require_GET
@page_access(can_view_sla_tasks)
def warning_list(request: WebRequest) -> HttpResponse:
    show_all = request.GET.get("show") == "all"
    events = warnings_of_user(user=request.user, unacknowledged=not show_all)
    page = Paginator(events, WARNINGS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "show_all": show_all,
        "query": "show=all" if show_all else "",
    }
    return render(request, "web/sla/warnings.html", context)


@require_POST
@page_access(can_view_sla_tasks)
def warning_acknowledge(request: WebRequest, event_id: int) -> HttpResponse:
    try:
        sla_event_acknowledge(
            event_id=event_id, acting_user=request.user, note=request.POST.get("note", "")
        )
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        if request.htmx:
            return _row(request, event_id, error=exc.message)
        messages.error(request, exc.message)
        return redirect("web:sla_warnings")
    if request.htmx:
        return _row(request, event_id)
    messages.success(request, _("The warning is acknowledged."))
    return redirect("web:sla_warnings")


def _row(request: WebRequest, event_id: int, error: str = "") -> HttpResponse:
    event = warnings_of_user(user=request.user).filter(pk=event_id).first()
    if event is None:
        raise Http404
    return render(request, "web/sla/_warning_row.html", {"event": event, "row_error": error})
