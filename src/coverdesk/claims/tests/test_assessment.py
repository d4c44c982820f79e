"""Survey and loss assessment: a surveyor assigned and the site visit recorded with photos; loss
items with amounts; reserves per coverage with every change kept, applied within the asker's
authority and referred above it (maker-checker); the claims authority limits."""

from datetime import timedelta
from decimal import Decimal as D

import pytest

from coverdesk.audit.models import AuditEntry
from coverdesk.claims.exceptions import AuthorityExceeded, ClaimPermissionDenied
from coverdesk.claims.models import (
    ClaimAuthorityLimit,
    ClaimFile,
    LossItem,
    Reserve,
    ReserveChange,
    Survey,
)
from coverdesk.claims.services.assessment import (
    OwnReferral,
    ReferralPending,
    claim_authority_limit_set,
    loss_item_add,
    loss_item_remove,
    reserve_change_decide,
    reserve_set,
    survey_assign,
    survey_record,
)
from coverdesk.claims.services.handling import claim_exposures_set
from coverdesk.claims.tests.claim_factories import (
    HULL_PARTIAL,
    REPORT_AT,
    grant,
    jpeg,
    make_claims_user,
    make_world,
    report,
)
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.notifications.models import Message

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


@pytest.fixture
def world():
    return make_world()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


@pytest.fixture
def claim(world):
    claim = report(world, aircraft_ids=[world.fleet[0].pk], handler_id=world.team.adjuster.pk)
    return claim_exposures_set(
        claim_id=claim.pk,
        exposures=HULL_PARTIAL,
        estimated_amount="850000.00",
        acting_user=world.team.adjuster,
        now=REPORT_AT,
    )


def test_survey_assigned_and_recorded_with_photos(world, claim, media):
    survey = survey_assign(
        claim_id=claim.pk,
        surveyor_id=world.team.surveyor.pk,
        instructions="重点查看尾桨及尾梁",
        acting_user=world.team.adjuster,
        now=REPORT_AT + HOUR,
    )
    assert Message.objects.filter(
        template="claims_survey_assigned", recipient=world.team.surveyor
    ).exists()

    survey_record(
        survey_id=survey.pk,
        visited_at=REPORT_AT + 3 * HOUR,
        site="白云机场北侧停机坪",
        findings="尾桨叶片两片断裂，尾梁蒙皮变形约 40 cm。",
        photos=[jpeg("tail.jpg"), jpeg("boom.jpg")],
        acting_user=world.team.surveyor,
        now=REPORT_AT + 5 * HOUR,
    )

    survey.refresh_from_db()
    assert (survey.status, survey.visited_at, survey.recorded_at) == (
        "recorded",
        REPORT_AT + 3 * HOUR,
        REPORT_AT + 5 * HOUR,
    )
    photos = ClaimFile.objects.filter(survey=survey)
    assert sorted(photos.values_list("original_name", flat=True)) == ["boom.jpg", "tail.jpg"]
    assert all((media / photo.path).is_file() for photo in photos)
    assert Message.objects.filter(
        template="claims_survey_recorded", recipient=world.portal
    ).exists()


def test_only_a_surveyor_is_sent(world, claim):
    with pytest.raises(ValidationFailed) as error:
        survey_assign(
            claim_id=claim.pk, surveyor_id=world.team.agent.pk, acting_user=world.team.adjuster
        )
    assert error.value.fields[0].rule == "not_surveyor"
    assert Survey.objects.count() == 0


@pytest.mark.parametrize(
    ("visited", "rule"), [(REPORT_AT + 9 * HOUR, "future"), (REPORT_AT - 5 * HOUR, "before_loss")]
)
def test_a_visit_in_the_future_or_before_the_loss_is_refused(world, claim, visited, rule):
    survey = survey_assign(
        claim_id=claim.pk, surveyor_id=world.team.surveyor.pk, acting_user=world.team.adjuster
    )
    with pytest.raises(ValidationFailed) as error:
        survey_record(
            survey_id=survey.pk,
            visited_at=visited,
            site="x",
            findings="x",
            acting_user=world.team.surveyor,
            now=REPORT_AT + 6 * HOUR,
        )
    assert (error.value.fields[0].field, error.value.fields[0].rule) == ("visited_at", rule)
    survey.refresh_from_db()
    assert (survey.status, survey.recorded_at) == ("assigned", None)


def test_loss_items_with_amounts_under_the_claims_exposures(world, claim):
    item = loss_item_add(
        claim_id=claim.pk,
        coverage_code="hull_all_risks",
        loss_type="hull_partial",
        kind="hull_repair",
        description="尾梁修复（厂家报价）",
        amount="620000.00",
        aircraft_id=world.fleet[0].pk,
        acting_user=world.team.surveyor,
        now=REPORT_AT + HOUR,
    )
    loss_item_add(
        claim_id=claim.pk,
        coverage_code="hull_all_risks",
        loss_type="hull_partial",
        kind="parts",
        description="尾桨叶片 ×2",
        amount="180000.00",
        acting_user=world.team.adjuster,
    )
    assert sorted(LossItem.objects.filter(claim=claim).values_list("amount", flat=True)) == [
        D("180000.00"),
        D("620000.00"),
    ]

    loss_item_remove(item_id=item.pk, reason="报价重复录入", acting_user=world.team.adjuster)
    assert LossItem.objects.filter(claim=claim).count() == 1
    assert AuditEntry.objects.get(action="claim.loss_item.remove").before["amount"] == "620000.00"


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [
        ({"amount": "-1.00"}, "amount", "min_value"),
        ({"amount": "1.005"}, "amount", "decimal_places"),
        ({"kind": "emotional"}, "kind", "choice"),
        ({"coverage_code": "third_party_liability"}, "coverage_code", "not_an_exposure"),
        ({"aircraft_id": 999999}, "aircraft_id", "not_involved"),
        ({"description": ""}, "description", "required"),
    ],
)
def test_bad_loss_items_are_refused(world, claim, overrides, field, rule):
    fields = {
        "claim_id": claim.pk,
        "coverage_code": "hull_all_risks",
        "loss_type": "hull_partial",
        "kind": "hull_repair",
        "description": "修复",
        "amount": "1000.00",
        "acting_user": world.team.adjuster,
        **overrides,
    }
    with pytest.raises(ValidationFailed) as error:
        loss_item_add(**fields)
    assert (error.value.fields[0].field, error.value.fields[0].rule) == (field, rule)
    assert LossItem.objects.count() == 0


def test_a_reserve_within_authority_applies_and_every_change_is_kept(world, claim):
    reserve_set(
        claim_id=claim.pk,
        coverage_code="hull_all_risks",
        amount="850000.00",
        reason="初估",
        acting_user=world.team.adjuster,
        now=REPORT_AT,
    )
    reserve_set(
        claim_id=claim.pk,
        coverage_code="hull_all_risks",
        amount="800000.00",
        reason="查勘后调整",
        acting_user=world.team.adjuster,
        now=REPORT_AT + HOUR,
    )

    reserve = Reserve.objects.get(claim=claim, coverage_code="hull_all_risks")
    assert reserve.amount == D("800000.00")
    assert list(
        ReserveChange.objects.filter(reserve=reserve)
        .order_by("id")
        .values_list("previous_amount", "amount", "status")
    ) == [
        (D("0.00"), D("850000.00"), "applied"),
        (D("850000.00"), D("800000.00"), "applied"),
    ]


def test_a_reserve_above_authority_is_referred_and_decided_by_someone_with_more(world, claim):
    change = reserve_set(
        claim_id=claim.pk,
        coverage_code="hull_all_risks",
        amount="5000000.00",
        reason="疑似推定全损",
        acting_user=world.team.adjuster,
        now=REPORT_AT,
    )

    assert change.status == "referred"
    reserve = Reserve.objects.get(claim=claim)
    assert reserve.amount == D("0.00")
    referred_to = set(
        Message.objects.filter(template="claims_reserve_referred").values_list(
            "recipient", flat=True
        )
    )
    assert world.team.head.pk in referred_to
    assert world.team.adjuster.pk not in referred_to
    with pytest.raises(ReferralPending):
        reserve_set(
            claim_id=claim.pk,
            coverage_code="hull_all_risks",
            amount="100.00",
            reason="x",
            acting_user=world.team.adjuster,
        )
    with pytest.raises(OwnReferral):
        reserve_change_decide(change_id=change.pk, approve=True, acting_user=world.team.adjuster)
    with pytest.raises(AuthorityExceeded):
        reserve_change_decide(change_id=change.pk, approve=True, acting_user=world.team.adjuster2)

    reserve_change_decide(
        change_id=change.pk,
        approve=True,
        note="同意",
        acting_user=world.team.head,
        now=REPORT_AT + HOUR,
    )

    reserve.refresh_from_db()
    change.refresh_from_db()
    assert reserve.amount == D("5000000.00")
    assert (change.status, change.decided_by, change.decided_at) == (
        "applied",
        world.team.head,
        REPORT_AT + HOUR,
    )
    assert Message.objects.filter(
        template="claims_reserve_decided", recipient=world.team.adjuster
    ).exists()


def test_an_approver_cannot_approve_above_their_own_authority(world, claim):
    change = reserve_set(
        claim_id=claim.pk,
        coverage_code="hull_all_risks",
        amount="70000000.00",
        reason="全损",
        acting_user=world.team.adjuster,
    )
    with pytest.raises(AuthorityExceeded):
        reserve_change_decide(change_id=change.pk, approve=True, acting_user=world.team.head)
    change.refresh_from_db()
    assert change.status == "referred"
    assert Reserve.objects.get(claim=claim).amount == D("0.00")

    reserve_change_decide(change_id=change.pk, approve=True, acting_user=world.team.manager)
    assert Reserve.objects.get(claim=claim).amount == D("70000000.00")


def test_the_asker_cannot_approve_their_own_referral_and_a_refusal_needs_a_note(world, claim):
    head = world.team.head
    change = reserve_set(
        claim_id=claim.pk,
        coverage_code="hull_all_risks",
        amount="30000000.00",
        reason="全损可能",
        acting_user=head,
    )
    assert change.status == "referred"
    with pytest.raises(OwnReferral):
        reserve_change_decide(change_id=change.pk, approve=True, acting_user=head)
    with pytest.raises(ValidationFailed) as error:
        reserve_change_decide(change_id=change.pk, approve=False, acting_user=world.team.manager)
    assert error.value.fields[0].field == "note"

    reserve_change_decide(
        change_id=change.pk, approve=False, note="等待鉴定结论", acting_user=world.team.manager
    )
    change.refresh_from_db()
    assert (change.status, change.decision_note) == ("rejected", "等待鉴定结论")
    assert Reserve.objects.get(claim=claim).amount == D("0.00")


def test_a_reserve_only_for_the_claims_coverages(world, claim):
    with pytest.raises(ValidationFailed) as error:
        reserve_set(
            claim_id=claim.pk,
            coverage_code="group_accident",
            amount="1.00",
            reason="x",
            acting_user=world.team.adjuster,
        )
    assert error.value.fields[0].rule == "not_an_exposure"
    assert Reserve.objects.count() == 0


def test_authority_limits_are_an_administrators_setting(world):
    row = claim_authority_limit_set(
        role="adjuster", kind="reserve", limit="2000000.00", acting_user=world.team.admin
    )
    assert row.limit == D("2000000.00")
    assert ClaimAuthorityLimit.objects.get(role="adjuster", kind="reserve").limit == D("2000000.00")
    with pytest.raises(ClaimPermissionDenied):
        claim_authority_limit_set(
            role="adjuster", kind="reserve", limit=None, acting_user=world.team.head
        )
    with pytest.raises(ValidationFailed) as error:
        claim_authority_limit_set(
            role="customer", kind="reserve", limit="1.00", acting_user=world.team.admin
        )
    assert error.value.fields[0].field == "role"
    assert ClaimAuthorityLimit.objects.get(role="adjuster", kind="reserve").limit == D("2000000.00")


def test_a_role_without_a_limit_row_has_no_reserve_authority(world, claim):
    surveyor_handler = make_claims_user("surveyor")
    grant(surveyor_handler, "claims.handle_claim")
    change = reserve_set(
        claim_id=claim.pk,
        coverage_code="hull_all_risks",
        amount="1.00",
        reason="x",
        acting_user=surveyor_handler,
    )
    assert change.status == "referred"
