"""The sweep: fires every warning and escalation that has come due, exactly once.

Each batch is one transaction. It takes the due clocks (`next_event_at <= now`, through the
partial index, so the cost follows the rows due, not the rows open) with SELECT … FOR UPDATE
SKIP LOCKED: other workers take other clocks. Every step a clock has passed fires in order,
also when the sweep runs hours late. An event is an insert under the unique key (clock, kind,
level) with ON CONFLICT DO NOTHING, and only an inserted event has effects (notifications,
follow-up clocks), all in the same transaction: a worker killed mid-batch rolls it all back
and its rows are unlocked for the next sweep. On SQLite there is no row locking: one worker.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from coverdesk.accounts.models import Department, User
from coverdesk.audit.services import audit_record
from coverdesk.notifications.choices import Channel
from coverdesk.notifications.services import notification_send
from coverdesk.sla.calculations import ESCALATION, RED, YELLOW, EventStep
from coverdesk.sla.engine import CompiledCalendar
from coverdesk.sla.models import Audience, ClockKind, SlaClock, SlaEvent, SlaStandardVersion
from coverdesk.sla.selectors.calendars import calendar_compiled
from coverdesk.sla.selectors.clocks import management_users
from coverdesk.sla.services.clocks import moment_of, next_event_at, step_instant, version_steps
from coverdesk.sla.services.followups import followups_open_many

logger = logging.getLogger(__name__)

TEMPLATES = {YELLOW: "sla_yellow", RED: "sla_red", ESCALATION: "sla_escalation"}
CHANNELS = (Channel.IN_APP, Channel.EMAIL)
DEFAULT_BATCH_SIZE = 500
# What the sweep reads of a clock (a narrower row is the cheaper half of a batch).
_SWEEP_FIELDS = (
    "subject_type",
    "subject_id",
    "kind",
    "standard_version",
    "calendar_version",
    "assignee",
    "department",
    "state",
    "resumed_at",
    "consumed",
    "allowed",
    "warn_at",
    "due_at",
    "stage",
    "next_event_at",
    "breached_at",
)
_INSERT_CHUNK = 900


@dataclass(frozen=True)
class _Due:
    clock: SlaClock
    step: EventStep
    scheduled_at: datetime


def sla_sweep(*, now: datetime | None = None, batch_size: int = DEFAULT_BATCH_SIZE) -> int:
    """Fire every event due at `now`, batch after batch; returns how many fired."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    moment = moment_of(now)
    fired = 0
    while True:
        batch_fired, claimed = sweep_batch(now=moment, batch_size=batch_size)
        fired += batch_fired
        if claimed < batch_size:
            return fired


def sla_sweep_job(now: datetime) -> int:
    """The worker's periodic job."""
    return sla_sweep(now=now)


def sweep_batch(*, now: datetime, batch_size: int) -> tuple[int, int]:
    """One transaction: (events fired, clocks claimed)."""
    started = time.monotonic()
    due = SlaClock.objects.filter(next_event_at__lte=now)
    if connection.vendor == "sqlite" and not due.exists():
        # An idle sweep takes no write lock on SQLite (one writer for the whole database).
        return 0, 0
    with transaction.atomic():
        clocks = list(
            due.select_for_update(skip_locked=True, of=("self",))
            .only(*_SWEEP_FIELDS)
            .order_by("next_event_at", "id")[:batch_size]
        )
        if not clocks:
            return 0, 0
        versions = _versions_for(clocks)
        steps = {pk: version_steps(version) for pk, version in versions.items()}
        calendars = _Calendars()
        passed: list[_Due] = []
        for clock in clocks:
            clock.standard_version = versions[clock.standard_version_id]
            cal = calendars.get(clock.calendar_version_id)
            passed.extend(_advance(clock, steps[clock.standard_version_id], cal, now))
            clock.updated_at = now
        _clocks_update(clocks)
        inserted = _events_insert(passed, now=now)
        fired = [item for item in passed if _key(item) in inserted]
        effects = _Effects(now=now, calendars=calendars, fired=fired)
        for item in fired:
            effects.notify(item)
        wanted = [
            (item.clock, kind)
            for item in fired
            if (kind := _followup_kind(item.clock, item.step)) is not None
        ]
        followups = [clock.pk for clock in followups_open_many(parents_and_kinds=wanted, now=now)]
        if fired:
            audit_record(
                action="sla.sweep.fire",
                subject=("sla.sweep", now.isoformat()),
                after={
                    "events": [
                        [inserted[_key(item)], item.clock.pk, item.step.kind, item.step.level]
                        for item in fired
                    ],
                    "followups": followups,
                },
                now=now,
            )
    logger.info(
        "sla sweep batch: %d clocks, %d events fired (%d already recorded) in %.3f s",
        len(clocks),
        len(fired),
        len(passed) - len(fired),
        time.monotonic() - started,
    )
    return len(fired), len(clocks)


def _versions_for(clocks: Sequence[SlaClock]) -> dict[int, SlaStandardVersion]:
    ids = {clock.standard_version_id for clock in clocks}
    return {
        version.pk: version
        for version in SlaStandardVersion.objects.select_related("standard").filter(pk__in=ids)
    }


class _Calendars:
    """Compiled calendars by version id for one batch (one lookup per version, not per row)."""

    def __init__(self) -> None:
        self._by_id: dict[int, CompiledCalendar] = {}

    def get(self, version_id: int) -> CompiledCalendar:
        compiled = self._by_id.get(version_id)
        if compiled is None:
            compiled = self._by_id[version_id] = calendar_compiled(version_id=version_id)
        return compiled


def _advance(
    clock: SlaClock, steps: list[EventStep], cal: CompiledCalendar, now: datetime
) -> list[_Due]:
    """Every step the clock has passed by `now`, in order; moves its stage past them."""
    passed: list[_Due] = []
    while clock.stage < len(steps):
        step = steps[clock.stage]
        at = step_instant(clock, step, cal)
        if at > now:
            break
        passed.append(_Due(clock, step, at))
        if step.kind == RED and clock.breached_at is None:
            clock.breached_at = clock.due_at
        clock.stage += 1
    clock.next_event_at = next_event_at(clock, steps, cal)
    return passed


def _clocks_update(clocks: Sequence[SlaClock]) -> None:
    """Write the moved-on clocks: on PostgreSQL one UPDATE over arrays, elsewhere one
    statement per row (bulk_update's CASE expressions cost more than the rest of the batch)."""
    if not clocks:
        return
    table = connection.ops.quote_name(SlaClock._meta.db_table)
    # Only the table name (from the model) is formatted in; every value is a parameter.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} AS c SET stage = v.stage, next_event_at = v.next_event_at,"  # noqa: S608
                " breached_at = v.breached_at, updated_at = v.updated_at"
                " FROM unnest(%s::bigint[], %s::integer[], %s::timestamptz[], %s::timestamptz[],"
                " %s::timestamptz[]) AS v(id, stage, next_event_at, breached_at, updated_at)"
                " WHERE c.id = v.id",
                [
                    [clock.pk for clock in clocks],
                    [clock.stage for clock in clocks],
                    [clock.next_event_at for clock in clocks],
                    [clock.breached_at for clock in clocks],
                    [clock.updated_at for clock in clocks],
                ],
            )
            return
        adapt = connection.ops.adapt_datetimefield_value
        cursor.executemany(
            f"UPDATE {table} SET stage = %s, next_event_at = %s, breached_at = %s,"  # noqa: S608
            " updated_at = %s WHERE id = %s",
            [
                (
                    clock.stage,
                    adapt(clock.next_event_at),
                    adapt(clock.breached_at),
                    adapt(clock.updated_at),
                    clock.pk,
                )
                for clock in clocks
            ],
        )


def _key(item: _Due) -> tuple[int, str, int]:
    return (item.clock.pk, item.step.kind, item.step.level)


def _events_insert(items: Sequence[_Due], *, now: datetime) -> dict[tuple[int, str, int], int]:
    """Insert the events; a key already recorded is skipped (ON CONFLICT DO NOTHING). Returns
    inserted key -> id: only these fire."""
    if not items:
        return {}
    table = connection.ops.quote_name(SlaEvent._meta.db_table)
    returning = (
        " ON CONFLICT (clock_id, kind, level) DO NOTHING RETURNING id, clock_id, kind, level"
    )
    rows: list[tuple[Any, ...]] = []
    # Only the table name (from the model) is formatted in; every value is a parameter.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} (clock_id, kind, level, scheduled_at, fired_at)"  # noqa: S608
                " SELECT * FROM unnest(%s::bigint[], %s::varchar[], %s::smallint[],"
                " %s::timestamptz[], %s::timestamptz[])" + returning,
                [
                    [item.clock.pk for item in items],
                    [item.step.kind for item in items],
                    [item.step.level for item in items],
                    [item.scheduled_at for item in items],
                    [now] * len(items),
                ],
            )
            rows.extend(cursor.fetchall())
        else:
            adapt = connection.ops.adapt_datetimefield_value
            for offset in range(0, len(items), _INSERT_CHUNK):
                chunk = items[offset : offset + _INSERT_CHUNK]
                params: list[Any] = []
                for item in chunk:
                    params += [item.clock.pk, item.step.kind, item.step.level]
                    params += [adapt(item.scheduled_at), adapt(now)]
                values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))
                cursor.execute(
                    f"INSERT INTO {table} (clock_id, kind, level, scheduled_at, fired_at)"  # noqa: S608
                    f" VALUES {values}" + returning,
                    params,
                )
                rows.extend(cursor.fetchall())
    return {(int(c), str(k), int(lv)): int(pk) for pk, c, k, lv in rows}


class _Effects:
    """Notifications for fired events, with the people looked up once per batch."""

    def __init__(self, *, now: datetime, calendars: _Calendars, fired: Sequence[_Due]) -> None:
        self.now = now
        self.calendars = calendars
        ids = {item.clock.assignee_id for item in fired if item.clock.assignee_id is not None}
        self._assignees: dict[int, User] = User.objects.in_bulk(ids) if ids else {}
        self._heads: dict[int, User | None] = {}
        self._management: list[User] | None = None

    def head_of(self, department_id: int | None) -> User | None:
        if department_id is None:
            return None
        if department_id not in self._heads:
            department = Department.objects.select_related("head").filter(pk=department_id).first()
            head = department.head if department is not None else None
            self._heads[department_id] = head if head is not None and head.is_active else None
        return self._heads[department_id]

    def management(self) -> list[User]:
        if self._management is None:
            self._management = management_users()
        return self._management

    def recipients(self, clock: SlaClock, audiences: Sequence[str]) -> list[User]:
        people: list[User] = []
        for audience in audiences:
            if audience == Audience.ASSIGNEE:
                assignee = self._assignees.get(clock.assignee_id or 0)
                if assignee is not None and assignee.is_active:
                    people.append(assignee)
            elif audience == Audience.DEPARTMENT_HEAD:
                head = self.head_of(clock.department_id)
                if head is not None:
                    people.append(head)
            elif audience == Audience.MANAGEMENT:
                people.extend(self.management())
        return people

    def notify(self, item: _Due) -> None:
        clock, step = item.clock, item.step
        version = clock.standard_version
        audiences = _audiences(version, step)
        if not audiences:
            return  # the standard tells nobody at this step
        recipients = self.recipients(clock, audiences)
        if not recipients:
            logger.warning("sla clock %s: %s event has nobody to tell", clock.pk, step.kind)
            return
        cal = self.calendars.get(clock.calendar_version_id)
        notification_send(
            recipients=recipients,
            template=TEMPLATES[step.kind],
            context={
                "standard_code": version.standard.code,
                "standard_name": version.standard.name,
                "standard_name_en": version.standard.name_en,
                "subject_type": clock.subject_type,
                "subject_id": clock.subject_id,
                "clock_id": clock.pk,
                "kind": clock.kind,
                "level": step.level,
                "due_at": timezone.localtime(clock.due_at, cal.tz).strftime("%Y-%m-%d %H:%M"),
                "assignee": str(self._assignees.get(clock.assignee_id or 0) or ""),
                "followup": _followup_kind(clock, step) or "",
            },
            channels=CHANNELS,
            subject=("sla.slaclock", clock.pk),
            now=self.now,
        )


def _audiences(version: SlaStandardVersion, step: EventStep) -> list[str]:
    if step.kind == YELLOW:
        return list(version.yellow_notify)
    if step.kind == RED:
        return list(version.red_notify)
    escalation = version.escalations[step.level - 1]
    return list(escalation.get("notify", []))


def _followup_kind(clock: SlaClock, step: EventStep) -> str | None:
    if clock.kind != ClockKind.PRIMARY:
        return None  # follow-ups get no follow-ups of their own
    version = clock.standard_version
    if step.kind == YELLOW and version.progress_report_followup:
        return ClockKind.PROGRESS_REPORT
    if step.kind == RED and version.rectification_followup:
        return ClockKind.RECTIFICATION_REPORT
    return None
