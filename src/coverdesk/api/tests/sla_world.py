"""A timeliness world for the API tests, seen on Monday 2026-03-09 10:00 (time frozen):
two claims with warnings and follow-ups (one rectification report submitted, one still to
write), an open clock of the adjuster, February frozen."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from django.test import Client

from coverdesk.accounts.services import api_token_create
from coverdesk.audit.models import AuditEntry
from coverdesk.sla.models import (
    CalendarVersion,
    ClockKind,
    EvaluationRule,
    MonthlyEvaluation,
    ProgressReport,
    RectificationReport,
    SlaClock,
    SlaEvent,
    SlaEventAcknowledgement,
    SlaStandard,
    SlaStandardVersion,
)
from coverdesk.sla.selectors.kpis import KpiPeriod
from coverdesk.sla.services.clocks import sla_clock_start
from coverdesk.sla.services.evaluations import monthly_evaluation_freeze
from coverdesk.sla.services.followups import rectification_report_submit
from coverdesk.sla.services.sweep import sla_sweep
from coverdesk.sla.tests.clock_factories import Team, at, make_team

NOW = at(2026, 3, 9, 10)


def freeze(monkeypatch) -> None:
    monkeypatch.setattr("coverdesk.core.clock.now", lambda: NOW)


def client_for(user) -> Client:
    issued = api_token_create(user=user, name="tests", acting_user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}")


def call(client: Client, method: str, path: str, body=None):
    if body is None:
        return getattr(client, method)(path)
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json")


@dataclass
class World:
    team: Team
    work_a: SlaClock  # yellow and red fired; its rectification report still to write
    work_b: SlaClock  # its rectification report submitted, waiting for review
    open_clock: SlaClock  # the adjuster's, running, green at NOW
    yellow_a: SlaEvent
    red_a: SlaEvent
    progress_a: SlaClock
    rectification_a: SlaClock
    report_b: RectificationReport


def build() -> World:
    team = make_team()

    def work(subject, when):
        return sla_clock_start(
            subject=("claims.claim", subject),
            standard_code="claims.adjudication.simple",
            assignee=team.adjuster,
            acting_user=team.adjuster,
            now=when,
        )

    work_a = work("C-A", at(2026, 2, 13, 15))  # 3 WD: due 02-25 17:30
    work_b = work("C-B", at(2026, 2, 13, 15))
    sla_sweep(now=at(2026, 2, 25, 18))
    rectification_b = SlaClock.objects.get(parent=work_b, kind=ClockKind.RECTIFICATION_REPORT)
    report_b = rectification_report_submit(
        clock_id=rectification_b.pk,
        cause_analysis="Survey late",
        measures="Book surveyors earlier",
        owner=team.head,
        completion_date=date(2026, 3, 31),
        acting_user=team.head,
        now=at(2026, 2, 26, 9),
    )
    open_clock = work("C-OPEN", at(2026, 3, 9, 9))
    monthly_evaluation_freeze(period=KpiPeriod(2026, 2), acting_user=None, now=at(2026, 3, 6, 9))
    events = {e.kind: e for e in SlaEvent.objects.filter(clock=work_a)}
    return World(
        team=team,
        work_a=work_a,
        work_b=work_b,
        open_clock=open_clock,
        yellow_a=events["yellow"],
        red_a=events["red"],
        progress_a=SlaClock.objects.get(parent=work_a, kind=ClockKind.PROGRESS_REPORT),
        rectification_a=SlaClock.objects.get(parent=work_a, kind=ClockKind.RECTIFICATION_REPORT),
        report_b=report_b,
    )


def state() -> tuple:
    """What a denied request must leave as it was."""
    rule = EvaluationRule.objects.get()
    return (
        AuditEntry.objects.count(),
        CalendarVersion.objects.count(),
        SlaStandard.objects.count(),
        SlaStandardVersion.objects.count(),
        sorted(MonthlyEvaluation.objects.values_list("year", "month", "revision")),
        (rule.evaluation_working_day, rule.star_metric, rule.updated_at),
        SlaEventAcknowledgement.objects.count(),
        ProgressReport.objects.count(),
        sorted(RectificationReport.objects.values_list("pk", "reviewed_at")),
        sorted(SlaClock.objects.values_list("pk", "state")),
    )
