"""Test data for the service desk: staff holding the service-desk permissions (granted here
until accounts/roles.py gives them to the roles), customers with portal users, and times on
the cn-mainland calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Permission

from coverdesk.accounts.models import Department
from coverdesk.accounts.tests.factories import make_user
from coverdesk.parties.services import customer_access_grant
from coverdesk.parties.tests.factories import CREDIT_OTHER, CREDIT_POLICE, make_organisation

SHANGHAI = ZoneInfo("Asia/Shanghai")

AGENT_PERMISSIONS = [
    "view_inquiry",
    "handle_inquiry",
    "view_complaint",
    "handle_complaint",
    "view_returnvisitprogramme",
    "manage_return_visits",
    "view_serviceissue",
    "handle_service_issue",
    "view_cannedanswer",
    "add_cannedanswer",
    "change_cannedanswer",
]
HEAD_PERMISSIONS = [*AGENT_PERMISSIONS, "determine_complaint_responsibility", "view_survey"]
MANAGER_PERMISSIONS = [*HEAD_PERMISSIONS, "manage_surveys"]


def at(year, month, day, hour=10, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


MONDAY = at(2026, 8, 24, 9)  # Monday 2026-08-24 09:00, an ordinary working day


def grant(user, codenames):
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="servicedesk", codename__in=codenames)
    )
    # Django caches permissions on the instance.
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        if hasattr(user, cache):
            delattr(user, cache)
    return user


@dataclass
class Desk:
    agent: object
    agent2: object
    head: object
    manager: object
    claims_agent: object
    outsider: object  # staff without service-desk permissions


def make_desk():
    agent = grant(make_user("agent", username="agent-wang", first_name="王客服"), AGENT_PERMISSIONS)
    agent2 = grant(make_user("agent", username="agent-li", first_name="李客服"), AGENT_PERMISSIONS)
    head = grant(make_user("head", username="head-zhao", first_name="赵主管"), HEAD_PERMISSIONS)
    service = Department.objects.get(code="customer_service")
    head.department = service
    head.save(update_fields=["department"])
    Department.objects.filter(pk=service.pk).update(head=head)
    manager = grant(make_user("manager", username="manager-qian"), MANAGER_PERMISSIONS)
    claims_agent = grant(make_user("adjuster", username="claims-sun"), AGENT_PERMISSIONS)
    outsider = make_user("surveyor", username="surveyor-zhou")
    for user in (agent, agent2, head, manager, claims_agent):
        user.refresh_from_db()
        grant(user, [])
    return Desk(agent, agent2, head, manager, claims_agent, outsider)


def make_customer(*, name="市公安局警务航空队", credit_code=CREDIT_POLICE, **fields):
    return make_organisation(name=name, credit_code=credit_code, **fields)


def make_other_customer():
    return make_organisation(name="市应急管理局", credit_code=CREDIT_OTHER)


def make_portal_user(customer, **fields):
    user = make_user("customer", **fields)
    customer_access_grant(user=user, party=customer, acting_user=None)
    return user
