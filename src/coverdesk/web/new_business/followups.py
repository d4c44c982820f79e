"""The broker's follow-up reminders (回访): check-ins after the start of cover and renewal or
upgrade advice, planned when the contract is filed; done with a note of what was discussed.
The completion works as a plain POST and, from the list, as an HTMX row swap."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coverdesk.policies.models import FollowUp
from coverdesk.policies.selectors.new_business import follow_ups_due
from coverdesk.policies.services.new_business import follow_up_complete
from coverdesk.web.http import WebRequest
from coverdesk.web.new_business.common import Refused, run
from coverdesk.web.new_business.forms import FollowUpCompleteForm
from coverdesk.web.new_business.presentation import policy_url
from coverdesk.web.new_business.queries import follow_ups_done_of, follow_ups_open_of
from coverdesk.web.permissions import can_manage_new_business, page_access

PER_PAGE = 50


def _row(
    follow_up: FollowUp, *, today: Any, form: FollowUpCompleteForm | None = None
) -> dict[str, Any]:
    return {
        "follow_up": follow_up,
        "due": follow_up.due_on <= today,
        "policy_url": policy_url(follow_up.policy_id),
        "form": form or FollowUpCompleteForm(),
    }


def _list_page(
    request: WebRequest, *, failed: int | None = None, form: FollowUpCompleteForm | None = None
) -> HttpResponse:
    today = timezone.localdate()
    page = Paginator(follow_ups_open_of(user=request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [_row(f, today=today, form=form if f.pk == failed else None) for f in page]
    shown = failed is not None and any(row["follow_up"].pk == failed for row in rows)
    context = {
        "page": page,
        "rows": rows,
        # A refusal about a follow-up not on this page (done meanwhile, another page).
        "orphan_errors": list(form.non_field_errors()) if form is not None and not shown else [],
        "due_count": follow_ups_due(on=today, user=request.user).count(),
        "done": follow_ups_done_of(user=request.user),
    }
    return render(request, "web/new_business/followups.html", context)


@require_GET
@page_access(can_manage_new_business)
def followup_list(request: WebRequest) -> HttpResponse:
    return _list_page(request)


@require_POST
@page_access(can_manage_new_business)
def followup_done(request: WebRequest, follow_up_id: int) -> HttpResponse:
    form = FollowUpCompleteForm(request.POST)
    form.is_valid()
    try:
        run(
            form,
            lambda: follow_up_complete(
                follow_up_id=follow_up_id,
                note=form.cleaned_data.get("note", ""),
                acting_user=request.user,
            ),
        )
    except Refused:
        error = True
    else:
        error = False
    if request.htmx:
        follow_up = (
            FollowUp.objects.select_related("policy__customer").filter(pk=follow_up_id).first()
        )
        if follow_up is None:
            raise Http404
        row = _row(follow_up, today=timezone.localdate(), form=form if error else None)
        return render(request, "web/new_business/_followup_row.html", {"row": row})
    if error:
        return _list_page(request, failed=follow_up_id, form=form)
    messages.success(request, _("The follow-up is recorded as done."))
    return redirect("web:nb_followups")
