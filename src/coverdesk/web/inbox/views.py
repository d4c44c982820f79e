"""Home: the signed-in user's in-app messages, marked read one by one or all at once."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from coverdesk.notifications.exceptions import MessageNotFound
from coverdesk.notifications.selectors import inbox_list, inbox_unread_count
from coverdesk.notifications.services import inbox_mark_all_read, message_mark_read
from coverdesk.web.http import WebRequest
from coverdesk.web.permissions import is_signed_in, page_access

MESSAGES_PER_PAGE = 20


def _inbox_context(request: WebRequest) -> dict[str, object]:
    user = request.user
    page = Paginator(inbox_list(user=user), MESSAGES_PER_PAGE).get_page(request.GET.get("page"))
    return {"inbox_page": page, "unread_count": inbox_unread_count(user=user)}


@require_GET
@page_access(is_signed_in)
def home(request: WebRequest) -> HttpResponse:
    return render(request, "web/inbox/home.html", _inbox_context(request))


@require_POST
@page_access(is_signed_in)
def message_read(request: WebRequest, message_id: int) -> HttpResponse:
    try:
        message = message_mark_read(message_id=message_id, acting_user=request.user)
    except MessageNotFound as error:
        raise Http404(error.message) from error
    if request.htmx:
        # The row in place, and the unread counter beside the heading out of band.
        context = {"message": message, "unread_count": inbox_unread_count(user=request.user)}
        return render(request, "web/inbox/_message_read.html", context)
    return redirect("web:home")


@require_POST
@page_access(is_signed_in)
def inbox_read_all(request: WebRequest) -> HttpResponse:
    inbox_mark_all_read(acting_user=request.user)
    if request.htmx:
        return render(request, "web/inbox/_inbox.html", _inbox_context(request))
    return redirect("web:home")
