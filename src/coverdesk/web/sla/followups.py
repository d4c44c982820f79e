"""Follow-up reports: progress reports and written rectification reports to write (their
forms stop the follow-up clocks), and rectification reports for management to review."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coverdesk.core import clock as core_clock
from coverdesk.core.exceptions import ApplicationError, NotFound, PermissionDenied
from coverdesk.sla.access import clock_may_act
from coverdesk.sla.models import ClockKind, SlaClock
from coverdesk.sla.selectors.worklists import is_management, rectification_reports_to_review
from coverdesk.sla.services.followups import (
    progress_report_submit,
    rectification_report_review,
    rectification_report_submit,
)
from coverdesk.web.errors import form_apply_error
from coverdesk.web.http import WebRequest
from coverdesk.web.permissions import can_view_sla_tasks, page_access
from coverdesk.web.sla.forms import ProgressReportForm, RectificationReportForm, ReviewForm
from coverdesk.web.sla.presentation import clock_view
from coverdesk.web.sla.queries import (
    followup_for_report,
    followups_to_write_rows,
    rectification_reports_reviewed,
)

LIST_LIMIT = 200


@require_GET
@page_access(can_view_sla_tasks)
def followup_list(request: WebRequest) -> HttpResponse:
    now = core_clock.now()
    reviewer = is_management(request.user)
    to_write = [
        clock_view(clock, now=now)
        for clock in followups_to_write_rows(user=request.user, now=now, limit=LIST_LIMIT)
    ]
    context = {
        "to_write": to_write,
        "may_review": reviewer,
        "to_review": list(rectification_reports_to_review(user=request.user)[:LIST_LIMIT]),
        "reviewed": list(rectification_reports_reviewed()) if reviewer else [],
        "review_form": ReviewForm(),
    }
    return render(request, "web/sla/followups.html", context)


def _followup(request: WebRequest, clock_id: int, kind: str) -> SlaClock:
    clock = followup_for_report(clock_id=clock_id, now=core_clock.now())
    if clock is None or clock.kind != kind:
        raise Http404
    if not clock_may_act(request.user, clock):
        raise DjangoPermissionDenied
    return clock


def _report_page(request: WebRequest, clock: SlaClock, form: Any, template: str) -> HttpResponse:
    now = core_clock.now()
    context = {
        "clock": clock,
        "parent": clock.parent,
        "form": form,
        "row": clock_view(clock, now=now) if clock.is_open else None,
    }
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@page_access(can_view_sla_tasks)
def progress_report(request: WebRequest, clock_id: int) -> HttpResponse:
    clock = _followup(request, clock_id, ClockKind.PROGRESS_REPORT)
    form = ProgressReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            progress_report_submit(
                clock_id=clock.pk, text=form.cleaned_data["text"], acting_user=request.user
            )
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc
        except ApplicationError as exc:
            form_apply_error(form, exc)
        else:
            messages.success(request, _("The progress report is submitted."))
            return redirect("web:sla_followups")
    return _report_page(request, clock, form, "web/sla/progress_report.html")


@require_http_methods(["GET", "POST"])
@page_access(can_view_sla_tasks)
def rectification_report(request: WebRequest, clock_id: int) -> HttpResponse:
    clock = _followup(request, clock_id, ClockKind.RECTIFICATION_REPORT)
    form = RectificationReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rectification_report_submit(
                clock_id=clock.pk,
                cause_analysis=data["cause_analysis"],
                measures=data["measures"],
                owner=data["owner"],
                completion_date=data["completion_date"],
                acting_user=request.user,
            )
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc
        except ApplicationError as exc:
            form_apply_error(form, exc)
        else:
            messages.success(request, _("The rectification report is submitted."))
            return redirect("web:sla_followups")
    return _report_page(request, clock, form, "web/sla/rectification_report.html")


@require_POST
@page_access(can_view_sla_tasks)
def rectification_review(request: WebRequest, report_id: int) -> HttpResponse:
    form = ReviewForm(request.POST)
    form.is_valid()
    try:
        rectification_report_review(
            report_id=report_id, note=form.cleaned_data.get("note", ""), acting_user=request.user
        )
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The rectification report is marked reviewed."))
    return redirect("web:sla_followups")
