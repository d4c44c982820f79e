"""Department board: a department's open clocks, breached first, with counts per assignee.
Holders of sla.view_department_clocks (heads) see their own department; holders of
sla.view_all_clocks (management, auditors) choose any department."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from coverdesk.core import clock as core_clock
from coverdesk.core.exceptions import PermissionDenied
from coverdesk.sla.selectors.worklists import clock_department_for_user
from coverdesk.web.http import WebRequest
from coverdesk.web.permissions import (
    can_view_sla_all_departments,
    can_view_sla_board,
    page_access,
)
from coverdesk.web.sla.presentation import clock_view
from coverdesk.web.sla.queries import board_clocks, board_counts, departments_for_board

CLOCKS_PER_PAGE = 50


@require_GET
@page_access(can_view_sla_board)
def board(request: WebRequest) -> HttpResponse:
    now = core_clock.now()
    user = request.user
    departments = departments_for_board(
        user=user, all_departments=can_view_sla_all_departments(user)
    )
    chosen = request.GET.get("department", "")
    department = next((d for d in departments if d.code == chosen), None)
    if department is None and departments:
        own = next((d for d in departments if d.pk == user.department_id), None)
        department = own or departments[0]
    context: dict[str, object] = {"departments": departments, "department": department}
    if department is not None:
        try:
            # The sla rule of who sees which department's clocks has the last word.
            clock_department_for_user(user=user, department_id=department.pk)
        except PermissionDenied as error:
            raise DjangoPermissionDenied(error.message) from error
        counts = board_counts(department=department, now=now)
        page = Paginator(board_clocks(department=department, now=now), CLOCKS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        context.update(
            counts=counts,
            totals={
                mark: sum(row[mark] for row in counts)
                for mark in ("red", "yellow", "green", "total")
            },
            page=page,
            rows=[clock_view(clock, now=now) for clock in page],
            query=f"department={department.code}",
        )
    return render(request, "web/sla/board.html", context)
