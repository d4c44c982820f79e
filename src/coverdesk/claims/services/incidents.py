"""Accident response (domain.md §3.5, the aviation bid's 7×24 commitments): an accident report
opens an incident whose clocks start at once — contact the reporter within 15 minutes, resources
dispatched within 45, the team departed within the hour. Levels I and II open a major event:
team formed (30 min), first response plan (1.5 h), report to the customer (2 h), each a clock
with its owner. Recording a step stops its clock."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import User
from coverdesk.audit.services import audit_record
from coverdesk.claims.choices import (
    MAJOR_EVENT_LEVELS,
    PERSON_RESOURCES,
    ClockPurpose,
    IncidentAction,
    IncidentStatus,
    MajorEventStep,
    ResourceKind,
    ResponseLevel,
)
from coverdesk.claims.exceptions import IncidentNotFound, StepAlreadyRecorded
from coverdesk.claims.models import (
    Claim,
    Incident,
    IncidentDispatch,
    IncidentStatusChange,
)
from coverdesk.claims.services.common import (
    PERM_HANDLE,
    claims_head,
    customer_notify_party,
    incident_clock_start,
    incident_clocks_cancel,
    incident_clocks_stop,
    moment_of,
    permission_require,
    staff_notify,
    status_move,
)
from coverdesk.claims.services.numbering import INCIDENT, number_take
from coverdesk.claims.transitions import (
    ACCIDENT_CLOCKS,
    CLAIM_OPEN,
    MAJOR_EVENT_CLOCKS,
    TransitionNotAllowed,
)
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.parties.models import Party
from coverdesk.policies.validation import text_clean
from coverdesk.sla.selectors.clocks import management_users

NOTE_LIMIT = 2000
STEP_CLOCK = {
    MajorEventStep.TEAM_FORMED: ClockPurpose.TEAM_FORMED,
    MajorEventStep.RESPONSE_PLAN: ClockPurpose.RESPONSE_PLAN,
    MajorEventStep.CUSTOMER_REPORT: ClockPurpose.CUSTOMER_REPORT,
}
# The incident's fields each step fills: (time, text).
STEP_FIELDS = {
    MajorEventStep.TEAM_FORMED: ("team_formed_at", "team_note"),
    MajorEventStep.RESPONSE_PLAN: ("response_plan_at", "response_plan"),
    MajorEventStep.CUSTOMER_REPORT: ("customer_reported_at", "customer_report"),
}


def level_clean(value: Any, *, field: str = "response_level") -> int:
    try:
        level = int(value)
    except (TypeError, ValueError):
        level = 0
    if level not in ResponseLevel.values:
        raise ValidationFailed.for_field(
            field, "choice", _("The response level is I, II, III or IV (1 to 4).")
        )
    return level


def _locked(incident_id: int) -> Incident:
    incident = (
        Incident.objects.select_for_update(of=("self",))
        .select_related("customer", "coordinator")
        .filter(pk=incident_id)
        .first()
    )
    if incident is None:
        raise IncidentNotFound()
    return incident


def _move(
    incident: Incident,
    action: str,
    target: str,
    *,
    user: User | None,
    moment: datetime,
    note: str = "",
) -> None:
    status_move(
        incident,
        history=IncidentStatusChange,
        owner_field="incident",
        action=action,
        target=target,
        user=user,
        moment=moment,
        note=note,
    )


def _snapshot(incident: Incident) -> dict[str, Any]:
    return {
        "number": incident.number,
        "status": incident.status,
        "response_level": incident.response_level,
        "major_event": incident.major_event,
        "contacted_at": incident.contacted_at,
        "dispatched_at": incident.dispatched_at,
        "departed_at": incident.departed_at,
        "team_formed_at": incident.team_formed_at,
        "response_plan_at": incident.response_plan_at,
        "customer_reported_at": incident.customer_reported_at,
    }


def _first_manager() -> User | None:
    managers = management_users()
    return managers[0] if managers else None


def _major_event_open(incident: Incident, *, user: User | None, moment: datetime) -> None:
    """Open the major event: owners (the claims department head forms the team and owns the
    plan; management reports to the customer), three clocks, and a message to each owner."""
    head = claims_head()
    manager = _first_manager()
    incident.major_event, incident.major_event_at = True, moment
    incident.team_owner = head or manager or incident.coordinator
    incident.plan_owner = head or incident.coordinator or manager
    incident.report_owner = manager or head or incident.coordinator
    owners: dict[str, User | None] = {
        ClockPurpose.TEAM_FORMED: incident.team_owner,
        ClockPurpose.RESPONSE_PLAN: incident.plan_owner,
        ClockPurpose.CUSTOMER_REPORT: incident.report_owner,
    }
    for purpose in MAJOR_EVENT_CLOCKS:
        incident_clock_start(incident, purpose, owner=owners[purpose], user=user, moment=moment)
    staff_notify(
        [owner for owner in owners.values() if owner is not None],
        template="claims_major_event",
        context={
            "incident_number": incident.number,
            "level": incident.response_level,
            "place": incident.place,
            "occurred_at": timezone.localtime(incident.occurred_at).strftime("%Y-%m-%d %H:%M"),
        },
        subject=incident,
        moment=moment,
    )


def incident_open(
    *,
    customer: Party,
    occurred_at: datetime,
    place: str,
    summary: str,
    level: int,
    coordinator: User | None,
    user: User | None,
    moment: datetime,
) -> Incident:
    """Open the incident of an accident report and start its clocks (inside the reporting
    transaction; `claim_report` is the way in)."""
    incident = Incident.objects.create(
        number=number_take(code=INCIDENT, on=timezone.localdate(moment)),
        customer=customer,
        reported_at=moment,
        occurred_at=occurred_at,
        place=place,
        summary=summary,
        response_level=level,
        status=IncidentStatus.REPORTED,
        coordinator=coordinator,
    )
    IncidentStatusChange.objects.create(
        incident=incident,
        from_status="",
        to_status=IncidentStatus.REPORTED,
        action=IncidentAction.REPORT,
        at=moment,
        by=user,
        note=f"level {level}",
    )
    for purpose in ACCIDENT_CLOCKS:
        incident_clock_start(incident, purpose, owner=coordinator, user=user, moment=moment)
    if level in MAJOR_EVENT_LEVELS:
        _major_event_open(incident, user=user, moment=moment)
        incident.save()
    head = claims_head()
    staff_notify(
        [person for person in (coordinator, head) if person is not None],
        template="claims_response_needed",
        context={
            "incident_number": incident.number,
            "level": level,
            "place": place,
            "summary": summary[:300],
        },
        subject=incident,
        moment=moment,
    )
    audit_record(
        action="incident.report",
        actor=user,
        subject=incident,
        after=_snapshot(incident),
        now=moment,
    )
    return incident


@transaction.atomic
def incident_contact_record(
    *, incident_id: int, note: str, acting_user: User | None, now: datetime | None = None
) -> Incident:
    """The reporter was contacted and the facts confirmed: stops the 15-minute clock."""
    user = permission_require(acting_user, PERM_HANDLE)
    moment = moment_of(now)
    incident = _locked(incident_id)
    text = text_clean(note, field="note", required=True, limit=NOTE_LIMIT)
    before = _snapshot(incident)
    _move(incident, IncidentAction.CONTACT, IncidentStatus.CONTACTED, user=user, moment=moment)
    incident.contacted_at, incident.contact_note = moment, text
    incident.save()
    incident_clocks_stop(incident, [ClockPurpose.CONTACT_REPORTER], user=user, moment=moment)
    audit_record(
        action="incident.contact",
        actor=user,
        subject=incident,
        before=before,
        after={**_snapshot(incident), "note": text},
        now=moment,
    )
    return incident


def _resources_clean(resources: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if not resources:
        raise ValidationFailed.for_field(
            "resources", "required", _("Name at least one resource dispatched.")
        )
    cleaned: list[dict[str, Any]] = []
    for index, raw in enumerate(resources):
        field = f"resources[{index}]"
        kind = str(raw.get("kind", ""))
        if kind not in ResourceKind.values:
            raise ValidationFailed.for_field(
                f"{field}.kind",
                "choice",
                _("A resource is a handler, a technical expert, a vehicle or equipment."),
            )
        description = text_clean(
            str(raw.get("description") or ""), field=f"{field}.description", limit=200
        )
        person = None
        if kind in PERSON_RESOURCES:
            person_id = raw.get("person_id")
            person = (
                User.objects.filter(pk=person_id, is_active=True).first()
                if isinstance(person_id, int)
                else None
            )
            if person is None:
                raise ValidationFailed.for_field(
                    f"{field}.person_id", "unknown_user", _("Choose an active member of staff.")
                )
            if kind == ResourceKind.HANDLER and not person.has_perm(PERM_HANDLE):
                raise ValidationFailed.for_field(
                    f"{field}.person_id",
                    "not_handler",
                    _("{name} does not handle claims."),
                    name=person.get_username(),
                )
        elif not description:
            raise ValidationFailed.for_field(
                f"{field}.description",
                "required",
                _("Describe the vehicle or equipment (e.g. plate number, device)."),
            )
        cleaned.append({"kind": kind, "person": person, "description": description})
    return cleaned


@transaction.atomic
def incident_dispatch(
    *,
    incident_id: int,
    resources: Sequence[Mapping[str, Any]],
    acting_user: User | None,
    now: datetime | None = None,
) -> Incident:
    """Record resources sent: each {"kind": handler|expert|vehicle|equipment, "person_id"
    (people) or "description" (vehicle, equipment)}. The first dispatch must send a claims
    handler and stops the 45-minute clock; the handler takes the incident's claims that have
    none yet. More resources may follow."""
    user = permission_require(acting_user, PERM_HANDLE)
    moment = moment_of(now)
    incident = _locked(incident_id)
    cleaned = _resources_clean(resources)
    first = incident.dispatched_at is None
    handlers = [row["person"] for row in cleaned if row["kind"] == ResourceKind.HANDLER]
    if first and not handlers:
        raise ValidationFailed.for_field(
            "resources", "handler_required", _("The first dispatch sends a claims handler.")
        )
    before = _snapshot(incident)
    target = IncidentStatus.DISPATCHED if first else incident.status
    _move(incident, IncidentAction.DISPATCH, target, user=user, moment=moment)
    IncidentDispatch.objects.bulk_create(
        [
            IncidentDispatch(
                incident=incident,
                kind=row["kind"],
                person=row["person"],
                description=row["description"],
                dispatched_at=moment,
                dispatched_by=user,
            )
            for row in cleaned
        ]
    )
    if first:
        incident.dispatched_at = moment
        incident_clocks_stop(
            incident, [ClockPurpose.RESOURCES_DISPATCHED], user=user, moment=moment
        )
    incident.save()
    if handlers:
        # Imported here: handling builds on the incident services.
        from coverdesk.claims.services.handling import handler_take_over

        waiting = Claim.objects.select_for_update(of=("self",)).filter(
            incident=incident, handler__isnull=True, status__in=sorted(CLAIM_OPEN)
        )
        for claim in waiting.select_related("policy").order_by("pk"):
            handler_take_over(claim, handler=handlers[0], user=user, moment=moment)
    staff_notify(
        [row["person"] for row in cleaned if row["person"] is not None],
        template="claims_dispatched",
        context={
            "incident_number": incident.number,
            "place": incident.place,
            "summary": incident.summary[:300],
        },
        subject=incident,
        moment=moment,
    )
    audit_record(
        action="incident.dispatch",
        actor=user,
        subject=incident,
        before=before,
        after={
            **_snapshot(incident),
            "resources": [
                {
                    "kind": row["kind"],
                    "person": row["person"].pk if row["person"] else None,
                    "description": row["description"],
                }
                for row in cleaned
            ],
        },
        now=moment,
    )
    return incident


@transaction.atomic
def incident_depart(
    *, incident_id: int, note: str = "", acting_user: User | None, now: datetime | None = None
) -> Incident:
    """The team left for the site: stops the one-hour clock."""
    user = permission_require(acting_user, PERM_HANDLE)
    moment = moment_of(now)
    incident = _locked(incident_id)
    text = text_clean(note, field="note", limit=300)
    before = _snapshot(incident)
    _move(
        incident,
        IncidentAction.DEPART,
        IncidentStatus.DEPARTED,
        user=user,
        moment=moment,
        note=text,
    )
    incident.departed_at, incident.departure_note = moment, text
    incident.save()
    incident_clocks_stop(incident, [ClockPurpose.TEAM_DEPARTS], user=user, moment=moment)
    audit_record(
        action="incident.depart",
        actor=user,
        subject=incident,
        before=before,
        after=_snapshot(incident),
        now=moment,
    )
    return incident


@transaction.atomic
def incident_level_set(
    *,
    incident_id: int,
    level: Any,
    reason: str,
    acting_user: User | None,
    now: datetime | None = None,
) -> Incident:
    """Change the response level as the facts become clear. Raising it to I or II opens the
    major event (its clocks start now); lowering it keeps a major event already opened."""
    user = permission_require(acting_user, PERM_HANDLE)
    moment = moment_of(now)
    incident = _locked(incident_id)
    new_level = level_clean(level)
    text = text_clean(reason, field="reason", required=True)
    if new_level == incident.response_level:
        raise ValidationFailed.for_field(
            "response_level", "unchanged", _("The incident is at this level already.")
        )
    before = _snapshot(incident)
    _move(
        incident,
        IncidentAction.LEVEL,
        incident.status,
        user=user,
        moment=moment,
        note=f"{incident.response_level} → {new_level}: {text}",
    )
    incident.response_level = new_level
    if new_level in MAJOR_EVENT_LEVELS and not incident.major_event:
        _major_event_open(incident, user=user, moment=moment)
    incident.save()
    audit_record(
        action="incident.level",
        actor=user,
        subject=incident,
        before=before,
        after={**_snapshot(incident), "reason": text},
        now=moment,
    )
    return incident


@transaction.atomic
def major_event_step_record(
    *,
    incident_id: int,
    step: str,
    text: str,
    acting_user: User | None,
    now: datetime | None = None,
) -> Incident:
    """Record a step of the major event — the team formed (who is on it), the first response
    plan, the report to the customer (sent to their portal users) — and stop its clock."""
    user = permission_require(acting_user, PERM_HANDLE)
    moment = moment_of(now)
    incident = _locked(incident_id)
    if step not in MajorEventStep.values:
        raise ValidationFailed.for_field("step", "choice", _("Unknown step of a major event."))
    if not incident.major_event:
        raise TransitionNotAllowed(
            params={"what": _("incident"), "status": incident.status, "action": step}
        )
    at_field, text_field = STEP_FIELDS[MajorEventStep(step)]
    recorded = getattr(incident, at_field)
    if recorded is not None:
        raise StepAlreadyRecorded(
            params={"at": timezone.localtime(recorded).strftime("%Y-%m-%d %H:%M")}
        )
    cleaned = text_clean(text, field="text", required=True, limit=NOTE_LIMIT)
    before = _snapshot(incident)
    _move(incident, IncidentAction.MAJOR_STEP, incident.status, user=user, moment=moment, note=step)
    setattr(incident, at_field, moment)
    setattr(incident, text_field, cleaned)
    incident.save()
    incident_clocks_stop(incident, [STEP_CLOCK[MajorEventStep(step)]], user=user, moment=moment)
    if step == MajorEventStep.CUSTOMER_REPORT:
        customer_notify_party(
            incident.customer,
            template="claims_incident_report",
            context={"incident_number": incident.number, "report": cleaned},
            subject=incident,
            moment=moment,
            dedupe=f"claims.incident.{incident.pk}.customer_report",
        )
    audit_record(
        action=f"incident.{step}",
        actor=user,
        subject=incident,
        before=before,
        after=_snapshot(incident),
        now=moment,
    )
    return incident


@transaction.atomic
def incident_close(
    *, incident_id: int, note: str, acting_user: User | None, now: datetime | None = None
) -> Incident:
    """Close the response; clocks still open are cancelled with the note as the reason."""
    user = permission_require(acting_user, PERM_HANDLE)
    moment = moment_of(now)
    incident = _locked(incident_id)
    text = text_clean(note, field="note", required=True)
    before = _snapshot(incident)
    _move(
        incident, IncidentAction.CLOSE, IncidentStatus.CLOSED, user=user, moment=moment, note=text
    )
    incident.closed_at, incident.close_note = moment, text
    incident.save()
    incident_clocks_cancel(
        incident,
        [*ACCIDENT_CLOCKS, *MAJOR_EVENT_CLOCKS],
        reason=text,
        user=user,
        moment=moment,
    )
    audit_record(
        action="incident.close",
        actor=user,
        subject=incident,
        before=before,
        after=_snapshot(incident),
        now=moment,
    )
    return incident
