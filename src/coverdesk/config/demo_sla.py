"""Demo data for timeliness: clocks in every state for the demo staff, with the warnings and
follow-up reports that result, so My tasks, the department board, the warnings and the KPI pages
show real content.

Everything is built through the sla services with explicit past `now` values, in time order,
with the sweep run before each step so warnings fire when they would have. Two clocks on the 7×24
calendar are placed so that their yellow and red warnings fall a few minutes after loading: the
worker fires them while `make demo` runs.

Idempotent: once any demo clock exists, nothing is done.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone

from coverdesk.accounts.models import User
from coverdesk.core import clock as core_clock
from coverdesk.sla.calculations import RED, threshold_measure
from coverdesk.sla.engine import CompiledCalendar, deadline_compute, instant_after, measure_between
from coverdesk.sla.models import ClockKind, SlaClock, SlaEvent, SlaStandardVersion
from coverdesk.sla.selectors.calendars import calendar_compiled_for, calendar_version_current
from coverdesk.sla.selectors.clocks import standard_version_current
from coverdesk.sla.services.clocks import (
    sla_clock_pause,
    sla_clock_start,
    sla_clock_stop,
    threshold_unit,
)
from coverdesk.sla.services.followups import (
    progress_report_submit,
    rectification_report_review,
    rectification_report_submit,
)
from coverdesk.sla.services.sweep import sla_sweep
from coverdesk.sla.services.warnings import sla_event_acknowledge

SUBJECT_PREFIX = "demo."
BUSINESS_HOUR = 3_600
SEARCH_DAYS = 25  # covers a red 5-working-day clock across the Spring Festival


class Report(Protocol):
    def add(self, what: str) -> None: ...


@dataclass(order=True)
class _Step:
    at: datetime
    order: int
    run: Callable[[], Any] = field(compare=False)


class _Plan:
    """Steps at instants, run in time order with the sweep brought up to each instant first."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.steps: list[_Step] = []
        self.counter = 0
        self.clocks: dict[str, SlaClock] = {}

    def at(self, moment: datetime, run: Callable[[], Any]) -> None:
        heapq.heappush(self.steps, _Step(moment, self._next(), run))

    def sweep_at(self, moment: datetime) -> None:
        """An extra sweep at `moment`, so that a warning fires when it falls due."""
        if moment < self.now:
            heapq.heappush(self.steps, _Step(moment, self._next(), lambda: None))

    def _next(self) -> int:
        self.counter += 1
        return self.counter

    def run(self) -> None:
        while self.steps:
            step = heapq.heappop(self.steps)
            sla_sweep(now=step.at)
            step.run()
        sla_sweep(now=self.now)


_terms_seen: dict[str, tuple[SlaStandardVersion, CompiledCalendar]] = {}


def _terms(code: str, now: datetime) -> tuple[SlaStandardVersion, CompiledCalendar]:
    """The standard's version and compiled calendar (the demo's standards all have one
    version, in force since 2000): read once per load."""
    if code not in _terms_seen:
        version = standard_version_current(code=code, now=now)
        calendar_version = calendar_version_current(code=version.calendar.code)
        _terms_seen[code] = (version, calendar_compiled_for(version=calendar_version))
    return _terms_seen[code]


def _start_for_mark(
    codes: tuple[str, ...], mark: str, share: float, now: datetime
) -> tuple[str, datetime]:
    """The first of `codes` (and a start instant for it) that shows `mark` at `now` with about
    `share` of the allowed time used. Starts are tried every few minutes over the last
    SEARCH_DAYS days, planned exactly as a clock plans them: on a weekend or at night the
    yellow band of a one-day standard may not be reachable, so a later code can step in."""
    for code in codes:
        version, cal = _terms(code, now)
        ratio = Decimal(version.yellow_ratio)
        best: tuple[float, datetime] | None = None
        start = now.replace(second=0, microsecond=0) - timedelta(minutes=10)
        while start > now - timedelta(days=SEARCH_DAYS):
            due = deadline_compute(cal, start=start, amount=version.amount, unit=version.unit).at
            allowed = measure_between(cal, unit=version.unit, start=start, end=due)
            if allowed > 0:
                warn = instant_after(
                    cal,
                    unit=threshold_unit(version.unit),
                    start=start,
                    measure=threshold_measure(allowed, ratio),
                )
                shown = "red" if due < now else "yellow" if warn <= now else "green"
                if shown == mark:
                    used = measure_between(cal, unit=version.unit, start=start, end=now)
                    distance = abs(used / allowed - share)
                    if best is None or distance < best[0]:
                        best = (distance, start)
            # Fine steps near now reach the yellow band of minute-long standards.
            start -= timedelta(minutes=2 if now - start < timedelta(hours=3) else 15)
        if best is not None:
            return code, best[1]
    raise RuntimeError(f"no start shows {mark} for {codes}")


def _working_morning(now: datetime, days_back: int, at: time = time(9, 30)) -> datetime:
    """09:30 local on the working day `days_back` calendar days ago, or the one before it."""
    _version, cal = _terms("claims.registration", now)
    day: date = timezone.localdate(now) - timedelta(days=days_back)
    while not cal.is_working_day(day):
        day -= timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, at), cal.tz)


def _due(code: str, start: datetime) -> datetime:
    version, cal = _terms(code, start)
    return deadline_compute(cal, start=start, amount=version.amount, unit=version.unit).at


def _after_share(code: str, start: datetime, share: float) -> datetime:
    version, cal = _terms(code, start)
    due = _due(code, start)
    allowed = measure_between(cal, unit=version.unit, start=start, end=due)
    return instant_after(cal, unit=version.unit, start=start, measure=int(allowed * share))


def _business_after(moment: datetime, hours: float) -> datetime:
    _version, cal = _terms("claims.registration", moment)
    return instant_after(
        cal, unit="business_hours", start=moment, measure=int(hours * BUSINESS_HOUR)
    )


DEMO_STAFF = ("adjuster", "surveyor", "clerk", "agent", "backoffice", "broker", "head", "manager")


@transaction.atomic
def demo_sla_load(report: Report | None = None, *, now: datetime | None = None) -> None:
    """Load the timeliness demo (needs the demo users of `coverdesk.config.demo`)."""
    if SlaClock.objects.filter(subject_type__startswith=SUBJECT_PREFIX).exists():
        return
    users = {user.username: user for user in User.objects.filter(username__in=DEMO_STAFF)}
    missing = sorted(set(DEMO_STAFF) - set(users))
    if missing:
        raise RuntimeError(f"the timeliness demo needs the demo users {', '.join(missing)}")
    moment = now or core_clock.now()
    _terms_seen.clear()
    plan = _Plan(moment)
    _open_work(plan, users)
    _history(plan, users)
    _live(plan, users)
    plan.run()
    if report is not None:
        report.add(f"timeliness demo: {len(plan.clocks)} clocks with warnings and follow-ups")


def _start(
    plan: _Plan,
    name: str,
    *,
    subject: tuple[str, str],
    code: str,
    assignee: User,
    at: datetime,
) -> None:
    def run() -> None:
        clock = sla_clock_start(
            subject=subject, standard_code=code, assignee=assignee, acting_user=assignee, now=at
        )
        plan.clocks[name] = clock
        plan.sweep_at(clock.warn_at)
        plan.sweep_at(clock.due_at + timedelta(microseconds=1))

    plan.at(at, run)


def _stop(plan: _Plan, name: str, *, by: User, at: datetime) -> None:
    plan.at(at, lambda: sla_clock_stop(clock_id=plan.clocks[name].pk, acting_user=by, now=at))


def _followup(plan: _Plan, name: str, kind: str) -> SlaClock:
    return SlaClock.objects.get(parent=plan.clocks[name], kind=kind)


def _progress_report(plan: _Plan, name: str, *, by: User, at: datetime, text: str) -> None:
    def run() -> None:
        followup = _followup(plan, name, ClockKind.PROGRESS_REPORT)
        progress_report_submit(clock_id=followup.pk, text=text, acting_user=by, now=at)

    plan.at(at, run)


def _rectification(
    plan: _Plan,
    name: str,
    *,
    by: User,
    owner: User,
    at: datetime,
    cause: str,
    measures: str,
    reviewer: User | None = None,
) -> None:
    def submit() -> None:
        followup = _followup(plan, name, ClockKind.RECTIFICATION_REPORT)
        plan.clocks[f"{name}.rectification"] = followup
        rectification_report_submit(
            clock_id=followup.pk,
            cause_analysis=cause,
            measures=measures,
            owner=owner,
            completion_date=timezone.localdate(at) + timedelta(days=14),
            acting_user=by,
            now=at,
        )

    plan.at(at, submit)
    if reviewer is not None:
        review_at = _business_after(at, 6)

        def review() -> None:
            report = plan.clocks[f"{name}.rectification"].rectification_report
            rectification_report_review(
                report_id=report.pk,
                note="已阅。请按期完成整改并在月度例会上通报。",
                acting_user=reviewer,
                now=review_at,
            )
            # The reviewer has seen the red warning, the assignee the yellow one.
            for event in SlaEvent.objects.filter(clock=plan.clocks[name]).order_by("id"):
                sla_event_acknowledge(
                    event_id=event.pk,
                    acting_user=reviewer if event.kind == RED else owner,
                    now=review_at,
                )

        plan.at(review_at, review)


# Yellow needs the 80 % instant passed and the deadline ahead; a one-day standard cannot show
# that on a weekend, so each list ends with a standard counted in natural time.
YELLOW_CLAIM = ("claims.adjudication.general", "law.insurance_24.refusal_notice")
YELLOW_INQUIRY = (
    "service.question.general",
    "aviation.inquiry.general.answer",
    "sales.online_inquiry.reply",
)


def _open_work(plan: _Plan, users: dict[str, User]) -> None:
    """Open clocks in every state, on the demo staff's boards."""
    now = plan.now
    adjuster, surveyor, clerk, agent = (
        users["adjuster"],
        users["surveyor"],
        users["clerk"],
        users["agent"],
    )
    backoffice, broker = users["backoffice"], users["broker"]
    # running, green
    _start(
        plan, "cl1", subject=("demo.claim", "CL-2026-0001"), code="claims.adjudication.simple",
        assignee=adjuster, at=now - timedelta(hours=2),
    )  # fmt: skip
    _start(
        plan, "cl7", subject=("demo.claim", "CL-2026-0007"), code="claims.payment.general",
        assignee=surveyor, at=now - timedelta(hours=1),
    )  # fmt: skip
    _start(
        plan, "ts13", subject=("demo.ticket", "TS-2026-0013"),
        code="back_office.document_review.routine", assignee=backoffice,
        at=now - timedelta(minutes=40),
    )  # fmt: skip
    _start(
        plan, "ap15", subject=("demo.application", "AP-2026-0015"),
        code="sales.application.complex", assignee=broker, at=now - timedelta(minutes=90),
    )  # fmt: skip
    # running, yellow (past 80 % of the allowed time: the progress report is due) and red
    # (past the deadline: the rectification report is to be written)
    for name, subject, codes, person, mark, share in (
        ("cl2", ("demo.claim", "CL-2026-0002"), YELLOW_CLAIM, adjuster, "yellow", 0.88),
        ("iq31", ("demo.inquiry", "IQ-2026-0031"), YELLOW_INQUIRY, clerk, "yellow", 0.86),
        (
            "cl3",
            ("demo.claim", "CL-2026-0003"),
            ("claims.adjudication.simple",),
            adjuster,
            "red",
            1.06,
        ),
        (
            "cp8",
            ("demo.complaint", "CP-2026-0008"),
            ("service.complaint.resolve.simple",),
            agent,
            "red",
            1.1,
        ),
    ):
        code, start = _start_for_mark(codes, mark, share, now)
        _start(plan, name, subject=subject, code=code, assignee=person, at=start)
    # paused, waiting for the customer's materials
    started = _working_morning(now, 12, time(10, 0))
    _start(
        plan, "cl4", subject=("demo.claim", "CL-2026-0004"), code="law.insurance_23.decision",
        assignee=adjuster, at=started,
    )  # fmt: skip
    paused_at = _working_morning(now, 5, time(15, 20))
    plan.at(
        paused_at,
        lambda: sla_clock_pause(
            clock_id=plan.clocks["cl4"].pk,
            reason="等待客户补充材料：维修发票、适航证明 (waiting for repair invoices)",
            acting_user=adjuster,
            now=paused_at,
        ),
    )
    # met, and missed with its reports submitted and reviewed
    start5 = _working_morning(now, 10)
    _start(
        plan, "cl5", subject=("demo.claim", "CL-2026-0005"),
        code="claims_bid.green_channel.survey_assessment", assignee=surveyor, at=start5,
    )  # fmt: skip
    _stop(
        plan, "cl5", by=surveyor,
        at=_after_share("claims_bid.green_channel.survey_assessment", start5, 0.45),
    )  # fmt: skip
    start6 = _working_morning(now, 20)
    _start(
        plan, "cl6", subject=("demo.claim", "CL-2026-0006"), code="claims.registration",
        assignee=surveyor, at=start6,
    )  # fmt: skip
    _missed_with_reports(plan, "cl6", "claims.registration", start6, users, person=surveyor)
    start12 = _working_morning(now, 3)
    _start(
        plan, "ts12", subject=("demo.ticket", "TS-2026-0012"),
        code="back_office.tech_support.response", assignee=backoffice, at=start12,
    )  # fmt: skip
    _stop(
        plan, "ts12", by=backoffice,
        at=_after_share("back_office.tech_support.response", start12, 0.5),
    )  # fmt: skip


def _missed_with_reports(
    plan: _Plan, name: str, code: str, start: datetime, users: dict[str, User], *, person: User
) -> None:
    head, manager = users["head"], users["manager"]
    due = _due(code, start)
    stopped = _business_after(due, 3)
    _stop(plan, name, by=person, at=stopped)
    _progress_report(
        plan, name, by=person, at=stopped + timedelta(minutes=20),
        text="材料已齐，已完成立案；延误原因为系统录入积压。",
    )  # fmt: skip
    rectification_by = head if person.department_id == head.department_id else person
    _rectification(
        plan,
        name,
        by=rectification_by,
        owner=person,
        at=_business_after(stopped, 4),
        cause="月末集中报案，录入人手不足，未按先到先办处理。",
        measures="设立每日立案时效晨检；高峰期由查勘岗临时支援录入。",
        reviewer=manager,
    )


# A closed history per person for the KPI pages: (days back, met?) per clock.
HISTORY: list[tuple[str, str, str, list[tuple[int, bool]]]] = [
    ("adjuster", "demo.claim", "claims.adjudication.simple",
     [(58, True), (51, True), (44, False), (37, True), (30, True), (23, True)]),
    ("surveyor", "demo.claim", "claims.payment.simple",
     [(55, True), (41, True), (34, False), (27, True)]),
    ("clerk", "demo.inquiry", "service.question.general",
     [(57, True), (50, True), (43, True), (36, True), (29, False)]),
    ("agent", "demo.complaint", "service.complaint.first_contact",
     [(54, True), (40, False), (33, True)]),
    ("backoffice", "demo.ticket", "back_office.tech_support.simple_fix",
     [(52, True), (45, True), (38, True), (31, True)]),
]  # fmt: skip
HISTORY_PREFIX = {
    "demo.claim": "CL-2026-01",
    "demo.inquiry": "IQ-2026-01",
    "demo.complaint": "CP-2026-01",
    "demo.ticket": "TS-2026-01",
}


def _history(plan: _Plan, users: dict[str, User]) -> None:
    number = 0
    for username, subject_type, code, clocks in HISTORY:
        person = users[username]
        for days_back, met in clocks:
            number += 1
            name = f"history{number}"
            start = _working_morning(plan.now, days_back)
            subject = (subject_type, f"{HISTORY_PREFIX[subject_type]}{number:02d}")
            _start(plan, name, subject=subject, code=code, assignee=person, at=start)
            if met:
                share = 0.35 + (number % 4) * 0.1
                _stop(plan, name, by=person, at=_after_share(code, start, share))
            else:
                _missed_with_reports(plan, name, code, start, users, person=person)


def _live(plan: _Plan, users: dict[str, User]) -> None:
    """Natural-minute clocks on the 7×24 calendar whose warnings come minutes after loading."""
    now = plan.now
    adjuster = users["adjuster"]
    # 15 min to contact the reporter: yellow at 12 min (now + 2), red at 15 (now + 5)
    _start(
        plan, "ac2", subject=("demo.accident", "AC-2026-0002"),
        code="aviation.accident.contact_reporter", assignee=adjuster,
        at=now - timedelta(minutes=10),
    )  # fmt: skip
    # 30 min to form the team: yellow at 24 min (now + 4), red at 30 (now + 10)
    _start(
        plan, "me1", subject=("demo.major_event", "ME-2026-0001"),
        code="aviation.major_event.team_formed", assignee=adjuster,
        at=now - timedelta(minutes=20),
    )  # fmt: skip
