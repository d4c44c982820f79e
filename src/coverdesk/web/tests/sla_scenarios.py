"""Clocks in every state for the timeliness page tests, at a fixed moment.

NOW is Thursday 2026-03-05 10:00 in Shanghai (cn-mainland: 08:30–12:00, 13:30–17:30, a working
day of 7.5 h; Saturday 28 February is an adjusted working day). Built through the sla
services, with the sweep run at NOW.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from coverdesk.sla.models import ClockKind, SlaClock
from coverdesk.sla.services.clocks import sla_clock_pause, sla_clock_start
from coverdesk.sla.services.sweep import sla_sweep
from coverdesk.sla.tests.clock_factories import Team, at, make_team

NOW = at(2026, 3, 5, 10)


def freeze(monkeypatch: pytest.MonkeyPatch, moment=NOW) -> None:
    """Views and services read the time from coverdesk.core.clock.now."""
    monkeypatch.setattr("coverdesk.core.clock.now", lambda: moment)


@dataclass
class Scenario:
    team: Team
    green: SlaClock  # 3 WD from Thu 09:00: due Tue 10 Mar 17:30
    yellow: SlaClock  # 5 WD from Fri 27 Feb 10:00: due Thu 5 Mar 17:30, 86 % used
    red: SlaClock  # 3 WD from Thu 26 Feb 10:00: due Mon 2 Mar 17:30
    paused: SlaClock  # 30 natural days from Mon 2 Mar 10:00, paused Tue 11:00

    def followup(self, clock: SlaClock, kind: str) -> SlaClock:
        return SlaClock.objects.get(parent=clock, kind=kind)

    @property
    def rectification(self) -> SlaClock:
        return self.followup(self.red, ClockKind.RECTIFICATION_REPORT)


def start(team: Team, code: str, when, subject_id: str, assignee=None) -> SlaClock:
    person = assignee or team.adjuster
    return sla_clock_start(
        subject=("demo.claim", subject_id),
        standard_code=code,
        assignee=person,
        acting_user=person,
        now=when,
    )


def build(team: Team | None = None) -> Scenario:
    team = team or make_team()
    green = start(team, "claims.adjudication.simple", at(2026, 3, 5, 9), "CL-GREEN")
    yellow = start(team, "claims.adjudication.general", at(2026, 2, 27, 10), "CL-YELLOW")
    red = start(team, "claims.adjudication.simple", at(2026, 2, 26, 10), "CL-RED")
    paused = start(team, "law.insurance_23.decision", at(2026, 3, 2, 10), "CL-PAUSED")
    sla_clock_pause(
        clock_id=paused.pk,
        reason="waiting for the customer's materials",
        acting_user=team.adjuster,
        now=at(2026, 3, 3, 11),
    )
    sla_sweep(now=NOW)
    return Scenario(
        team=team,
        green=SlaClock.objects.get(pk=green.pk),
        yellow=SlaClock.objects.get(pk=yellow.pk),
        red=SlaClock.objects.get(pk=red.pk),
        paused=SlaClock.objects.get(pk=paused.pk),
    )
