"""Per-request facts that lower layers (audit) read without importing the web: request id,
client address. Set by middleware, by the API, or by a command; empty otherwise."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    client_address: str = ""


# RequestContext is frozen, so a shared default instance is safe.
_EMPTY = RequestContext()
_current: ContextVar[RequestContext] = ContextVar("coverdesk_request", default=_EMPTY)


def current() -> RequestContext:
    return _current.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def bound(context: RequestContext) -> Iterator[RequestContext]:
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)
