"""First notice of loss: by hotline, portal and API (idempotent by the caller's report id), read
against the version in force on the day of loss, opening the incident and its 7×24 clocks; bad
input refused with nothing written."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection

from coverdesk.audit.models import AuditEntry
from coverdesk.claims.choices import ClaimStatus, ClockPurpose, IncidentStatus
from coverdesk.claims.exceptions import ClaimPermissionDenied
from coverdesk.claims.models import Claim, ClaimClock, ClaimFile, ClaimStatusChange, Incident
from coverdesk.claims.presentation import reporter_masked
from coverdesk.claims.services.reports import claim_report
from coverdesk.claims.tests.claim_factories import (
    LOSS_DAY,
    REPORT_AT,
    jpeg,
    make_claims_user,
    make_world,
    minutes,
    pdf,
    report,
)
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.notifications.models import Message
from coverdesk.policies.calculations import Change
from coverdesk.policies.exceptions import PolicyNotFound
from coverdesk.policies.models import Aircraft, PolicyVersion
from coverdesk.policies.selectors.policies import version_items
from coverdesk.policies.selectors.terms import coverages_of_items, person_item
from coverdesk.policies.services.policies import endorsement_apply
from coverdesk.policies.tests.policy_factories import (
    at,
    make_customer,
    make_person,
    make_portal_user,
)
from coverdesk.sla.models import SlaClock

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


def _counts():
    return (
        Claim.objects.count(),
        Incident.objects.count(),
        ClaimClock.objects.count(),
        ClaimFile.objects.count(),
        AuditEntry.objects.filter(action__startswith="claim").count(),
    )


def test_hotline_report_gets_a_number_the_version_in_force_and_a_history_row(world):
    claim = report(world)

    assert claim.number == "CL2026000001"
    assert claim.status == ClaimStatus.REPORTED
    assert claim.channel == "hotline"
    assert claim.customer == world.customer
    assert claim.policy_version == PolicyVersion.objects.get(policy=world.policy, number=1)
    assert claim.reported_by == world.team.agent
    history = ClaimStatusChange.objects.filter(claim=claim)
    assert list(history.values_list("action", "to_status")) == [("report", "reported")]
    assert AuditEntry.objects.filter(action="claim.report", subject_id=str(claim.pk)).count() == 1
    # the next report takes the next number
    assert report(world).number == "CL2026000002"


def test_reporter_contact_is_encrypted_searchable_and_masked(world):
    claim = report(world, reporter_email="Wang.Li@Example.cn")

    with connection.cursor() as cursor:
        cursor.execute("SELECT reporter_phone FROM claims_claim WHERE id = %s", [claim.pk])
        (stored,) = cursor.fetchone()
    assert stored.startswith("v1:") and "13812345678" not in stored
    assert Claim.objects.get(pk=claim.pk).reporter_phone == "13812345678"
    assert claim.reporter_phone_index is not None
    assert reporter_masked(claim) == {
        "name": "王机长",
        "phone": "138****5678",
        "email": "W******@example.cn",
    }
    audit = AuditEntry.objects.get(action="claim.report")
    assert "13812345678" not in str(audit.after)


def test_accident_report_opens_an_incident_with_its_three_7x24_clocks(world):
    claim = report(world, aircraft_ids=[world.fleet[0].pk])

    incident = claim.incident
    assert incident.number == "IN2026000001"
    assert incident.status == IncidentStatus.REPORTED
    assert incident.response_level == 4
    assert incident.major_event is False
    clocks = {
        row.purpose: SlaClock.objects.get(pk=row.clock_id)
        for row in ClaimClock.objects.filter(incident=incident)
    }
    assert {purpose: clock.due_at - REPORT_AT for purpose, clock in clocks.items()} == {
        ClockPurpose.CONTACT_REPORTER: minutes(15),
        ClockPurpose.RESOURCES_DISPATCHED: minutes(45),
        ClockPurpose.TEAM_DEPARTS: minutes(60),
    }
    assert all(clock.state == "running" for clock in clocks.values())
    assert list(claim.aircraft.all()) == [world.fleet[0]]


def test_level_two_opens_a_major_event_with_three_owned_clocks(world):
    claim = report(world, aircraft_ids=[world.fleet[0].pk], response_level=2)

    incident = claim.incident
    assert incident.major_event is True
    assert incident.major_event_at == REPORT_AT
    assert incident.team_owner == world.team.head
    assert incident.plan_owner == world.team.head
    assert incident.report_owner == world.team.policies.manager
    rows = {row.purpose: row for row in ClaimClock.objects.filter(incident=incident)}
    assert len(rows) == 6
    due = {p: SlaClock.objects.get(pk=rows[p].clock_id).due_at - REPORT_AT for p in rows}
    assert due[ClockPurpose.TEAM_FORMED] == minutes(30)
    assert due[ClockPurpose.RESPONSE_PLAN] == minutes(90)
    assert due[ClockPurpose.CUSTOMER_REPORT] == minutes(120)
    assert SlaClock.objects.get(pk=rows[ClockPurpose.TEAM_FORMED].clock_id).assignee == (
        world.team.head
    )
    # each owner is told
    assert Message.objects.filter(template="claims_major_event", channel="in_app").count() == 2


def test_a_report_without_aircraft_or_level_opens_no_incident(world):
    claim = report(world, person_ids=[world.crew[0].pk], description="飞行员体检不合格")

    assert claim.incident is None
    assert ClaimClock.objects.filter(claim=claim).count() == 0


def test_a_second_claim_joins_an_open_incident(world):
    first = report(world, aircraft_ids=[world.fleet[0].pk])
    second = report(world, incident_id=first.incident_id, person_ids=[world.crew[0].pk])

    assert second.incident_id == first.incident_id
    assert Incident.objects.count() == 1


def test_portal_report_by_the_customer_and_the_acknowledgement(world):
    claim = report(world, by=world.portal, channel="portal")

    assert claim.channel == "portal"
    assert claim.reported_by == world.portal
    message = Message.objects.get(template="claims_reported", channel="in_app")
    assert message.recipient == world.portal
    assert claim.number in message.body


def test_api_report_is_idempotent_by_the_callers_report_id(world):
    first = claim_report(
        policy_id=world.policy.pk,
        channel="api",
        source="command-centre",
        caller_report_id="CC-2026-0310-01",
        loss_at=LOSS_DAY,
        loss_place="白云机场",
        description="硬着陆",
        reporter_name="调度员",
        reporter_phone="020-12345678",
        aircraft_ids=[world.fleet[0].pk],
        acting_user=world.portal,
        now=REPORT_AT,
    )
    before = _counts()

    again = claim_report(
        policy_id=world.policy.pk,
        channel="api",
        source="command-centre",
        caller_report_id="CC-2026-0310-01",
        loss_at=LOSS_DAY,
        loss_place="另一个地点",
        description="重发",
        reporter_name="调度员",
        reporter_phone="020-12345678",
        acting_user=world.portal,
        now=REPORT_AT + minutes(3),
    )

    assert first.created is True
    assert again.created is False
    assert again.claim.pk == first.claim.pk
    assert _counts() == before
    assert Claim.objects.get(pk=first.claim.pk).loss_place == "白云机场"
    # another system may use the same id
    other = claim_report(
        policy_id=world.policy.pk,
        channel="api",
        source="flight-dispatch",
        caller_report_id="CC-2026-0310-01",
        loss_at=LOSS_DAY,
        loss_place="白云机场",
        description="硬着陆",
        reporter_name="调度员",
        reporter_phone="020-12345678",
        acting_user=world.portal,
        now=REPORT_AT,
    )
    assert other.created is True


def test_api_report_needs_the_callers_report_id(world):
    with pytest.raises(ValidationFailed) as error:
        report(world, channel="api", caller_report_id="")
    assert error.value.fields[0].field == "caller_report_id"
    assert Claim.objects.count() == 0


def test_loss_outside_the_period_is_reported_without_a_version(world):
    claim = report(world, loss_at=at(2026, 12, 22, 8), now=at(2026, 12, 22, 9))

    assert claim.policy_version is None
    message = Message.objects.get(template="claims_reported", channel="in_app")
    assert message.context["in_force"] is False
    inside = report(world)
    assert inside.policy_version is not None
    assert Message.objects.filter(template="claims_reported", context__in_force=True).exists()


def test_estimate_and_exposures_at_report_build_the_checklist(world):
    claim = report(
        world,
        exposures=[{"coverage": "hull_all_risks", "loss_type": "hull_partial"}],
        estimated_amount="850000.00",
    )

    assert claim.estimated_amount == D("850000.00")
    assert claim.green_channel is False
    assert list(claim.materials.values_list("code", flat=True)) == [
        "claim_form",
        "accident_report",
        "loss_photos",
        "flight_log",
        "crew_licences",
        "repair_quote",
        "repair_invoices",
        "investigation_report",
    ]
    assert claim.materials_state == "incomplete"


def test_files_sent_with_the_report_are_kept_outside_the_web_root(world, media):
    claim = report(world, files=[jpeg("现场.jpg"), pdf("report.pdf")])

    files = list(ClaimFile.objects.filter(claim=claim).order_by("id"))
    assert [(f.original_name, f.content_type, f.purpose) for f in files] == [
        ("现场.jpg", "image/jpeg", "report"),
        ("report.pdf", "application/pdf", "report"),
    ]
    for stored in files:
        path = media / stored.path
        assert path.is_file()
        assert path.name != stored.original_name
        assert str(path).startswith(str(media))


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [
        ({"loss_at": at(2026, 3, 10, 10, 5)}, "loss_at", "future"),
        ({"loss_place": "  "}, "loss_place", "required"),
        ({"description": ""}, "description", "required"),
        ({"reporter_name": ""}, "reporter_name", "required"),
        ({"reporter_phone": ""}, "reporter_phone", "required"),
        ({"reporter_phone": "12345"}, "reporter_phone", "mobile_format"),
        ({"channel": "fax"}, "channel", "choice"),
        ({"channel": "portal"}, "channel", "not_allowed"),
        ({"response_level": 5}, "response_level", "choice"),
        ({"estimated_amount": "-1.00"}, "estimated_amount", "min_value"),
        (
            {"exposures": [{"coverage": "hull_all_risks", "loss_type": "accidental_death"}]},
            "exposures[0].loss_type",
            "loss_type_not_for_coverage",
        ),
        (
            {"exposures": [{"coverage": "no_such_cover", "loss_type": "hull_partial"}]},
            "exposures[0].coverage",
            "not_covered",
        ),
        ({"files": [pdf("virus.exe")]}, "files", "file_type"),
        ({"files": [pdf("fake.pdf", data=b"MZ\x90\x00 not a pdf")]}, "files", "file_content"),
        ({"files": [pdf("empty.pdf", data=b"")]}, "files", "empty"),
    ],
)
def test_bad_report_is_refused_naming_field_and_rule_and_writes_nothing(
    world, media, overrides, field, rule
):
    before = _counts()

    with pytest.raises(ValidationFailed) as error:
        report(world, **overrides)

    assert (error.value.fields[0].field, error.value.fields[0].rule) == (field, rule)
    assert _counts() == before
    assert not media.exists() or not any(media.rglob("*.*"))


def test_too_large_an_upload_is_refused(world, media, settings):
    settings.COVERDESK_CLAIM_UPLOAD_MAX_BYTES = 100
    with pytest.raises(ValidationFailed) as error:
        report(world, files=[pdf("big.pdf", data=b"%PDF-" + b"0" * 200)])
    assert error.value.fields[0].rule == "max_size"
    assert "big.pdf" in error.value.message
    assert Claim.objects.count() == 0


def test_aircraft_of_another_customer_is_refused(world):
    other = make_customer(name="另一客户", credit_code="91110000100000000R")
    theirs = Aircraft.objects.create(
        customer=other,
        model="AW139",
        registration_mark="B-7999",
        agreed_value=D("1.00"),
        purchase_year=2020,
        crew_seats=2,
        passenger_seats=8,
        ownership="owned",
    )
    with pytest.raises(ValidationFailed) as error:
        report(world, aircraft_ids=[theirs.pk])
    assert error.value.fields[0].field == "aircraft_ids"
    assert Claim.objects.count() == 0


def test_customer_cannot_report_on_another_customers_policy(world):
    other = make_customer(name="另一客户", credit_code="91110000100000000R")
    stranger = make_portal_user(other)

    with pytest.raises(PolicyNotFound):
        report(world, by=stranger, channel="portal")
    assert Claim.objects.count() == 0


def test_staff_without_the_report_permission_is_refused(world):
    surveyor = make_claims_user("surveyor")
    with pytest.raises(ClaimPermissionDenied):
        report(world, by=surveyor)
    assert _counts() == (0, 0, 0, 0, 0)


def test_loss_on_the_day_an_endorsement_took_effect_reads_that_version(world):
    base = version_items(PolicyVersion.objects.get(policy=world.policy, number=1))
    coverages = coverages_of_items(product_version=world.policy.product_version, items=base)
    newcomer = make_person(world.customer, "新机长", "pilot", 77)
    endorsement_apply(
        policy_id=world.policy.pk,
        kind="add_persons",
        effective_on=date(2026, 3, 10),
        changes=[Change("add", f"person:{newcomer.pk}", person_item(newcomer, coverages))],
        acting_user=world.team.policies.clerk,
        now=at(2026, 3, 2, 10),
    )

    claim = report(world, person_ids=[newcomer.pk])

    assert claim.policy_version.number == 2
    assert claim.policy_version.effective_from == date(2026, 3, 10)
    day_before = report(world, loss_at=at(2026, 3, 9, 23, 59))
    assert day_before.policy_version.number == 1
