"""Which clock actions are allowed in which state, and where they lead. Pure: no ORM.

A clock runs, may pause (waiting for the customer) and resume any number of times, and ends
once: met, breached (stopped after its deadline) or cancelled. A running clock past its
deadline stays `running` with its breach instant recorded, so that it still counts as open
work; it becomes `breached` when it stops.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from coverdesk.core.exceptions import Conflict


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    CANCELLED = "cancelled", _("Cancelled")


class ClockAction(models.TextChoices):
    PAUSE = "pause", _("Pause")
    RESUME = "resume", _("Resume")
    STOP = "stop", _("Stop")
    CANCEL = "cancel", _("Cancel")
    REASSIGN = "reassign", _("Reassign")
    REPLAN = "replan", _("Re-plan")


OPEN_STATES: frozenset[str] = frozenset({ClockState.RUNNING, ClockState.PAUSED})
CLOSED_STATES: frozenset[str] = frozenset(
    {ClockState.MET, ClockState.BREACHED, ClockState.CANCELLED}
)

# (state, action) -> the states the action may lead to. Stop leads to met or breached, decided
# by the deadline, not by the caller. Reassign and re-plan keep the state.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (ClockState.RUNNING, ClockAction.PAUSE): frozenset({ClockState.PAUSED}),
    (ClockState.RUNNING, ClockAction.STOP): frozenset({ClockState.MET, ClockState.BREACHED}),
    (ClockState.RUNNING, ClockAction.CANCEL): frozenset({ClockState.CANCELLED}),
    (ClockState.RUNNING, ClockAction.REASSIGN): frozenset({ClockState.RUNNING}),
    (ClockState.RUNNING, ClockAction.REPLAN): frozenset({ClockState.RUNNING}),
    (ClockState.PAUSED, ClockAction.RESUME): frozenset({ClockState.RUNNING}),
    (ClockState.PAUSED, ClockAction.STOP): frozenset({ClockState.MET, ClockState.BREACHED}),
    (ClockState.PAUSED, ClockAction.CANCEL): frozenset({ClockState.CANCELLED}),
    (ClockState.PAUSED, ClockAction.REASSIGN): frozenset({ClockState.PAUSED}),
    (ClockState.PAUSED, ClockAction.REPLAN): frozenset({ClockState.PAUSED}),
}


class ClockTransitionNotAllowed(Conflict):
    default_code = "sla_clock_transition_not_allowed"
    default_message = _("A clock that is {state} cannot {action}.")


def transition_targets(state: str, action: str) -> frozenset[str]:
    """The states `action` may lead to from `state`; raises if it is not allowed there."""
    targets = TRANSITIONS.get((state, action))
    if targets is None:
        raise ClockTransitionNotAllowed(
            params={"state": _state_label(state), "action": _action_label(action)}
        )
    return targets


def transition_check(state: str, action: str, target: str) -> None:
    """Raises unless `action` from `state` may lead to `target`."""
    if target not in transition_targets(state, action):
        raise ClockTransitionNotAllowed(
            params={"state": _state_label(state), "action": _action_label(action)}
        )


def _state_label(state: str) -> str:
    return str(ClockState(state).label).lower() if state in ClockState.values else state


def _action_label(action: str) -> str:
    return str(ClockAction(action).label).lower() if action in ClockAction.values else action
