"""Pure arithmetic for delivery retries."""

from __future__ import annotations

from datetime import timedelta

RETRY_BASE_SECONDS = 30
RETRY_CAP_SECONDS = 3600
RETRY_JITTER = 0.25


def retry_delay(attempts: int, *, jitter: float) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: 30 s doubling per attempt up to
    an hour, stretched by up to 25 % (`jitter` in [0, 1)) so failed rows do not retry in step."""
    if attempts < 1:
        raise ValueError("attempts counts failed attempts and starts at 1")
    if not 0 <= jitter < 1:
        raise ValueError("jitter must lie in [0, 1)")
    base = min(RETRY_BASE_SECONDS * 2 ** min(attempts - 1, 32), RETRY_CAP_SECONDS)
    return timedelta(seconds=base * (1 + RETRY_JITTER * jitter))
