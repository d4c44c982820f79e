"""Test data for claims: the claims staff with the claims permissions (granted here until the
roles carry them), the police aviation customer with a portal user, the fleet and crew insured
on the shipped aviation product, and claims reported through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from coverdesk.accounts.models import Department
from coverdesk.accounts.tests.factories import make_user
from coverdesk.claims.services.reports import claim_report
from coverdesk.policies.tests.policy_factories import (
    AVIATION,
    GROUP,
    LICENCE,
    at,
    issue_policy,
    make_crew,
    make_customer,
    make_fleet,
    make_portal_user,
    make_team,
)

# The permissions each role should get in accounts/roles.py (asked for in the report).
ROLE_CLAIMS_PERMISSIONS = {
    "agent": ["claims.view_claim", "claims.report_claim"],
    "adjuster": [
        "claims.view_claim",
        "claims.report_claim",
        "claims.handle_claim",
        "claims.approve_claim",
        "claims.view_incident",
    ],
    "surveyor": ["claims.view_claim", "claims.survey_claim"],
    "head": [
        "claims.view_claim",
        "claims.handle_claim",
        "claims.approve_claim",
        "claims.view_incident",
    ],
    "manager": [
        "claims.view_claim",
        "claims.approve_claim",
        "claims.pay_claim",
        "claims.view_incident",
    ],
    "backoffice": ["claims.view_claim", "claims.pay_claim"],
    "auditor": ["claims.view_claim", "claims.view_incident"],
    "admin": ["claims.change_claimauthoritylimit", "claims.change_claimnumbersequence"],
}

LOSS_DAY = at(2026, 3, 10, 9, 40)  # Tuesday 2026-03-10, in the policy period
REPORT_AT = at(2026, 3, 10, 10, 0)

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def pdf(name="claim.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def jpeg(name="photo.jpg", data=JPEG):
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def grant(user, *labels):
    for label in labels:
        app_label, codename = label.split(".", 1)
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    # has_perm caches the permissions it read: drop the cache
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        if hasattr(user, cache):
            delattr(user, cache)
    return user


def make_claims_user(role, **fields):
    return grant(make_user(role, **fields), *ROLE_CLAIMS_PERMISSIONS.get(role, []))


@dataclass
class ClaimsTeam:
    policies: object  # the policies Team (broker, clerk, head, manager, agent, admin)
    agent: object
    adjuster: object
    adjuster2: object
    surveyor: object
    head: object
    manager: object
    admin: object


def make_claims_team():
    policies = make_team()
    team = ClaimsTeam(
        policies=policies,
        agent=make_claims_user("agent"),
        adjuster=make_claims_user("adjuster"),
        adjuster2=make_claims_user("adjuster"),
        surveyor=make_claims_user("surveyor"),
        head=make_claims_user("head"),
        manager=make_claims_user("manager"),
        admin=make_claims_user("admin"),
    )
    Department.objects.filter(code="claims").update(head=team.head)
    return team


@dataclass
class World:
    team: ClaimsTeam
    customer: object
    portal: object
    fleet: list
    crew: list
    policy: object


def make_world(*, coverage_codes=(AVIATION, GROUP, LICENCE)):
    team = make_claims_team()
    customer = make_customer()
    portal = make_portal_user(customer)
    fleet = make_fleet(customer)
    crew = make_crew(customer, pilots=2, aircrew=1, ground=1)
    insures_people = bool({GROUP, LICENCE} & set(coverage_codes))
    policy = issue_policy(
        team.policies,
        customer,
        coverage_codes=list(coverage_codes),
        aircraft=fleet if AVIATION in coverage_codes else [],
        persons=crew if insures_people else [],
    )
    return World(team, customer, portal, fleet, crew, policy)


def report(world, *, by=None, channel="hotline", now=REPORT_AT, **overrides):
    """A claim reported through the service (by the hotline agent unless told)."""
    fields = {
        "policy_id": world.policy.pk,
        "channel": channel,
        "loss_at": LOSS_DAY,
        "loss_place": "白云机场以北 5 公里",
        "description": "H145 4401120088 训练飞行中尾桨触碰障碍物，硬着陆，机体受损，无人员受伤。",
        "reporter_name": "王机长",
        "reporter_phone": "13812345678",
        "acting_user": by or world.team.agent,
        "now": now,
    }
    fields.update(overrides)
    return claim_report(**fields).claim


HULL_PARTIAL = [{"coverage": "hull_all_risks", "loss_type": "hull_partial"}]


def minutes(n):
    return timedelta(minutes=n)
