"""Customers: search, detail with contacts, and the audited "show in full" of personal data."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coverdesk.core.exceptions import ApplicationError, PermissionDenied
from coverdesk.parties.access import parties_for_user, party_access_for_user
from coverdesk.parties.exceptions import PartyNotFound
from coverdesk.parties.models import Party
from coverdesk.parties.presentation import contact_masked, party_masked
from coverdesk.parties.services import party_pii_reveal
from coverdesk.web.http import WebRequest
from coverdesk.web.permissions import can_view_parties, can_view_pii, page_access

PARTIES_PER_PAGE = 50
QUERY_MAX_LENGTH = 200


@require_http_methods(["GET", "POST"])
@page_access(can_view_parties)
def party_list(request: WebRequest) -> HttpResponse:
    # Searches are POSTed: an ID number or phone typed into the box must not end up in a URL,
    # and so in proxy logs, browser history or a Referer header.
    data = request.POST if request.method == "POST" else request.GET
    query = data.get("q", "").strip()[:QUERY_MAX_LENGTH] if request.method == "POST" else ""
    error = ""
    try:
        parties = parties_for_user(user=request.user, query=query)
        page = Paginator(parties, PARTIES_PER_PAGE).get_page(data.get("page"))
    except ApplicationError as exc:
        error = exc.message
        page = Paginator(Party.objects.none(), PARTIES_PER_PAGE).get_page(1)
    context = {
        "page": page,
        "rows": [party_masked(party) for party in page],
        "q": query,
        "error": error,
    }
    return render(request, "web/parties/list.html", context)


def _party_or_404(request: WebRequest, party_id: int) -> Party:
    try:
        return party_access_for_user(user=request.user, party_id=party_id)
    except PartyNotFound as error:
        raise Http404(error.message) from error


def _detail_context(party: Party, revealed: dict[str, Any] | None = None) -> dict[str, Any]:
    shown = party_masked(party)
    contacts = [contact_masked(contact) for contact in party.contacts.all()]
    if revealed is not None:
        shown.update({key: revealed[key] for key in ("id_number", "phone", "email")})
        plain = {row["id"]: row for row in revealed["contacts"]}
        for contact in contacts:
            contact.update(
                phone=plain.get(contact["id"], {}).get("phone", ""),
                email=plain.get(contact["id"], {}).get("email", ""),
            )
    return {"party": party, "shown": shown, "contacts": contacts, "revealed": revealed is not None}


@require_GET
@page_access(can_view_parties)
def party_detail(request: WebRequest, party_id: int) -> HttpResponse:
    party = _party_or_404(request, party_id)
    context = _detail_context(party)
    context["can_reveal"] = can_view_pii(request.user)
    return render(request, "web/parties/detail.html", context)


@never_cache  # unmasked personal data stays out of every cache
@require_POST
@page_access(can_view_parties)
def party_reveal(request: WebRequest, party_id: int) -> HttpResponse:
    party = _party_or_404(request, party_id)
    try:
        # The service checks parties.view_pii and audits the reading, or the refusal.
        revealed = party_pii_reveal(party_id=party.pk, acting_user=request.user)
    except PermissionDenied as error:
        raise DjangoPermissionDenied(error.message) from error
    except PartyNotFound as error:
        raise Http404(error.message) from error
    context = _detail_context(party, revealed)
    context["can_reveal"] = True
    template = "web/parties/_personal_data.html" if request.htmx else "web/parties/detail.html"
    return render(request, template, context)
