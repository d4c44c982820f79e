"""Reads of timeliness warnings (the yellow, red and escalation events the sweep fired).

Who a warning is for follows the standard version's audiences (assignee, department head,
management), resolved against the clock as it is now: the person now responsible is the one
asked to act. The audiences live in JSON on the versions; the versions are few, so they are read
once and turned into plain id filters that every database can use."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import User
from coverdesk.core.exceptions import NotFound
from coverdesk.sla.calculations import ESCALATION, RED, YELLOW
from coverdesk.sla.models import (
    Audience,
    SlaClock,
    SlaEvent,
    SlaEventAcknowledgement,
    SlaStandardVersion,
)
from coverdesk.sla.selectors.worklists import clock_department_for_user, is_management

__all__ = [
    "WarningNotFound",
    "event_audiences",
    "event_get",
    "event_is_for",
    "warnings_of_department",
    "warnings_of_user",
]


class WarningNotFound(NotFound):
    default_code = "sla_warning_not_found"
    default_message = _("Warning not found.")


def event_audiences(version: SlaStandardVersion, *, kind: str, level: int) -> list[str]:
    """Who is told of a (kind, level) event under `version`."""
    if kind == YELLOW:
        return list(version.yellow_notify)
    if kind == RED:
        return list(version.red_notify)
    if kind == ESCALATION and 1 <= level <= len(version.escalations):
        return list(version.escalations[level - 1].get("notify", []))
    return []


def _audience_filters() -> dict[str, Q]:
    """Per audience, the events whose version tells it: one small read of every version."""
    yellow: dict[str, list[int]] = defaultdict(list)
    red: dict[str, list[int]] = defaultdict(list)
    escalation: dict[tuple[str, int], list[int]] = defaultdict(list)
    for pk, yellow_notify, red_notify, steps in SlaStandardVersion.objects.values_list(
        "pk", "yellow_notify", "red_notify", "escalations"
    ):
        for audience in yellow_notify:
            yellow[audience].append(pk)
        for audience in red_notify:
            red[audience].append(pk)
        for level, step in enumerate(steps, start=1):
            for audience in step.get("notify", []):
                escalation[(audience, level)].append(pk)
    filters: dict[str, Q] = {}
    for audience in Audience.values:
        condition = Q(kind=YELLOW, clock__standard_version_id__in=yellow[audience]) | Q(
            kind=RED, clock__standard_version_id__in=red[audience]
        )
        for (named, level), ids in escalation.items():
            if named == audience:
                condition |= Q(kind=ESCALATION, level=level, clock__standard_version_id__in=ids)
        filters[audience] = condition
    return filters


def _listed(events: QuerySet[SlaEvent], user: User, *, unacknowledged: bool) -> QuerySet[SlaEvent]:
    mine = SlaEventAcknowledgement.objects.filter(event=OuterRef("pk"), user=user)
    if unacknowledged:
        events = events.filter(~Exists(mine))
    return (
        events.select_related(
            "clock__standard_version__standard", "clock__assignee", "clock__department"
        )
        .annotate(acknowledged_at=Subquery(mine.values("acknowledged_at")[:1]))
        .order_by("-fired_at", "-id")
    )


def warnings_of_user(*, user: User, unacknowledged: bool = False) -> QuerySet[SlaEvent]:
    """The warnings `user` received: as assignee of the clock, head of its department, or
    member of management. Newest first, each annotated with `acknowledged_at` (by `user`)."""
    if not user.is_active:
        return SlaEvent.objects.none()
    audiences = _audience_filters()
    condition = Q(clock__assignee=user) & audiences[Audience.ASSIGNEE]
    condition |= Q(clock__department__head=user) & audiences[Audience.DEPARTMENT_HEAD]
    if is_management(user):
        condition |= audiences[Audience.MANAGEMENT]
    return _listed(SlaEvent.objects.filter(condition), user, unacknowledged=unacknowledged)


def warnings_of_department(
    *, user: User, department_id: int | None = None, unacknowledged: bool = False
) -> QuerySet[SlaEvent]:
    """Every warning on the clocks of a department: any department (None: all) with
    `sla.view_all_clocks`, the user's own with `sla.view_department_clocks`."""
    scope = clock_department_for_user(user=user, department_id=department_id)
    events = SlaEvent.objects.all()
    if scope is not None:
        events = events.filter(clock__department_id=scope)
    return _listed(events, user, unacknowledged=unacknowledged)


def event_get(*, event_id: int) -> SlaEvent:
    event = (
        SlaEvent.objects.select_related("clock__standard_version", "clock__department")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        raise WarningNotFound()
    return event


def event_is_for(event: SlaEvent, user: User) -> bool:
    """Whether `user` is among the event's recipients (the clock as it is now)."""
    if not user.is_active:
        return False
    clock: SlaClock = event.clock
    audiences = event_audiences(clock.standard_version, kind=event.kind, level=event.level)
    if Audience.ASSIGNEE in audiences and clock.assignee_id == user.pk:
        return True
    department = clock.department
    if (
        Audience.DEPARTMENT_HEAD in audiences
        and department is not None
        and department.head_id == user.pk
    ):
        return True
    return Audience.MANAGEMENT in audiences and is_management(user)
