"""Timeliness standards: the catalogue by area with the version in force, each standard's
version history, and (for standards administrators) a form making a new version."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from coverdesk.core import clock as core_clock
from coverdesk.core.exceptions import ApplicationError, PermissionDenied
from coverdesk.sla.models import Audience, SlaStandard, SlaStandardVersion, StandardArea
from coverdesk.sla.services.standards import sla_standard_change
from coverdesk.web.errors import form_apply_error
from coverdesk.web.http import WebRequest
from coverdesk.web.permissions import can_change_standards, can_view_standards, page_access
from coverdesk.web.sla.forms import StandardVersionForm
from coverdesk.web.sla.presentation import target_text
from coverdesk.web.sla.queries import standard_with_versions, standards_with_versions


def _with_targets(standards: list[SlaStandard]) -> list[SlaStandard]:
    for standard in standards:
        for version in getattr(standard, "versions_newest_first", []):
            version.target = target_text(version.amount, version.unit)
    return standards


def version_in_force(standard: SlaStandard, now: Any) -> SlaStandardVersion | None:
    """The prefetched version in force at `now`: the latest effective at or before it."""
    versions: list[SlaStandardVersion] = getattr(standard, "versions_newest_first", [])
    return next((v for v in versions if v.effective_from <= now), None)


@require_GET
@page_access(can_view_standards)
def standard_list(request: WebRequest) -> HttpResponse:
    now = core_clock.now()
    order = {code: index for index, code in enumerate(StandardArea.values)}
    standards = sorted(
        _with_targets(list(standards_with_versions())),
        key=lambda s: (order.get(s.area, 99), s.code),
    )
    labels = dict(StandardArea.choices)
    areas = [
        {
            "code": area,
            "label": labels.get(area, area),
            "rows": [
                {"standard": s, "version": version_in_force(s, now), "pending": _pending(s, now)}
                for s in items
            ],
        }
        for area, items in groupby(standards, key=lambda s: s.area)
    ]
    return render(request, "web/sla/standards.html", {"areas": areas})


def _pending(standard: SlaStandard, now: Any) -> SlaStandardVersion | None:
    versions: list[SlaStandardVersion] = getattr(standard, "versions_newest_first", [])
    later = [v for v in versions if v.effective_from > now]
    return later[-1] if later else None


def _audiences(codes: list[str]) -> list[str]:
    labels = dict(Audience.choices)
    return [str(labels.get(code, code)) for code in codes]


def _standard_or_404(code: str) -> SlaStandard:
    standard = standard_with_versions(code=code)
    if standard is None:
        raise Http404
    return _with_targets([standard])[0]


@require_http_methods(["GET", "POST"])
@page_access(can_view_standards)
def standard_detail(request: WebRequest, code: str) -> HttpResponse:
    standard = _standard_or_404(code)
    now = core_clock.now()
    current = version_in_force(standard, now)
    may_change = can_change_standards(request.user)
    form = None
    if request.method == "POST":
        if not may_change:
            raise DjangoPermissionDenied
        form = StandardVersionForm(request.POST)
        if form.is_valid():
            try:
                version = sla_standard_change(
                    code=code,
                    terms=form.terms(),
                    effective_from=form.effective_from_value(),
                    acting_user=request.user,
                )
            except PermissionDenied as error:
                raise DjangoPermissionDenied(error.message) from error
            except ApplicationError as error:
                form_apply_error(form, error)
            else:
                messages.success(
                    request, _("Version %(number)d is saved.") % {"number": version.number}
                )
                return redirect("web:sla_standard_detail", code=code)
    elif may_change:
        form = StandardVersionForm(
            initial=StandardVersionForm.initial_from(current) if current is not None else None
        )
    context = {
        "standard": standard,
        "current": current,
        "versions": getattr(standard, "versions_newest_first", []),
        "form": form,
        "area_label": dict(StandardArea.choices).get(standard.area, standard.area),
        "told_at_yellow": _audiences(current.yellow_notify if current else []),
        "told_at_red": _audiences(current.red_notify if current else []),
        "escalations": [
            {"ratio": step.get("ratio"), "told": ", ".join(_audiences(step.get("notify", [])))}
            for step in (current.escalations if current else [])
        ],
    }
    return render(request, "web/sla/standard_detail.html", context)
