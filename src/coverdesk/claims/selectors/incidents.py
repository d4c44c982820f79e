"""Reads of incidents: one incident, the list, and the dispatch board (open incidents with who
is assigned and what is due next)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet

from coverdesk.claims.exceptions import IncidentNotFound
from coverdesk.claims.models import ClaimClock, Incident, IncidentDispatch
from coverdesk.claims.selectors.claims import ClockView, clocks_view
from coverdesk.claims.transitions import INCIDENT_OPEN
from coverdesk.sla.models import SlaClock
from coverdesk.sla.transitions import OPEN_STATES


def _dispatches() -> Prefetch[Any]:
    """An incident's dispatches in the order they were sent, with who went."""
    return Prefetch(
        "dispatches",
        queryset=IncidentDispatch.objects.select_related("person").order_by("dispatched_at", "id"),
    )


def incident_get(*, incident_id: int) -> Incident:
    incident = (
        Incident.objects.select_related("customer", "coordinator")
        .prefetch_related(_dispatches())
        .filter(pk=incident_id)
        .first()
    )
    if incident is None:
        raise IncidentNotFound()
    return incident


def incident_list(*, open_only: bool = False) -> QuerySet[Incident]:
    incidents = Incident.objects.select_related("customer", "coordinator")
    if open_only:
        incidents = incidents.filter(status__in=sorted(INCIDENT_OPEN))
    return incidents.order_by("-reported_at", "-id")


def incident_clocks(*, incident: Incident) -> list[ClockView]:
    return clocks_view(ClaimClock.objects.filter(incident=incident))


@dataclass(frozen=True)
class BoardRow:
    incident: Incident
    dispatched: list[IncidentDispatch]
    next_purpose: str | None
    next_due_at: datetime | None


def dispatch_board(*, limit: int = 100) -> list[BoardRow]:
    """Open incidents, most severe first then oldest, with the resources sent and the earliest
    open deadline; a fixed number of queries whatever the number of incidents."""
    incidents = list(
        incident_list(open_only=True)
        .prefetch_related(_dispatches())
        .order_by("response_level", "reported_at", "id")[:limit]
    )
    rows = list(
        ClaimClock.objects.filter(incident__in=incidents).values_list(
            "incident_id", "purpose", "clock_id"
        )
    )
    due = dict(
        SlaClock.objects.filter(
            pk__in=[clock_id for _i, _p, clock_id in rows], state__in=sorted(OPEN_STATES)
        ).values_list("pk", "due_at")
    )
    earliest: dict[int, tuple[datetime, str]] = {}
    for incident_id, purpose, clock_id in rows:
        at = due.get(clock_id)
        if at is not None and (incident_id not in earliest or at < earliest[incident_id][0]):
            earliest[incident_id] = (at, purpose)
    board = []
    for incident in incidents:
        found = earliest.get(incident.pk)
        board.append(
            BoardRow(
                incident=incident,
                dispatched=list(incident.dispatches.all()),
                next_purpose=found[1] if found else None,
                next_due_at=found[0] if found else None,
            )
        )
    return board
