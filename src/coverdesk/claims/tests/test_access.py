"""Who reads what: staff holding claims.view_claim read every claim, incident and file; a
customer's portal user reads their own organisation's (by claim number too); anyone else finds
nothing (NotFound, so existence is not revealed)."""

from decimal import Decimal as D

import pytest
from django.contrib.auth.models import AnonymousUser

from coverdesk.accounts.tests.factories import make_user
from coverdesk.claims.access.claims import (
    claim_access_for_user,
    claim_by_number_for_user,
    claim_file_for_user,
    claims_for_user,
    incident_access_for_user,
    incidents_for_user,
)
from coverdesk.claims.exceptions import ClaimNotFound, FileNotFound, IncidentNotFound
from coverdesk.claims.models import ClaimFile
from coverdesk.claims.tests.claim_factories import jpeg, make_world, report
from coverdesk.policies.models import Aircraft
from coverdesk.policies.tests.policy_factories import (
    AVIATION,
    issue_policy,
    make_customer,
    make_portal_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


@pytest.fixture
def world():
    world = make_world(coverage_codes=(AVIATION,))
    other = make_customer(name="另一客户", credit_code="91110000100000000R")
    plane = Aircraft.objects.create(
        customer=other,
        model="AW139",
        registration_mark="B-7001",
        agreed_value=D("50000000.00"),
        purchase_year=2020,
        crew_seats=2,
        passenger_seats=8,
        ownership="owned",
    )
    other_policy = issue_policy(
        world.team.policies, other, coverage_codes=[AVIATION], aircraft=[plane]
    )
    mine = report(world, aircraft_ids=[world.fleet[0].pk], files=[jpeg()])
    world.other_portal = make_portal_user(other)
    world.other_policy = other_policy
    world.mine = mine
    world.theirs = report(world, policy_id=other_policy.pk, aircraft_ids=[plane.pk])
    return world


def test_staff_with_the_view_permission_read_every_claim_and_incident(world):
    adjuster = world.team.adjuster
    assert claim_access_for_user(user=adjuster, claim_id=world.theirs.pk) == world.theirs
    assert set(claims_for_user(user=adjuster)) == {world.mine, world.theirs}
    assert incident_access_for_user(user=adjuster, incident_id=world.theirs.incident_id)
    assert incidents_for_user(user=adjuster).count() == 2


def test_a_customer_reads_only_their_own_organisations_claims(world):
    portal = world.portal
    assert claim_access_for_user(user=portal, claim_id=world.mine.pk) == world.mine
    assert claim_by_number_for_user(user=portal, number=world.mine.number.lower()) == world.mine
    assert list(claims_for_user(user=portal)) == [world.mine]
    assert list(claims_for_user(user=portal, policy_number=world.policy.number)) == [world.mine]
    assert list(incidents_for_user(user=portal)) == [world.mine.incident]
    with pytest.raises(ClaimNotFound):
        claim_access_for_user(user=portal, claim_id=world.theirs.pk)
    with pytest.raises(ClaimNotFound):
        claim_by_number_for_user(user=portal, number=world.theirs.number)
    with pytest.raises(IncidentNotFound):
        incident_access_for_user(user=portal, incident_id=world.theirs.incident_id)


@pytest.mark.parametrize("who", ["anonymous", "broker", "inactive"])
def test_others_find_nothing(world, who):
    if who == "anonymous":
        user = AnonymousUser()
    elif who == "broker":
        user = make_user("broker")  # staff without claims.view_claim
    else:
        user = world.portal
        user.is_active = False
        user.save(update_fields=["is_active"])
    with pytest.raises(ClaimNotFound):
        claim_access_for_user(user=user, claim_id=world.mine.pk)
    assert claims_for_user(user=user).count() == 0
    assert incidents_for_user(user=user).count() == 0


def test_files_are_served_only_to_those_who_see_their_claim(world, media):
    stored = ClaimFile.objects.get(claim=world.mine)

    found, path = claim_file_for_user(user=world.portal, file_id=stored.pk)
    assert found == stored
    assert path == (media / stored.path).resolve()
    assert path.read_bytes().startswith(b"\xff\xd8\xff")
    with pytest.raises(FileNotFound):
        claim_file_for_user(user=world.other_portal, file_id=stored.pk)
    with pytest.raises(FileNotFound):
        claim_file_for_user(user=AnonymousUser(), file_id=stored.pk)
