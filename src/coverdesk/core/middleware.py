from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from coverdesk.core import context


class RequestContextMiddleware:
    """Gives every request an id (echoed as X-Request-ID) and records the client address.

    The address is REMOTE_ADDR: the reverse proxy sets it (docs/deployment.md); trusting a
    client-sent X-Forwarded-For would let anyone forge the audit trail.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if incoming.isalnum() and len(incoming) <= 64 else ""
        ctx = context.RequestContext(
            request_id=request_id or context.new_request_id(),
            client_address=request.META.get("REMOTE_ADDR", ""),
        )
        request.request_id = ctx.request_id  # type: ignore[attr-defined]
        with context.bound(ctx):
            response = self.get_response(request)
        response["X-Request-ID"] = ctx.request_id
        return response
