"""Shared pieces of the timeliness routers: the acting user, pages whose rows are built after
slicing, and the clock as the API shows it."""

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema

from coverdesk.accounts.models import User
from coverdesk.sla.models import SlaClock
from coverdesk.sla.selectors.worklists import MARK_NAMES, clock_time

TAGS = ["timeliness"]


def user_of(request: HttpRequest) -> User:
    user: User = request.auth  # type: ignore[attr-defined]
    return user


class MappedPage:
    """Lets the paginator slice (and count) the queryset, then builds only the rows it keeps,
    all at once (so per-row work never queries)."""

    def __init__(self, queryset: QuerySet[Any], build: Callable[[Sequence[Any]], list[Any]]):
        self.queryset = queryset
        self.build = build

    def __len__(self) -> int:
        return int(self.queryset.count())

    def count(self) -> int:
        return int(self.queryset.count())

    def __getitem__(self, key: slice) -> list[Any]:
        return self.build(list(self.queryset[key]))


class ClockOutput(Schema):
    id: int
    subject_type: str
    subject_id: str
    kind: str
    parent_id: int | None
    standard: str = Field(description="Code of the standard")
    standard_name: str
    standard_name_en: str
    unit: str
    state: str
    mark: str = Field(description="green, yellow or red")
    assignee_id: int | None
    assignee_name: str
    department_id: int | None
    department: str = Field(description="Code of the department")
    started_at: datetime
    warn_at: datetime
    due_at: datetime
    due_provisional: bool
    breached_at: datetime | None
    stopped_at: datetime | None
    met: bool | None
    measure: str = Field(description="business (seconds inside working windows) or elapsed")
    allowed_seconds: int
    used_seconds: int
    remaining_seconds: int = Field(description="Time left in the measure; 0 once late")
    share_used: Decimal
    review_needed: bool


def clock_output(clock: SlaClock, *, now: datetime) -> dict[str, Any]:
    """A clock loaded by a worklist selector (standard, calendar, assignee and department
    joined, `mark_rank` annotated)."""
    time = clock_time(clock, now=now)
    standard = clock.standard_version.standard
    return {
        "id": clock.pk,
        "subject_type": clock.subject_type,
        "subject_id": clock.subject_id,
        "kind": clock.kind,
        "parent_id": clock.parent_id,
        "standard": standard.code,
        "standard_name": standard.name,
        "standard_name_en": standard.name_en,
        "unit": clock.standard_version.unit,
        "state": clock.state,
        "mark": MARK_NAMES[clock.mark_rank],  # type: ignore[attr-defined]
        "assignee_id": clock.assignee_id,
        "assignee_name": str(clock.assignee) if clock.assignee is not None else "",
        "department_id": clock.department_id,
        "department": clock.department.code if clock.department is not None else "",
        "started_at": clock.started_at,
        "warn_at": clock.warn_at,
        "due_at": clock.due_at,
        "due_provisional": clock.due_provisional,
        "breached_at": clock.breached_at,
        "stopped_at": clock.stopped_at,
        "met": clock.met,
        "measure": time.measure,
        "allowed_seconds": clock.allowed,
        "used_seconds": time.used,
        "remaining_seconds": time.remaining,
        "share_used": time.share,
        "review_needed": clock.review_needed,
    }


def clock_outputs(clocks: Sequence[SlaClock], *, now: datetime) -> list[dict[str, Any]]:
    return [clock_output(clock, now=now) for clock in clocks]
