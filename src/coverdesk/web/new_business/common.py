"""What every new-business view does with a service call: run it, and turn its errors into
what the page shows. A missing permission is a 403, an unknown object a 404; a rule that says
no (bad input, a step not allowed now, an amount above one's authority) goes back onto the
form beside its field, and nothing has changed (each service is one transaction)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404

from coverdesk.core.exceptions import ApplicationError, NotFound, PermissionDenied
from coverdesk.policies.exceptions import AuthorityExceeded
from coverdesk.web.errors import form_apply_error

T = TypeVar("T")


class Refused(Exception):
    """The service said no; the form carries the message."""


def run(
    form: forms.Form,
    call: Callable[[], T],
    *,
    apply: Callable[[ApplicationError], None] | None = None,
) -> T:
    """The service's result; on a business error the form gets it and `Refused` is raised."""
    try:
        return call()
    except AuthorityExceeded as exc:
        # A decision above one's authority is an answer to show, not a forbidden page.
        form.add_error(None, exc.message)
        raise Refused from exc
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        (apply or (lambda error: form_apply_error(form, error)))(exc)
        raise Refused from exc


def fetch(call: Callable[[], T]) -> T:
    """A read that may not find its object: 404."""
    try:
        return call()
    except NotFound as exc:
        raise Http404(exc.message) from exc
