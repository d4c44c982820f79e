"""Who may act on a clock directly (pause, resume, mark done from a worklist): the person it is
assigned to, or the head of its department. Domain services that stop clocks as part of a
business step (approving a claim, issuing a policy) check their own permissions instead."""

from __future__ import annotations

from typing import Any

from coverdesk.core.exceptions import PermissionDenied
from coverdesk.sla.models import SlaClock
from coverdesk.sla.selectors.clocks import ClockNotFound


def clock_may_act(user: Any, clock: SlaClock) -> bool:
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return False
    if clock.assignee_id is not None and clock.assignee_id == user.pk:
        return True
    department = clock.department
    return department is not None and department.head_id == user.pk


def clock_access_for_action(*, user: Any, clock_id: int) -> SlaClock:
    """The clock, if `user` may act on it; NotFound if it does not exist."""
    clock = SlaClock.objects.select_related("department").filter(pk=clock_id).first()
    if clock is None:
        raise ClockNotFound()
    if not clock_may_act(user, clock):
        raise PermissionDenied()
    return clock
