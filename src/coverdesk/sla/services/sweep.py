"""The sweep: fires every warning and escalation that has come due, exactly once.

Each batch is one transaction. It takes the due clocks (`next_event_at <= now`, through the
partial index, so the cost follows the rows due, not the rows open) with SELECT … FOR UPDATE
SKIP LOCKED: other workers take other clocks. Every step a clock has passed fires in order,
also when the sweep runs hours late. An event is an insert under the unique key (clock, kind,
level) with ON CONFLICT DO NOTHING, and only an inserted event has effects (notifications,
follow-up clocks), all in the same transaction: a worker killed mid-batch rolls it all back
and its rows are unlocked for the next sweep. On SQLite there is no row locking: one worker.

Speed: a batch reads its clocks as plain rows (instants as integer microseconds on
PostgreSQL, which the driver reads far faster than timestamps), writes them back and records
the events in one statement each, with the arrays passed as literals (the driver would dump
them element by element). Standard versions and compiled calendars are immutable once
written: they are read once per sweep, not once per batch.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from django.db import connection, transaction
from django.db.models import DEFERRED, Model, QuerySet
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.utils import timezone

from coverdesk.accounts.models import Department, User
from coverdesk.audit.services import audit_record
from coverdesk.notifications.choices import Channel
from coverdesk.notifications.services import notification_batch, notification_send
from coverdesk.sla.calculations import ESCALATION, RED, YELLOW, EventStep
from coverdesk.sla.engine import CompiledCalendar
from coverdesk.sla.models import (
    Audience,
    CalendarVersion,
    ClockKind,
    SlaClock,
    SlaEvent,
    SlaStandardVersion,
)
from coverdesk.sla.selectors.calendars import calendar_compiled_for
from coverdesk.sla.selectors.clocks import management_users
from coverdesk.sla.services.clocks import moment_of, next_event_at, step_instant, version_steps
from coverdesk.sla.services.followups import followups_open_many

logger = logging.getLogger(__name__)

TEMPLATES = {YELLOW: "sla_yellow", RED: "sla_red", ESCALATION: "sla_escalation"}
CHANNELS = (Channel.IN_APP, Channel.EMAIL)
DEFAULT_BATCH_SIZE = 500
# What the sweep reads of a clock, in this order; the last four are instants.
_CLAIM_FIELDS = (
    "id",
    "subject_type",
    "subject_id",
    "kind",
    "standard_version_id",
    "calendar_version_id",
    "assignee_id",
    "department_id",
    "state",
    "consumed",
    "allowed",
    "stage",
    "resumed_at",
    "warn_at",
    "due_at",
    "breached_at",
)
_INSTANTS = 4
_INSERT_CHUNK = 900
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_VERSION = SlaClock._meta.get_field("standard_version")
_M = TypeVar("_M", bound=Model)


@dataclass(frozen=True, slots=True)
class _Due:
    clock: SlaClock
    step: EventStep
    scheduled_at: datetime


def sla_sweep(*, now: datetime | None = None, batch_size: int = DEFAULT_BATCH_SIZE) -> int:
    """Fire every event due at `now`, batch after batch; returns how many fired."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    moment = moment_of(now)
    plans = _Plans()
    fired = 0
    while True:
        batch_fired, claimed = sweep_batch(now=moment, batch_size=batch_size, plans=plans)
        fired += batch_fired
        if claimed < batch_size:
            return fired


def sla_sweep_job(now: datetime) -> int:
    """The worker's periodic job."""
    return sla_sweep(now=now)


def sweep_batch(*, now: datetime, batch_size: int, plans: _Plans | None = None) -> tuple[int, int]:
    """One transaction: (events fired, clocks claimed)."""
    started = time.monotonic()
    if connection.vendor == "sqlite" and not _due(now).exists():
        # An idle sweep takes no write lock on SQLite (one writer for the whole database).
        return 0, 0
    plans = plans or _Plans()
    with transaction.atomic():
        clocks = _claim(now, batch_size)
        if not clocks:
            return 0, 0
        plans.load(clocks)
        passed: list[_Due] = []
        for clock in clocks:
            # The version is the one the id names: cached without the descriptor's checks.
            _VERSION.set_cached_value(clock, plans.versions[clock.standard_version_id])
            passed.extend(_advance(clock, plans, now))
            clock.updated_at = now
        _clocks_update(clocks)
        inserted = _events_insert(passed, now=now)
        # Only an inserted event fires; a key already on record was fired by someone else.
        fired = [(event_id, item) for item in passed if (event_id := inserted.get(_key(item)))]
        if fired:
            effects = _Effects(now=now, plans=plans, fired=[item for _id, item in fired])
            with notification_batch():  # the batch's messages in one insert, not one per event
                for _id, item in fired:
                    effects.notify(item)
            wanted = [
                (item.clock, kind)
                for _id, item in fired
                if (kind := _followup_kind(item.clock, item.step)) is not None
            ]
            followups = (
                [clock.pk for clock in followups_open_many(parents_and_kinds=wanted, now=now)]
                if wanted
                else []
            )
            audit_record(
                action="sla.sweep.fire",
                subject=("sla.sweep", now.isoformat()),
                after={
                    "events": [
                        [event_id, item.clock.pk, item.step.kind, item.step.level]
                        for event_id, item in fired
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


class _Plans:
    """Standard versions, their event steps and compiled calendars by id, for one sweep. All
    are immutable once written, so reading each once per sweep is exact."""

    def __init__(self) -> None:
        self.versions: dict[int, SlaStandardVersion] = {}
        self.steps: dict[int, list[EventStep]] = {}
        self.calendars: dict[int, CompiledCalendar] = {}

    def load(self, clocks: Sequence[SlaClock]) -> None:
        """Read what the clocks need and this sweep has not read yet."""
        wanted = {clock.standard_version_id for clock in clocks} - self.versions.keys()
        for version in _by_ids(SlaStandardVersion, wanted):
            self.versions[version.pk] = version
            self.steps[version.pk] = version_steps(version)
        wanted = {clock.calendar_version_id for clock in clocks} - self.calendars.keys()
        for calendar_version in _by_ids(CalendarVersion, wanted):
            self.calendars[calendar_version.pk] = calendar_compiled_for(version=calendar_version)


def _by_ids(model: type[_M], ids: set[int]) -> list[_M]:
    """Rows by id through a raw query: the ORM's query building costs a millisecond, a tenth
    of a sweep of a hundred clocks."""
    if not ids:
        return []
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(str(model._meta.pk.column))
    placeholders = ", ".join(["%s"] * len(ids))
    # Only names from the model are formatted in; the ids are parameters.
    return list(
        model._default_manager.raw(
            f"SELECT * FROM {table} WHERE {pk} IN ({placeholders})",  # noqa: S608
            sorted(ids),
        )
    )


def _due(now: datetime) -> QuerySet[SlaClock]:
    return SlaClock.objects.filter(next_event_at__lte=now)


def _claim(now: datetime, batch_size: int) -> list[SlaClock]:
    """Lock up to `batch_size` due clocks (others' locked rows are skipped), oldest event
    first, as clock instances holding only the fields the sweep reads."""
    rows: Iterable[Sequence[Any]]
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(SlaClock._meta.db_table)
        plain = _CLAIM_FIELDS[:-_INSTANTS]
        instants = _CLAIM_FIELDS[-_INSTANTS:]
        columns = ", ".join(
            [*plain, *(f"(extract(epoch FROM {name}) * 1000000)::bigint" for name in instants)]
        )
        # Only names from the model are formatted in; the values are parameters.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {columns} FROM {table} WHERE next_event_at <= %s"  # noqa: S608
                " ORDER BY next_event_at, id LIMIT %s FOR UPDATE SKIP LOCKED",
                [now, batch_size],
            )
            fetched = cursor.fetchall()
        rows = (
            (*row[:-_INSTANTS], *(None if us is None else _instant(us) for us in row[-_INSTANTS:]))
            for row in fetched
        )
    else:
        rows = (
            _due(now)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("next_event_at", "id")
            .values_list(*_CLAIM_FIELDS)[:batch_size]
        )
    return _clocks_of(rows)


def _instant(microseconds: int) -> datetime:
    return _EPOCH + timedelta(0, 0, microseconds)  # positional: a third cheaper per row


def _clocks_of(rows: Iterable[Sequence[Any]]) -> list[SlaClock]:
    """Clocks from claimed rows, the fields not read deferred (as with .only()). Built as
    Model.from_db would, minus __init__'s per-field descriptor work (a third of a batch's
    Python time); with an init signal receiver registered, through from_db itself."""
    alias = connection.alias
    if pre_init.has_listeners(SlaClock) or post_init.has_listeners(SlaClock):
        return [
            SlaClock.from_db(
                alias,
                _ATTNAMES,
                [values.get(name, DEFERRED) for name in _ATTNAMES],
            )
            for values in (dict(zip(_CLAIM_FIELDS, row, strict=True)) for row in rows)
        ]
    clocks: list[SlaClock] = []
    for row in rows:
        clock = SlaClock.__new__(SlaClock)
        clock.__dict__.update(zip(_CLAIM_FIELDS, row, strict=True))
        clock._state = ModelState()
        clock._state.adding = False
        clock._state.db = alias
        clocks.append(clock)
    return clocks


_ATTNAMES = [field.attname for field in SlaClock._meta.concrete_fields]


def _advance(clock: SlaClock, plans: _Plans, now: datetime) -> list[_Due]:
    """Every step the clock has passed by `now`, in order; moves its stage past them."""
    steps = plans.steps[clock.standard_version_id]
    cal = plans.calendars[clock.calendar_version_id]
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


def _array(values: Iterable[int | str | datetime | None]) -> str:
    """A PostgreSQL array literal of integers, plain codes or instants (ISO format with their
    offset): one string for the driver to pass instead of a list it adapts element by
    element."""
    return (
        "{"
        + ",".join(
            "NULL"
            if value is None
            else value.isoformat()
            if isinstance(value, datetime)
            else str(value)
            for value in values
        )
        + "}"
    )


def _clocks_update(clocks: Sequence[SlaClock]) -> None:
    """Write the moved-on clocks: on PostgreSQL one UPDATE over arrays, elsewhere one
    statement per row (bulk_update's CASE expressions cost more than the rest of the batch)."""
    if not clocks:
        return
    table = connection.ops.quote_name(SlaClock._meta.db_table)
    # Only the table name (from the model) is formatted in; every value is a parameter.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            ids = _array(clock.pk for clock in clocks)
            # `c.id = ANY(…)` keeps the plan on the primary key however many clocks are open.
            cursor.execute(
                f"UPDATE {table} AS c SET stage = v.stage, next_event_at = v.next_event_at,"  # noqa: S608
                " breached_at = v.breached_at, updated_at = v.updated_at"
                " FROM unnest(%s::bigint[], %s::integer[], %s::timestamptz[], %s::timestamptz[],"
                " %s::timestamptz[]) AS v(id, stage, next_event_at, breached_at, updated_at)"
                " WHERE c.id = v.id AND c.id = ANY(%s::bigint[])",
                [
                    ids,
                    _array(clock.stage for clock in clocks),
                    _array(clock.next_event_at for clock in clocks),
                    _array(clock.breached_at for clock in clocks),
                    _array(clock.updated_at for clock in clocks),
                    ids,
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
            # The kinds are the fixed event codes: safe as bare array elements.
            cursor.execute(
                f"INSERT INTO {table} (clock_id, kind, level, scheduled_at, fired_at)"  # noqa: S608
                " SELECT v.*, %s::timestamptz FROM unnest(%s::bigint[], %s::varchar[],"
                " %s::smallint[], %s::timestamptz[]) AS v" + returning,
                [
                    now,
                    _array(item.clock.pk for item in items),
                    _array(item.step.kind for item in items),
                    _array(item.step.level for item in items),
                    _array(item.scheduled_at for item in items),
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

    def __init__(self, *, now: datetime, plans: _Plans, fired: Sequence[_Due]) -> None:
        self.now = now
        self.plans = plans
        self._fired = fired
        self._assignees: dict[int, User] | None = None
        self._heads: dict[int, User | None] = {}
        self._management: list[User] | None = None

    def assignee(self, clock: SlaClock) -> User | None:
        if self._assignees is None:
            # Read when a standard first tells someone: a batch that tells nobody reads nobody.
            ids = {item.clock.assignee_id for item in self._fired} - {None}
            self._assignees = User.objects.in_bulk(ids) if ids else {}
        return self._assignees.get(clock.assignee_id or 0)

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
                assignee = self.assignee(clock)
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
        cal = self.plans.calendars[clock.calendar_version_id]
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
                "assignee": str(self.assignee(clock) or ""),
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
