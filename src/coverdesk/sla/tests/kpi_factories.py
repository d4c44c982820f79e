"""A month of clocks with a known outcome, for the KPI, evaluation and API tests."""

from __future__ import annotations

from coverdesk.sla.models import SlaClock
from coverdesk.sla.services.clocks import (
    sla_clock_cancel,
    sla_clock_pause,
    sla_clock_start,
    sla_clock_stop,
)
from coverdesk.sla.tests.clock_factories import Team, at

GENERAL = "service.question.general"  # 1 working day
REGISTRATION = "claims.registration"  # 1 working day
NOVEMBER_AS_OF = at(2026, 12, 2, 12)


def clock_start(code, assignee, now, subject="S-1") -> SlaClock:
    return sla_clock_start(
        subject=("claims.claim", subject),
        standard_code=code,
        assignee=assignee,
        acting_user=assignee,
        now=now,
    )


def make_november(team: Team) -> dict[str, SlaClock]:
    """The adjuster's and a colleague's November 2026, all in claims:
    A met, B late, C open past due, G paused (pending); D due in November, stopped late in
    December; E (the head's) due in December; F cancelled.

    2026-11-02 09:00 + 1 WD = 11-03 17:30 (52,200 business seconds): A stopped 11-03 10:00
    used 0.5862 of it, B stopped 11-04 09:00 used 1.0345."""
    adjuster, stranger = team.adjuster, team.stranger
    clocks = {}
    clocks["A"] = clock_start(GENERAL, adjuster, at(2026, 11, 2, 9), "A")
    sla_clock_stop(clock_id=clocks["A"].pk, acting_user=adjuster, now=at(2026, 11, 3, 10))
    clocks["B"] = clock_start(GENERAL, adjuster, at(2026, 11, 2, 9), "B")
    sla_clock_stop(clock_id=clocks["B"].pk, acting_user=adjuster, now=at(2026, 11, 4, 9))
    clocks["C"] = clock_start(REGISTRATION, adjuster, at(2026, 11, 9, 9), "C")
    clocks["G"] = clock_start(REGISTRATION, adjuster, at(2026, 11, 16, 9), "G")
    sla_clock_pause(
        clock_id=clocks["G"].pk,
        reason="waiting for materials",
        acting_user=adjuster,
        now=at(2026, 11, 16, 10),
    )
    clocks["D"] = clock_start(GENERAL, stranger, at(2026, 11, 27, 9), "D")
    sla_clock_stop(clock_id=clocks["D"].pk, acting_user=stranger, now=at(2026, 12, 1, 9))
    clocks["E"] = clock_start(GENERAL, team.head, at(2026, 11, 30, 9), "E")
    clocks["F"] = clock_start(GENERAL, adjuster, at(2026, 11, 5, 9), "F")
    sla_clock_cancel(
        clock_id=clocks["F"].pk, reason="withdrawn", acting_user=adjuster, now=at(2026, 11, 5, 10)
    )
    return clocks


# The timeliness permissions each role should hold (asked of accounts/roles.py). Until roles.py
# carries them, `sla_role_permissions_ensure` grants them to the role groups of a test database.
STAFF_ROLES = ("broker", "clerk", "agent", "adjuster", "surveyor", "backoffice", "head", "manager")
SLA_READ = ["sla.view_calendar", "sla.view_slastandard"]
SLA_ROLE_PERMISSIONS: dict[str, list[str]] = {
    **{role: list(SLA_READ) for role in STAFF_ROLES},
    "head": [*SLA_READ, "sla.view_department_clocks", "sla.view_department_kpis"],
    "manager": [*SLA_READ, "sla.view_all_clocks", "sla.view_kpis", "sla.manage_evaluations"],
    "auditor": [*SLA_READ, "sla.view_all_clocks", "sla.view_kpis"],
    "admin": [
        *SLA_READ,
        "sla.change_calendar",
        "sla.change_slastandard",
        "sla.change_evaluationrule",
    ],
    "customer": [],
}


def sla_role_permissions_ensure() -> None:
    from django.contrib.auth.models import Group, Permission

    for role, labels in SLA_ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        for label in labels:
            app_label, codename = label.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
