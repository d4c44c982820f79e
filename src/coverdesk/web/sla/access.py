"""Who may act on a clock from the web pages: the person it is assigned to, or the head of its
department (the rule the follow-up services apply to reports)."""

from __future__ import annotations

from typing import Any

from coverdesk.sla.models import SlaClock


def may_act_on_clock(user: Any, clock: SlaClock) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    if clock.assignee_id is not None and clock.assignee_id == user.pk:
        return True
    department = clock.department
    return department is not None and department.head_id == user.pk
