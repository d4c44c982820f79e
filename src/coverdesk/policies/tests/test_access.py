"""Who reads what: staff holding policies.view_policy read every policy; a customer's portal
user reads their own organisation's; anyone else finds nothing (NotFound, not revealed)."""

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser

from coverdesk.accounts.tests.factories import make_user
from coverdesk.policies.access.policies import (
    application_access_for_user,
    policies_for_user,
    policy_access_for_user,
    policy_version_in_force_for_user,
    servicing_request_access_for_user,
)
from coverdesk.policies.exceptions import (
    ApplicationNotFound,
    PolicyNotFound,
    ServicingNotFound,
)
from coverdesk.policies.models import Application
from coverdesk.policies.services.servicing import servicing_request_receive
from coverdesk.policies.tests.policy_factories import (
    GROUP,
    at,
    issue_policy,
    make_customer,
    make_person,
    make_portal_user,
    make_team,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    team = make_team()
    customer = make_customer()
    other = make_customer(name="另一客户", credit_code="91110000100000000R")
    policy = issue_policy(
        team, customer, coverage_codes=[GROUP], persons=[make_person(customer, "机长", "pilot", 1)]
    )
    other_policy = issue_policy(
        team, other, coverage_codes=[GROUP], persons=[make_person(other, "机长", "pilot", 2)]
    )
    request = servicing_request_receive(
        policy_id=policy.pk,
        kind="change_details",
        channel="portal",
        requester_name="郑海",
        identity_method="portal_login",
        effective_on=date(2026, 3, 1),
        acting_user=team.clerk,
        now=at(2026, 2, 2),
    )
    return {
        "team": team,
        "policy": policy,
        "other_policy": other_policy,
        "request": request,
        "own": make_portal_user(customer),
        "stranger": make_portal_user(other),
    }


@pytest.mark.parametrize(
    "role", ["broker", "clerk", "agent", "adjuster", "head", "manager", "auditor"]
)
def test_staff_who_read_policies_see_every_policy(world, role):
    user = make_user(role)

    assert policy_access_for_user(user=user, policy_id=world["policy"].pk) == world["policy"]
    assert set(policies_for_user(user=user)) == {world["policy"], world["other_policy"]}
    assert servicing_request_access_for_user(user=user, request_id=world["request"].pk)


def test_a_customer_reads_only_their_own(world):
    own, policy = world["own"], world["policy"]

    assert policy_access_for_user(user=own, policy_id=policy.pk) == policy
    assert list(policies_for_user(user=own)) == [policy]
    assert (
        policy_version_in_force_for_user(user=own, policy_id=policy.pk, on=date(2026, 1, 1)).number
        == 1
    )
    assert servicing_request_access_for_user(user=own, request_id=world["request"].pk)
    with pytest.raises(PolicyNotFound):
        policy_access_for_user(user=own, policy_id=world["other_policy"].pk)


@pytest.mark.parametrize("who", ["stranger", "anonymous", "no_role"])
def test_others_find_nothing(world, who):
    user = {
        "stranger": world["stranger"],
        "anonymous": AnonymousUser(),
        "no_role": make_user(None),
    }[who]

    with pytest.raises(PolicyNotFound):
        policy_access_for_user(user=user, policy_id=world["policy"].pk)
    with pytest.raises(ServicingNotFound):
        servicing_request_access_for_user(user=user, request_id=world["request"].pk)
    with pytest.raises(PolicyNotFound):
        policy_version_in_force_for_user(
            user=user, policy_id=world["policy"].pk, on=date(2026, 1, 1)
        )
    if who != "stranger":
        assert list(policies_for_user(user=user)) == []
    else:
        assert list(policies_for_user(user=user)) == [world["other_policy"]]


def test_applications_are_staff_work(world):
    application = Application.objects.get(policy=world["policy"])

    assert application_access_for_user(user=world["team"].broker, application_id=application.pk)
    for user in (world["own"], AnonymousUser()):
        with pytest.raises(ApplicationNotFound):
            application_access_for_user(user=user, application_id=application.pk)
