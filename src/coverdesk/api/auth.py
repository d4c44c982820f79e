from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import translation
from ninja.security import HttpBearer, SessionAuth

from coverdesk.accounts.services import api_token_authenticate
from coverdesk.core.exceptions import PermissionDenied


class TokenAuth(HttpBearer):
    """`Authorization: Bearer cdk_…` — a per-user API token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(raw=token)
        if user is None:
            return None
        request.user = user
        # Token callers have no language cookie; answer in the user's chosen language unless
        # the request asks for one.
        if "HTTP_ACCEPT_LANGUAGE" not in request.META:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return user


class SessionCsrfAuth(SessionAuth):
    """The browser's session, with Django's CSRF check on unsafe methods."""


API_AUTH = [TokenAuth(), SessionCsrfAuth()]


def require_permission(request: HttpRequest, *permissions: str) -> Any:
    """The authenticated user, if they hold every named permission; else a 403 error."""
    user = request.auth  # type: ignore[attr-defined]
    if not all(user.has_perm(p) for p in permissions):
        raise PermissionDenied()
    return user
