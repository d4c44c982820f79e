"""Helpers for the clock, sweep, follow-up and re-plan tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from coverdesk.accounts.models import Department, User
from coverdesk.accounts.tests.factories import make_user
from coverdesk.audit.models import AuditEntry

SH = ZoneInfo("Asia/Shanghai")
SUBJECT = ("claims.claim", "C-2026-001")


def at(year, month, day, hour=0, minute=0, second=0, microsecond=0) -> datetime:
    """An instant in Asia/Shanghai."""
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=SH)


@dataclass
class Team:
    adjuster: User  # the assignee, in claims
    head: User  # head of claims
    manager: User  # management
    stranger: User  # another adjuster in claims, neither assignee nor head
    claims: Department


def make_team() -> Team:
    adjuster = make_user("adjuster", username="adjuster", email="adjuster@example.test")
    head = make_user("head", username="head", email="head@example.test", language="en")
    manager = make_user("manager", username="manager", email="manager@example.test")
    stranger = make_user("adjuster", username="stranger")
    claims = Department.objects.get(code="claims")
    claims.head = head
    claims.save(update_fields=["head"])
    adjuster.refresh_from_db()
    return Team(adjuster=adjuster, head=head, manager=manager, stranger=stranger, claims=claims)


def audit_actions() -> list[str]:
    return list(AuditEntry.objects.order_by("sequence").values_list("action", flat=True))
