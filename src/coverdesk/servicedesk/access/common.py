"""Who reads what: staff holding a view permission read everything of its kind; a customer's
portal user reads their own organisation's records; for anyone else a record does not exist
(the caller raises NotFound, so existence is not revealed)."""

from __future__ import annotations

from typing import Any

from coverdesk.accounts.roles import user_is_customer


def is_staff_reader(user: Any, *permissions: str) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and not user_is_customer(user)
        and any(user.has_perm(permission) for permission in permissions)
    )
