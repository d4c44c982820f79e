"""Accident response: contact, dispatch and departure stop their 7×24 clocks (met in time,
breached late); the first dispatch sends a handler, who takes the incident's claims; raising the
level opens a major event whose steps stop their owners' clocks; the dispatch board shows what
is due next; steps out of order are refused with nothing changed."""

import pytest

from coverdesk.audit.models import AuditEntry
from coverdesk.claims.choices import ClockPurpose, IncidentStatus
from coverdesk.claims.exceptions import ClaimPermissionDenied, StepAlreadyRecorded
from coverdesk.claims.models import ClaimClock, HandlerAssignment, Incident, IncidentDispatch
from coverdesk.claims.selectors.incidents import dispatch_board, incident_clocks
from coverdesk.claims.services.incidents import (
    incident_close,
    incident_contact_record,
    incident_depart,
    incident_dispatch,
    incident_level_set,
    major_event_step_record,
)
from coverdesk.claims.tests.claim_factories import REPORT_AT, make_world, minutes, report
from coverdesk.claims.transitions import TransitionNotAllowed
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.notifications.models import Message
from coverdesk.sla.models import SlaClock

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def claim(world):
    return report(world, aircraft_ids=[world.fleet[0].pk])


def _clock(incident, purpose):
    row = ClaimClock.objects.get(incident=incident, purpose=purpose)
    return SlaClock.objects.get(pk=row.clock_id)


def _resources(world):
    return [
        {"kind": "handler", "person_id": world.team.adjuster.pk},
        {"kind": "expert", "person_id": world.team.surveyor.pk},
        {"kind": "vehicle", "description": "粤A·12345 查勘车"},
        {"kind": "equipment", "description": "无人机及测量设备"},
    ]


def test_contact_dispatch_and_departure_in_time_meet_their_clocks(world, claim):
    incident = claim.incident
    adjuster = world.team.adjuster

    incident_contact_record(
        incident_id=incident.pk,
        note="报案人确认：硬着陆，无人受伤，机体尾部受损。",
        acting_user=adjuster,
        now=REPORT_AT + minutes(12),
    )
    incident_dispatch(
        incident_id=incident.pk,
        resources=_resources(world),
        acting_user=adjuster,
        now=REPORT_AT + minutes(40),
    )
    incident_depart(
        incident_id=incident.pk,
        note="两车出发",
        acting_user=adjuster,
        now=REPORT_AT + minutes(58),
    )

    incident.refresh_from_db()
    assert incident.status == IncidentStatus.DEPARTED
    assert incident.contacted_at == REPORT_AT + minutes(12)
    assert incident.dispatched_at == REPORT_AT + minutes(40)
    assert incident.departed_at == REPORT_AT + minutes(58)
    for purpose in (
        ClockPurpose.CONTACT_REPORTER,
        ClockPurpose.RESOURCES_DISPATCHED,
        ClockPurpose.TEAM_DEPARTS,
    ):
        clock = _clock(incident, purpose)
        assert (clock.state, clock.met) == ("met", True)
    assert list(
        IncidentDispatch.objects.filter(incident=incident).values_list("kind", flat=True)
    ) == ["handler", "expert", "vehicle", "equipment"]
    # the dispatched handler takes the incident's claim, recorded
    claim.refresh_from_db()
    assert claim.handler == adjuster
    assert HandlerAssignment.objects.filter(claim=claim, handler=adjuster).count() == 1
    assert Message.objects.filter(template="claims_dispatched").count() == 2
    assert [
        e.action for e in AuditEntry.objects.filter(action__startswith="incident.").order_by("id")
    ] == ["incident.report", "incident.contact", "incident.dispatch", "incident.depart"]


def test_a_late_contact_breaches_its_clock(world, claim):
    incident_contact_record(
        incident_id=claim.incident_id,
        note="电话未接通，20 分钟后联系上",
        acting_user=world.team.adjuster,
        now=REPORT_AT + minutes(20),
    )
    clock = _clock(claim.incident, ClockPurpose.CONTACT_REPORTER)
    assert (clock.state, clock.met) == ("breached", False)


def test_the_first_dispatch_must_send_a_handler(world, claim):
    incident_contact_record(
        incident_id=claim.incident_id, note="ok", acting_user=world.team.adjuster, now=REPORT_AT
    )
    with pytest.raises(ValidationFailed) as error:
        incident_dispatch(
            incident_id=claim.incident_id,
            resources=[{"kind": "vehicle", "description": "查勘车"}],
            acting_user=world.team.adjuster,
            now=REPORT_AT + minutes(5),
        )
    assert error.value.fields[0].rule == "handler_required"
    assert IncidentDispatch.objects.count() == 0
    assert _clock(claim.incident, ClockPurpose.RESOURCES_DISPATCHED).state == "running"


@pytest.mark.parametrize(
    ("resource", "field", "rule"),
    [
        ({"kind": "boat"}, "resources[0].kind", "choice"),
        ({"kind": "handler"}, "resources[0].person_id", "unknown_user"),
        ({"kind": "vehicle", "description": ""}, "resources[0].description", "required"),
    ],
)
def test_bad_resources_are_refused(world, claim, resource, field, rule):
    incident_contact_record(
        incident_id=claim.incident_id, note="ok", acting_user=world.team.adjuster, now=REPORT_AT
    )
    with pytest.raises(ValidationFailed) as error:
        incident_dispatch(
            incident_id=claim.incident_id,
            resources=[resource],
            acting_user=world.team.adjuster,
            now=REPORT_AT,
        )
    assert (error.value.fields[0].field, error.value.fields[0].rule) == (field, rule)
    assert Incident.objects.get(pk=claim.incident_id).status == IncidentStatus.CONTACTED


def test_a_surveyor_cannot_be_dispatched_as_handler(world, claim):
    incident_contact_record(
        incident_id=claim.incident_id, note="ok", acting_user=world.team.adjuster, now=REPORT_AT
    )
    with pytest.raises(ValidationFailed) as error:
        incident_dispatch(
            incident_id=claim.incident_id,
            resources=[{"kind": "handler", "person_id": world.team.surveyor.pk}],
            acting_user=world.team.adjuster,
            now=REPORT_AT,
        )
    assert error.value.fields[0].rule == "not_handler"


def test_departure_before_dispatch_is_refused_and_changes_nothing(world, claim):
    before = AuditEntry.objects.count()
    with pytest.raises(TransitionNotAllowed):
        incident_depart(incident_id=claim.incident_id, acting_user=world.team.adjuster)
    incident = Incident.objects.get(pk=claim.incident_id)
    assert incident.status == IncidentStatus.REPORTED
    assert incident.departed_at is None
    assert AuditEntry.objects.count() == before
    assert _clock(incident, ClockPurpose.TEAM_DEPARTS).state == "running"


def test_someone_without_the_handle_permission_cannot_record_contact(world, claim):
    with pytest.raises(ClaimPermissionDenied):
        incident_contact_record(
            incident_id=claim.incident_id, note="x", acting_user=world.team.agent, now=REPORT_AT
        )
    assert Incident.objects.get(pk=claim.incident_id).contacted_at is None


def test_raising_the_level_opens_the_major_event_from_then(world, claim):
    later = REPORT_AT + minutes(20)
    incident_level_set(
        incident_id=claim.incident_id,
        level=2,
        reason="机上人员受伤，需送医",
        acting_user=world.team.adjuster,
        now=later,
    )

    incident = Incident.objects.get(pk=claim.incident_id)
    assert (incident.response_level, incident.major_event, incident.major_event_at) == (
        2,
        True,
        later,
    )
    assert _clock(incident, ClockPurpose.TEAM_FORMED).due_at == later + minutes(30)
    # lowering keeps the major event open
    incident_level_set(
        incident_id=incident.pk,
        level=3,
        reason="伤者情况稳定",
        acting_user=world.team.adjuster,
        now=later + minutes(5),
    )
    incident.refresh_from_db()
    assert (incident.response_level, incident.major_event) == (3, True)
    assert ClaimClock.objects.filter(incident=incident, purpose="team_formed").count() == 1


def test_major_event_steps_stop_their_clocks_and_the_report_reaches_the_customer(world):
    claim = report(world, aircraft_ids=[world.fleet[0].pk], response_level=1)
    incident = claim.incident
    head = world.team.head

    for step, text, at in (
        ("team_formed", "组长：理赔部负责人；成员：理赔员、技术专家", REPORT_AT + minutes(25)),
        ("response_plan", "现场保护、残骸评估、家属联络", REPORT_AT + minutes(85)),
        ("customer_report", "已到达现场，机体严重受损，正在评估。", REPORT_AT + minutes(125)),
    ):
        major_event_step_record(
            incident_id=incident.pk, step=step, text=text, acting_user=head, now=at
        )

    incident.refresh_from_db()
    assert incident.team_note.startswith("组长")
    assert incident.response_plan.startswith("现场保护")
    states = {
        view.purpose: (view.state, view.met)
        for view in incident_clocks(incident=incident)
        if view.purpose in ("team_formed", "response_plan", "customer_report")
    }
    assert states == {
        "team_formed": ("met", True),
        "response_plan": ("met", True),
        "customer_report": ("breached", False),
    }
    message = Message.objects.get(template="claims_incident_report", channel="in_app")
    assert message.recipient == world.portal
    assert "正在评估" in message.body
    with pytest.raises(StepAlreadyRecorded):
        major_event_step_record(
            incident_id=incident.pk, step="team_formed", text="again", acting_user=head
        )


def test_no_major_event_steps_below_level_two(world, claim):
    with pytest.raises(TransitionNotAllowed):
        major_event_step_record(
            incident_id=claim.incident_id,
            step="team_formed",
            text="x",
            acting_user=world.team.head,
        )
    assert Incident.objects.get(pk=claim.incident_id).team_formed_at is None


def test_closing_cancels_the_clocks_still_open(world, claim):
    incident_close(
        incident_id=claim.incident_id,
        note="误报：地面滑行轻微擦碰，无需出动",
        acting_user=world.team.adjuster,
        now=REPORT_AT + minutes(10),
    )
    incident = Incident.objects.get(pk=claim.incident_id)
    assert incident.status == IncidentStatus.CLOSED
    assert {view.state for view in incident_clocks(incident=incident)} == {"cancelled"}


def test_dispatch_board_lists_open_incidents_by_severity_with_the_next_deadline(
    world, django_assert_max_num_queries
):
    minor = report(world, aircraft_ids=[world.fleet[0].pk]).incident
    major = report(world, aircraft_ids=[world.fleet[1].pk], response_level=2).incident
    incident_contact_record(
        incident_id=minor.pk, note="ok", acting_user=world.team.adjuster, now=REPORT_AT
    )
    closed = report(world, aircraft_ids=[world.fleet[2].pk]).incident
    incident_close(incident_id=closed.pk, note="误报", acting_user=world.team.adjuster)

    with django_assert_max_num_queries(4):
        board = dispatch_board()

    assert [row.incident.pk for row in board] == [major.pk, minor.pk]
    assert (board[0].next_purpose, board[0].next_due_at) == (
        "contact_reporter",
        REPORT_AT + minutes(15),
    )
    assert (board[1].next_purpose, board[1].next_due_at) == (
        "resources_dispatched",
        REPORT_AT + minutes(45),
    )
