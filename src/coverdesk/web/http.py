from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from coverdesk.accounts.models import User


class WebRequest(HttpRequest):
    """A request behind `page_access`: signed in, with django-htmx's details attached."""

    user: User
    htmx: HtmxDetails
