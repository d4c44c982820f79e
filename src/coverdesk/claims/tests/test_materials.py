"""Materials and registration: the checklist from the catalogue per coverage and loss type (the
reduced list in the green channel), the first materials starting the legal clocks, one notice of
everything missing with the clocks waiting for the customer, a second request only with a
reason, complete materials resuming the clocks and starting registration, registration only
with complete materials, and the handler who follows the claim."""

from datetime import timedelta
from decimal import Decimal as D

import pytest

from coverdesk.audit.models import AuditEntry
from coverdesk.claims.choices import ClaimStatus, ClockPurpose, MaterialsState
from coverdesk.claims.exceptions import ClaimNotFound, MaterialsIncomplete
from coverdesk.claims.models import (
    Claim,
    ClaimClock,
    ClaimFile,
    ClaimMaterial,
    HandlerAssignment,
    MaterialRequest,
)
from coverdesk.claims.selectors.claims import (
    claim_clocks,
    claim_materials_missing,
    claim_progress,
)
from coverdesk.claims.services.handling import (
    claim_exposures_set,
    claim_handler_assign,
    claim_register,
)
from coverdesk.claims.services.materials import (
    NothingMissing,
    material_receive,
    material_reject,
    material_request_send,
)
from coverdesk.claims.tests.claim_factories import (
    HULL_PARTIAL,
    REPORT_AT,
    jpeg,
    make_world,
    pdf,
    report,
)
from coverdesk.claims.transitions import TransitionNotAllowed
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.notifications.models import Message
from coverdesk.policies.tests.policy_factories import at, make_customer, make_portal_user
from coverdesk.sla.models import SlaClock

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)
HULL_REQUIRED = [
    "claim_form",
    "accident_report",
    "loss_photos",
    "flight_log",
    "crew_licences",
    "repair_quote",
    "repair_invoices",
]


@pytest.fixture
def world():
    return make_world()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


@pytest.fixture
def claim(world):
    """A hull claim with its handler and checklist, nothing received yet."""
    claim = report(world, handler_id=world.team.adjuster.pk)
    return claim_exposures_set(
        claim_id=claim.pk,
        exposures=HULL_PARTIAL,
        estimated_amount="850000.00",
        acting_user=world.team.adjuster,
        now=REPORT_AT + HOUR,
    )


def _clock(claim, purpose):
    row = ClaimClock.objects.filter(claim=claim, purpose=purpose).latest("id")
    return SlaClock.objects.get(pk=row.clock_id)


def _receive(world, claim, codes, at_moment):
    for code in codes:
        material_receive(
            claim_id=claim.pk,
            code=code,
            files=[pdf(f"{code}.pdf")],
            acting_user=world.team.adjuster,
            now=at_moment,
        )


def test_the_checklist_comes_from_the_catalogue_for_each_coverage_and_loss_type(world, claim):
    claim_exposures_set(
        claim_id=claim.pk,
        exposures=[
            *HULL_PARTIAL,
            {"coverage": "third_party_liability", "loss_type": "third_party_property"},
        ],
        acting_user=world.team.adjuster,
        now=REPORT_AT + HOUR,
    )

    rows = list(ClaimMaterial.objects.filter(claim=claim).order_by("position"))
    assert [row.code for row in rows] == [
        *HULL_REQUIRED,
        "investigation_report",
        "claimant_claim",
        "property_loss_proof",
        "restoration_invoices",
        "settlement_document",
    ]
    assert [row.code for row in rows if not row.required] == ["investigation_report"]
    assert rows[-1].coverage_code == "third_party_liability"
    claim.refresh_from_db()
    assert claim.materials_state == MaterialsState.INCOMPLETE
    assert claim.green_channel is False


def test_a_small_claim_without_injury_takes_the_green_channel_with_the_reduced_list(world):
    claim = report(world)
    claim_exposures_set(
        claim_id=claim.pk,
        exposures=[{"coverage": "hull_all_risks", "loss_type": "spare_parts"}],
        estimated_amount="60000.00",
        acting_user=world.team.adjuster,
        now=REPORT_AT + HOUR,
    )

    claim.refresh_from_db()
    assert (claim.green_channel, claim.complexity) == (True, "simple")
    assert list(claim.materials.values_list("code", flat=True)) == [
        "claim_form",
        "accident_report",
        "loss_photos",
        "parts_inventory",
    ]
    acceptance = _clock(claim, ClockPurpose.GREEN_ACCEPTANCE)
    assert acceptance.standard_version.standard.code == "claims_bid.green_channel.acceptance"
    assert acceptance.state == "running"


def test_an_injury_keeps_a_small_claim_out_of_the_green_channel(world):
    claim = report(world, person_ids=[world.crew[0].pk])
    claim_exposures_set(
        claim_id=claim.pk,
        exposures=[{"coverage": "group_accident", "loss_type": "medical_expenses"}],
        estimated_amount="8000.00",
        acting_user=world.team.adjuster,
        now=REPORT_AT + HOUR,
    )
    claim.refresh_from_db()
    assert claim.green_channel is False
    assert not ClaimClock.objects.filter(claim=claim, purpose="green_acceptance").exists()


def test_first_materials_start_the_legal_decision_and_notice_clocks(world, claim, media):
    moment = REPORT_AT + 2 * HOUR
    material_receive(
        claim_id=claim.pk,
        code="claim_form",
        files=[pdf("索赔申请书.pdf")],
        acting_user=world.team.adjuster,
        now=moment,
    )

    claim.refresh_from_db()
    assert claim.materials_first_received_at == moment
    decision = _clock(claim, ClockPurpose.DECISION)
    assert decision.standard_version.standard.code == "law.insurance_23.decision"
    assert decision.state == "running"
    notice = _clock(claim, ClockPurpose.MISSING_MATERIALS_NOTICE)
    assert notice.standard_version.standard.code == "law.insurance_22.missing_materials_notice"
    stored = ClaimFile.objects.get(claim=claim)
    assert (stored.purpose, stored.material.code, stored.original_name) == (
        "material",
        "claim_form",
        "索赔申请书.pdf",
    )
    assert (media / stored.path).read_bytes().startswith(b"%PDF-")


def test_one_notice_lists_everything_missing_and_the_clocks_wait(world, claim):
    _receive(world, claim, ["claim_form", "accident_report"], REPORT_AT + 2 * HOUR)
    sent_at = REPORT_AT + 3 * HOUR

    request = material_request_send(claim_id=claim.pk, acting_user=world.team.adjuster, now=sent_at)

    assert request.sequence == 1
    assert [item["code"] for item in request.items] == HULL_REQUIRED[2:]
    claim.refresh_from_db()
    assert (claim.materials_state, claim.waiting_since) == (MaterialsState.WAITING, sent_at)
    assert _clock(claim, ClockPurpose.DECISION).state == "paused"
    assert (_clock(claim, ClockPurpose.MISSING_MATERIALS_NOTICE).met) is True
    messages = Message.objects.filter(template="claims_materials_missing", channel="in_app")
    assert {m.recipient for m in messages} == {world.portal, world.team.adjuster}
    message = messages.get(recipient=world.portal)
    chinese = message.language.startswith("zh")
    listed = [item["name"] if chinese else item["name_en"] for item in request.items]
    assert all(f"- {name}" in message.body for name in listed)
    received = "索赔申请书" if chinese else "Claim form"
    assert received not in message.body


def test_complete_materials_resume_the_clocks_and_registration_is_due(world, claim):
    _receive(world, claim, ["claim_form"], REPORT_AT + 2 * HOUR)
    decision = _clock(claim, ClockPurpose.DECISION)
    due_before = decision.due_at
    material_request_send(
        claim_id=claim.pk, acting_user=world.team.adjuster, now=REPORT_AT + 3 * HOUR
    )
    complete_at = at(2026, 3, 13, 11)  # three days later, Friday

    _receive(world, claim, HULL_REQUIRED[1:], complete_at)

    claim.refresh_from_db()
    assert claim.materials_state == MaterialsState.COMPLETE
    assert claim.materials_complete_at == complete_at
    assert claim.waiting_since is None
    decision.refresh_from_db()
    assert decision.state == "running"
    # the days the customer took do not count against the 30 days
    assert decision.due_at > due_before
    registration = _clock(claim, ClockPurpose.REGISTRATION)
    assert registration.standard_version.standard.code == "claims.registration"
    assert registration.started_at == complete_at
    assert MaterialRequest.objects.get(claim=claim).completed_at == complete_at
    assert Message.objects.filter(template="claims_materials_complete").exists()


def test_a_second_request_needs_its_reason(world, claim):
    material_request_send(claim_id=claim.pk, acting_user=world.team.adjuster, now=REPORT_AT)

    with pytest.raises(ValidationFailed) as error:
        material_request_send(claim_id=claim.pk, acting_user=world.team.adjuster, now=REPORT_AT)
    assert (error.value.fields[0].field, error.value.fields[0].rule) == ("reason", "required")
    assert MaterialRequest.objects.filter(claim=claim).count() == 1

    second = material_request_send(
        claim_id=claim.pk,
        reason="民航调查报告指出发动机受损，需补充发动机检测报告",
        acting_user=world.team.adjuster,
        now=REPORT_AT + HOUR,
    )
    assert (second.sequence, second.reason[:4]) == (2, "民航调查")


def test_nothing_to_ask_when_nothing_is_missing(world, claim):
    _receive(world, claim, HULL_REQUIRED, REPORT_AT + HOUR)
    with pytest.raises(NothingMissing):
        material_request_send(claim_id=claim.pk, acting_user=world.team.adjuster)
    assert MaterialRequest.objects.count() == 0


def test_the_customer_uploads_their_own_materials(world, claim):
    material_receive(
        claim_id=claim.pk,
        code="loss_photos",
        files=[jpeg("尾桨.jpg"), jpeg("机腹.jpg")],
        acting_user=world.portal,
        now=REPORT_AT + HOUR,
    )
    row = ClaimMaterial.objects.get(claim=claim, code="loss_photos")
    assert (row.status, row.received_by) == ("received", world.portal)
    assert row.files.count() == 2

    with pytest.raises(ValidationFailed) as error:
        material_receive(claim_id=claim.pk, code="flight_log", acting_user=world.portal)
    assert error.value.fields[0].rule == "required"


def test_another_customer_cannot_upload_to_the_claim(world, claim, media):
    stranger = make_portal_user(make_customer(name="另一客户", credit_code="91110000100000000R"))
    with pytest.raises(ClaimNotFound):
        material_receive(claim_id=claim.pk, code="claim_form", files=[pdf()], acting_user=stranger)
    assert ClaimFile.objects.count() == 0
    assert not any(media.rglob("*.pdf"))
    assert ClaimMaterial.objects.get(claim=claim, code="claim_form").status == "missing"


@pytest.mark.parametrize(
    ("upload", "rule"),
    [
        (pdf("macro.docm"), "file_type"),
        (pdf("photo.png", data=b"%PDF-1.7 not a png"), "file_content"),
    ],
)
def test_a_bad_upload_changes_nothing(world, claim, media, upload, rule):
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as error:
        material_receive(
            claim_id=claim.pk, code="loss_photos", files=[upload], acting_user=world.team.adjuster
        )
    assert (error.value.fields[0].field, error.value.fields[0].rule) == ("files", rule)
    assert ClaimMaterial.objects.get(claim=claim, code="loss_photos").status == "missing"
    assert ClaimFile.objects.count() == 0
    assert AuditEntry.objects.count() == before
    assert not media.exists() or not any(media.rglob("*.*"))


def test_a_failure_after_writing_the_file_removes_it(world, claim, media, monkeypatch):
    from coverdesk.claims.services import materials

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(materials, "audit_record", broken)
    with pytest.raises(RuntimeError):
        material_receive(
            claim_id=claim.pk, code="claim_form", files=[pdf()], acting_user=world.team.adjuster
        )
    assert ClaimFile.objects.count() == 0
    assert not any(media.rglob("*.pdf"))


def test_a_refused_material_is_missing_again(world, claim):
    _receive(world, claim, HULL_REQUIRED, REPORT_AT + HOUR)
    claim.refresh_from_db()
    assert claim.materials_state == MaterialsState.COMPLETE

    material_reject(
        claim_id=claim.pk,
        code="repair_invoices",
        reason="发票未盖章",
        acting_user=world.team.adjuster,
        now=REPORT_AT + 2 * HOUR,
    )

    claim.refresh_from_db()
    assert claim.materials_state == MaterialsState.INCOMPLETE
    assert [row.code for row in claim_materials_missing(claim=claim)] == ["repair_invoices"]
    assert ClaimMaterial.objects.get(claim=claim, code="repair_invoices").note == "发票未盖章"


def test_registration_needs_complete_materials(world, claim):
    with pytest.raises(MaterialsIncomplete) as error:
        claim_register(claim_id=claim.pk, acting_user=world.team.adjuster)
    assert "flight_log" in error.value.message
    claim.refresh_from_db()
    assert (claim.status, claim.registered_at) == (ClaimStatus.REPORTED, None)


def test_registration_stops_its_clock_and_starts_adjudication_by_complexity(world, claim):
    complete_at = at(2026, 3, 11, 10)
    _receive(world, claim, HULL_REQUIRED, complete_at)

    claim_register(
        claim_id=claim.pk,
        complexity="complex",
        acting_user=world.team.adjuster,
        now=complete_at + 2 * HOUR,
    )

    claim.refresh_from_db()
    assert (claim.status, claim.complexity) == (ClaimStatus.REGISTERED, "complex")
    assert claim.registered_at == complete_at + 2 * HOUR
    registration = _clock(claim, ClockPurpose.REGISTRATION)
    assert (registration.state, registration.met) == ("met", True)
    adjudication = _clock(claim, ClockPurpose.ADJUDICATION)
    assert adjudication.standard_version.standard.code == "claims.adjudication.complex"
    assert adjudication.assignee == world.team.adjuster
    assert Message.objects.filter(template="claims_registered", recipient=world.portal).exists()
    with pytest.raises(TransitionNotAllowed):
        claim_register(claim_id=claim.pk, acting_user=world.team.adjuster)


def test_a_green_channel_claim_registers_into_survey_and_assessment(world):
    claim = report(world)
    claim_exposures_set(
        claim_id=claim.pk,
        exposures=[{"coverage": "hull_all_risks", "loss_type": "spare_parts"}],
        estimated_amount="60000.00",
        acting_user=world.team.adjuster,
        now=REPORT_AT,
    )
    _receive(
        world,
        claim,
        ["claim_form", "accident_report", "loss_photos", "parts_inventory"],
        REPORT_AT + HOUR,
    )
    with pytest.raises(ValidationFailed):
        claim_register(claim_id=claim.pk, complexity="general", acting_user=world.team.adjuster)

    claim_register(claim_id=claim.pk, acting_user=world.team.adjuster, now=REPORT_AT + 2 * HOUR)

    claim.refresh_from_db()
    assert claim.handler == world.team.adjuster  # the registering handler takes it
    assert _clock(claim, ClockPurpose.GREEN_ACCEPTANCE).met is True
    survey = _clock(claim, ClockPurpose.GREEN_SURVEY_ASSESSMENT)
    assert survey.standard_version.standard.code == "claims_bid.green_channel.survey_assessment"
    assert not ClaimClock.objects.filter(claim=claim, purpose="adjudication").exists()


def test_reassigning_the_handler_needs_a_reason_and_moves_the_clocks(world, claim):
    _receive(world, claim, ["claim_form"], REPORT_AT + HOUR)
    with pytest.raises(ValidationFailed) as error:
        claim_handler_assign(
            claim_id=claim.pk, handler_id=world.team.adjuster2.pk, acting_user=world.team.head
        )
    assert error.value.fields[0].field == "reason"

    claim_handler_assign(
        claim_id=claim.pk,
        handler_id=world.team.adjuster2.pk,
        reason="原理赔员休假",
        acting_user=world.team.head,
        now=REPORT_AT + 2 * HOUR,
    )

    claim.refresh_from_db()
    assert claim.handler == world.team.adjuster2
    history = list(HandlerAssignment.objects.filter(claim=claim).order_by("id"))
    assert [(a.handler, a.ended_at) for a in history] == [
        (world.team.adjuster, REPORT_AT + 2 * HOUR),
        (world.team.adjuster2, None),
    ]
    assert history[1].reason == "原理赔员休假"
    assert _clock(claim, ClockPurpose.DECISION).assignee == world.team.adjuster2


def test_a_surveyor_is_no_handler(world, claim):
    with pytest.raises(ValidationFailed) as error:
        claim_handler_assign(
            claim_id=claim.pk,
            handler_id=world.team.surveyor.pk,
            reason="x",
            acting_user=world.team.head,
        )
    assert error.value.fields[0].rule == "not_handler"
    assert Claim.objects.get(pk=claim.pk).handler == world.team.adjuster


def test_progress_and_clocks_are_readable_for_the_claim(world, claim):
    _receive(world, claim, HULL_REQUIRED, REPORT_AT + HOUR)
    views = {view.purpose: view.state for view in claim_clocks(claim=claim)}
    # received one by one: the notice was owed after the first and met by completion
    assert views == {
        "decision": "running",
        "missing_materials_notice": "met",
        "registration": "running",
    }
    progress = {node.node: node.at for node in claim_progress(claim=Claim.objects.get(pk=claim.pk))}
    assert progress["reported"] == REPORT_AT
    assert progress["materials_complete"] == REPORT_AT + HOUR
    assert progress["registered"] is None
    assert Claim.objects.get(pk=claim.pk).estimated_amount == D("850000.00")
