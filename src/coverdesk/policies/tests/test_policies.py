"""Policies as immutable, effective-dated versions: issue, endorsements in and out of sequence,
cancellation with refund, what was covered on a day, queries and statistics. Worked numbers on
the shipped aviation product: hull 1.2 % of the agreed value, third-party liability 0.15 % of
the ¥20,000,000 limit, passengers ¥2,000 a seat; group accident ¥9,000 / ¥6,000 / ¥1,200 a head
with a ¥10,000 minimum premium."""

from datetime import date
from decimal import Decimal as D

import pytest

from coverdesk.audit.models import AuditEntry
from coverdesk.catalog.models import ProductVersion
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.notifications.models import Message
from coverdesk.policies.calculations import ADD, CHANGE, Change
from coverdesk.policies.exceptions import PolicyPermissionDenied
from coverdesk.policies.models import (
    Endorsement,
    FollowUp,
    Policy,
    PolicyObject,
    PolicyStatusChange,
    PolicyVersion,
)
from coverdesk.policies.selectors.policies import (
    policies_of_aircraft,
    policies_of_person,
    policy_by_number,
    policy_list,
    policy_statistics,
    policy_version_in_force,
    version_items,
)
from coverdesk.policies.selectors.terms import person_item
from coverdesk.policies.services.policies import (
    endorsement_apply,
    policy_cancel,
    policy_contract_file,
)
from coverdesk.policies.tests.policy_factories import (
    AVIATION,
    GROUP,
    at,
    issue_policy,
    make_crew,
    make_customer,
    make_fleet,
    make_person,
    make_portal_user,
    make_team,
)
from coverdesk.policies.transitions import TransitionNotAllowed

pytestmark = pytest.mark.django_db

LATER = at(2026, 1, 5)


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def customer():
    return make_customer()


@pytest.fixture
def fleet(customer):
    return make_fleet(customer)


@pytest.fixture
def aviation(team, customer, fleet):
    return issue_policy(team, customer, coverage_codes=[AVIATION], aircraft=fleet)


def _versions(policy):
    return [
        (
            v.number,
            v.kind,
            v.effective_from,
            v.effective_to,
            v.term_premium,
            v.premium_change,
            v.replaced_at is None,
        )
        for v in PolicyVersion.objects.filter(policy=policy).order_by("number")
    ]


def _item(version, key):
    return next(i for i in version_items(version) if i.key == key)


# Issue -------------------------------------------------------------------------------------


def test_issue_writes_version_one_with_the_rated_terms_and_a_number(aviation, fleet, team):
    # given the fleet of three helicopters at ¥70,000,000 each (H145 6 seats, H175 16 seats)
    # then hull 3 × 840,000 + liability 3 × 30,000 + passengers 12,000 + 12,000 + 32,000
    assert aviation.number == "CD2025000001"
    assert (aviation.term_premium, aviation.premium_written) == (
        D("2666000.00"),
        D("2666000.00"),
    )
    assert (aviation.period_start, aviation.period_end) == (date(2025, 12, 22), date(2026, 12, 21))
    assert _versions(aviation) == [
        (1, "issue", date(2025, 12, 22), date(2026, 12, 21), D("2666000.00"), D("2666000.00"), True)
    ]
    version = PolicyVersion.objects.get(policy=aviation)
    h175 = _item(version, f"aircraft:{fleet[2].pk}")
    assert h175.premium == D("902000.00")
    assert [(line["row"], line["premium"]) for line in h175.data["lines"]] == [
        ("hull_all_risks", "840000.00"),
        ("third_party_liability", "30000.00"),
        ("passenger_liability", "32000.00"),
    ]
    assert h175.data["agreed_value"] == "70000000.00"
    assert version.terms["product"]["code"] == "aviation-programme"
    assert sorted(
        PolicyObject.objects.filter(version=version).values_list("aircraft_id", flat=True)
    ) == [a.pk for a in fleet]
    assert list(
        PolicyStatusChange.objects.filter(policy=aviation).values_list(
            "from_status", "to_status", "action"
        )
    ) == [("", "active", "issue")]
    entry = AuditEntry.objects.filter(action="policy.issue").get()
    assert (entry.actor_id, entry.subject_id) == (team.broker.pk, str(aviation.pk))


# Endorsements ------------------------------------------------------------------------------


def _agreed_value(aircraft, value):
    return Change(CHANGE, f"aircraft:{aircraft.pk}", patch={"agreed_value": value})


def test_an_endorsement_in_sequence_charges_pro_rata_and_closes_the_version_before(
    aviation, fleet, team
):
    # when the H175's agreed value goes to ¥80,000,000 from 2026-06-22
    endorsement = endorsement_apply(
        policy_id=aviation.pk,
        kind="change_sum",
        effective_on=date(2026, 6, 22),
        changes=[_agreed_value(fleet[2], "80000000.00")],
        acting_user=team.clerk,
        now=LATER,
    )

    # then hull +120,000 a year, × 183 / 365 days left = 60,164.38
    aviation.refresh_from_db()
    assert endorsement.premium_change == D("60164.38")
    assert (endorsement.sequence, endorsement.out_of_sequence) == (1, False)
    assert (aviation.term_premium, aviation.premium_written) == (
        D("2786000.00"),
        D("2726164.38"),
    )
    assert _versions(aviation) == [
        (1, "issue", date(2025, 12, 22), date(2026, 6, 21), D("2666000.00"), D("2666000.00"), True),
        (
            2,
            "endorsement",
            date(2026, 6, 22),
            date(2026, 12, 21),
            D("2786000.00"),
            D("60164.38"),
            True,
        ),
    ]
    assert [line["code"] for line in endorsement.calculation["lines"]] == [
        "period_days",
        "remaining_days",
        "premium_before",
        "premium_after",
        "difference",
        "adjustment",
    ]


def test_what_was_covered_on_a_day_comes_from_the_version_in_force(aviation, fleet, team):
    endorsement_apply(
        policy_id=aviation.pk,
        kind="change_sum",
        effective_on=date(2026, 6, 22),
        changes=[_agreed_value(fleet[2], "80000000.00")],
        acting_user=team.clerk,
        now=LATER,
    )
    key = f"aircraft:{fleet[2].pk}"

    def agreed_on(day):
        version = policy_version_in_force(policy=aviation, on=day)
        return None if version is None else _item(version, key).data["agreed_value"]

    assert agreed_on(date(2025, 12, 21)) is None
    assert agreed_on(date(2025, 12, 22)) == "70000000.00"
    assert agreed_on(date(2026, 6, 21)) == "70000000.00"
    assert agreed_on(date(2026, 6, 22)) == "80000000.00"
    assert agreed_on(date(2026, 12, 21)) == "80000000.00"
    assert agreed_on(date(2026, 12, 22)) is None


def _group_policy(team, customer):
    # one pilot: 9,000 a head, raised to the 10,000 minimum premium of the group cover
    pilot = make_person(customer, "机长", "pilot", 1)
    return issue_policy(team, customer, coverage_codes=[GROUP], persons=[pilot])


def _add(policy, person):
    from coverdesk.policies.selectors.terms import coverages_of_items

    base = version_items(PolicyVersion.objects.get(policy=policy, number=1))
    coverages = coverages_of_items(product_version=policy.product_version, items=base)
    return Change(ADD, f"person:{person.pk}", person_item(person, coverages))


def test_an_out_of_sequence_endorsement_is_reapplied_in_effective_order(team, customer):
    policy = _group_policy(team, customer)
    aircrew = make_person(customer, "空乘", "aircrew", 2)
    ground = make_person(customer, "机务", "ground_crew", 3)
    assert policy.term_premium == D("10000.00")
    # given an aircrew member added from 06-22: 10,000 → 15,000, 5,000 × 183 / 365 = 2,506.85
    first = endorsement_apply(
        policy_id=policy.pk,
        kind="add_persons",
        effective_on=date(2026, 6, 22),
        changes=[_add(policy, aircrew)],
        acting_user=team.clerk,
        now=LATER,
    )
    assert first.premium_change == D("2506.85")

    # when a ground crew member is added later but from 03-01 (out of sequence)
    second = endorsement_apply(
        policy_id=policy.pk,
        kind="add_persons",
        effective_on=date(2026, 3, 1),
        changes=[_add(policy, ground)],
        acting_user=team.clerk,
        now=at(2026, 1, 6),
    )

    # then 03-01: 10,000 → 10,200, 200 × 296 / 365 = 162.19; the aircrew change re-applied on
    # 10,200 → 16,200: 6,000 × 183 / 365 = 3,008.22, i.e. 501.37 more than charged before
    assert second.out_of_sequence is True
    assert second.premium_change == D("663.56")
    assert [(line["code"], line["amount"]) for line in second.calculation["lines"]][-3:] == [
        ("adjustment", "162.19"),
        ("reapplied", "501.37"),
        ("total", "663.56"),
    ]
    assert _versions(policy) == [
        (1, "issue", date(2025, 12, 22), date(2026, 2, 28), D("10000.00"), D("10000.00"), True),
        (
            2,
            "endorsement",
            date(2026, 6, 22),
            date(2026, 12, 21),
            D("15000.00"),
            D("2506.85"),
            False,
        ),
        (3, "endorsement", date(2026, 3, 1), date(2026, 6, 21), D("10200.00"), D("162.19"), True),
        (
            4,
            "endorsement",
            date(2026, 6, 22),
            date(2026, 12, 21),
            D("16200.00"),
            D("3008.22"),
            True,
        ),
    ]
    v2, v4 = (PolicyVersion.objects.get(policy=policy, number=n) for n in (2, 4))
    assert (v2.replaced_by_id, v4.reapplication_of_id, v4.endorsement_id) == (
        second.pk,
        v2.pk,
        first.pk,
    )
    policy.refresh_from_db()
    assert (policy.term_premium, policy.premium_written) == (D("16200.00"), D("13170.41"))


def test_out_of_sequence_gives_the_same_versions_and_premium_as_in_order(team, customer):
    late = _group_policy(team, customer)
    aircrew = make_person(customer, "空乘", "aircrew", 2)
    ground = make_person(customer, "机务", "ground_crew", 3)
    other = make_customer(name="另一客户", credit_code="91110000100000000R")
    in_order = _group_policy(team, other)
    aircrew_2 = make_person(other, "空乘", "aircrew", 4)
    ground_2 = make_person(other, "机务", "ground_crew", 5)

    for policy, changes in (
        (late, [(date(2026, 6, 22), aircrew), (date(2026, 3, 1), ground)]),
        (in_order, [(date(2026, 3, 1), ground_2), (date(2026, 6, 22), aircrew_2)]),
    ):
        for effective_on, person in changes:
            endorsement_apply(
                policy_id=policy.pk,
                kind="add_persons",
                effective_on=effective_on,
                changes=[_add(policy, person)],
                acting_user=team.clerk,
                now=LATER,
            )

    def active(policy):
        return [
            (v.effective_from, v.effective_to, v.term_premium, v.premium_change)
            for v in PolicyVersion.objects.filter(policy=policy, replaced_at__isnull=True).order_by(
                "effective_from"
            )
        ]

    late.refresh_from_db()
    in_order.refresh_from_db()
    assert active(late) == active(in_order)
    assert late.premium_written == in_order.premium_written == D("13170.41")


def test_changes_to_different_fields_merge_when_a_later_endorsement_is_reapplied(
    aviation, fleet, team
):
    # given the agreed value raised from 06-22
    endorsement_apply(
        policy_id=aviation.pk,
        kind="change_sum",
        effective_on=date(2026, 6, 22),
        changes=[_agreed_value(fleet[2], "80000000.00")],
        acting_user=team.clerk,
        now=LATER,
    )
    # when equipment of ¥2,000,000 is added from 03-01 (rated with the hull: +24,000 a year)
    equipment = endorsement_apply(
        policy_id=aviation.pk,
        kind="add_aircraft",
        effective_on=date(2026, 3, 1),
        changes=[
            Change(
                CHANGE,
                f"aircraft:{fleet[2].pk}",
                patch={"installed_equipment": [{"name": "光电吊舱", "sum_insured": "2000000.00"}]},
            )
        ],
        acting_user=team.clerk,
        now=LATER,
    )

    # then 24,000 × 296 / 365 = 19,463.01, and the re-applied value change keeps the equipment
    assert equipment.premium_change == D("19463.01")
    last = policy_version_in_force(policy=aviation, on=date(2026, 12, 21))
    h175 = _item(last, f"aircraft:{fleet[2].pk}")
    assert h175.data["agreed_value"] == "80000000.00"
    assert h175.data["installed_equipment"] == [{"name": "光电吊舱", "sum_insured": "2000000.00"}]
    assert h175.premium == D("1046000.00")  # 82,000,000 × 1.2 % + 30,000 + 32,000


def test_only_an_approver_applies_an_endorsement_and_a_denial_changes_nothing(
    aviation, fleet, team
):
    with pytest.raises(PolicyPermissionDenied):
        endorsement_apply(
            policy_id=aviation.pk,
            kind="change_sum",
            effective_on=date(2026, 6, 22),
            changes=[_agreed_value(fleet[2], "80000000.00")],
            acting_user=team.broker,
            now=LATER,
        )

    assert Endorsement.objects.count() == 0
    assert PolicyVersion.objects.filter(policy=aviation).count() == 1


def test_an_endorsement_outside_the_period_is_refused_and_changes_nothing(aviation, fleet, team):
    with pytest.raises(ValidationFailed) as raised:
        endorsement_apply(
            policy_id=aviation.pk,
            kind="change_sum",
            effective_on=date(2026, 12, 22),
            changes=[_agreed_value(fleet[2], "80000000.00")],
            acting_user=team.clerk,
            now=LATER,
        )

    assert [(f.field, f.rule) for f in raised.value.fields] == [("effective_on", "outside_period")]
    assert Endorsement.objects.count() == 0
    assert _versions(aviation)[0][3] == date(2026, 12, 21)


# Cancellation ------------------------------------------------------------------------------


def test_cancellation_refunds_pro_rata_by_the_products_method(aviation, team):
    # the shipped product refunds pro rata without a fee: 2,666,000 × 183 / 365
    endorsement = policy_cancel(
        policy_id=aviation.pk, cancel_on=date(2026, 6, 22), acting_user=team.clerk, now=LATER
    )

    aviation.refresh_from_db()
    assert endorsement.premium_change == D("-1336652.05")
    assert endorsement.calculation["inputs"]["method"] == "pro_rata"
    assert (aviation.status, aviation.cancelled_on) == ("cancelled", date(2026, 6, 22))
    assert aviation.premium_written == D("1329347.95")
    assert policy_version_in_force(policy=aviation, on=date(2026, 6, 21)).number == 1
    assert policy_version_in_force(policy=aviation, on=date(2026, 6, 22)) is None
    assert _versions(aviation)[-1] == (
        2,
        "cancellation",
        date(2026, 6, 22),
        date(2026, 12, 21),
        D("0.00"),
        D("-1336652.05"),
        True,
    )


def test_cancellation_by_short_rate_with_a_fee(aviation, team):
    # given a product switched to the short-rate table with a ¥200 fee
    ProductVersion.objects.filter(pk=aviation.product_version_id).update(
        refund_method="short_rate", cancellation_fee=D("200.00")
    )
    aviation.refresh_from_db()

    # when cancelled from 2026-03-10: 3 months in force, 30 % = 799,800 retained
    endorsement = policy_cancel(
        policy_id=aviation.pk, cancel_on=date(2026, 3, 10), acting_user=team.clerk, now=LATER
    )

    assert endorsement.premium_change == D("-1866000.00")  # 1,866,200 − 200


def test_a_refund_date_outside_the_period_is_refused_and_changes_nothing(aviation, team):
    with pytest.raises(ValidationFailed) as raised:
        policy_cancel(
            policy_id=aviation.pk, cancel_on=date(2026, 12, 22), acting_user=team.clerk, now=LATER
        )

    assert [(f.field, f.rule) for f in raised.value.fields] == [("cancel_on", "outside_period")]
    aviation.refresh_from_db()
    assert (aviation.status, aviation.premium_written) == ("active", D("2666000.00"))
    assert Endorsement.objects.count() == 0


def test_cover_cannot_end_before_an_endorsement_already_in_force(aviation, fleet, team):
    endorsement_apply(
        policy_id=aviation.pk,
        kind="change_sum",
        effective_on=date(2026, 6, 22),
        changes=[_agreed_value(fleet[2], "80000000.00")],
        acting_user=team.clerk,
        now=LATER,
    )

    with pytest.raises(ValidationFailed) as raised:
        policy_cancel(
            policy_id=aviation.pk, cancel_on=date(2026, 6, 1), acting_user=team.clerk, now=LATER
        )

    assert [(f.field, f.rule) for f in raised.value.fields] == [
        ("cancel_on", "before_later_endorsement")
    ]
    assert Policy.objects.get(pk=aviation.pk).status == "active"


def test_a_cancelled_policy_takes_no_endorsement(aviation, fleet, team):
    policy_cancel(
        policy_id=aviation.pk, cancel_on=date(2026, 6, 22), acting_user=team.clerk, now=LATER
    )

    with pytest.raises(TransitionNotAllowed):
        endorsement_apply(
            policy_id=aviation.pk,
            kind="change_sum",
            effective_on=date(2026, 7, 1),
            changes=[_agreed_value(fleet[2], "80000000.00")],
            acting_user=team.clerk,
            now=LATER,
        )
    assert Endorsement.objects.count() == 1


# Filing the contract -----------------------------------------------------------------------


def test_filing_tells_the_customer_when_cover_starts_and_plans_the_follow_ups(
    aviation, customer, team
):
    portal = make_portal_user(customer)

    policy_contract_file(
        policy_id=aviation.pk, filing_reference="档案 2025-118", acting_user=team.broker, now=LATER
    )

    aviation.refresh_from_db()
    assert (aviation.filed_at, aviation.filing_reference) == (LATER, "档案 2025-118")
    messages = Message.objects.filter(template="policies_cover_started")
    assert sorted(messages.values_list("recipient_id", "channel")) == [
        (portal.pk, "email"),
        (portal.pk, "in_app"),
    ]
    body = messages.get(channel="in_app").body
    assert "CD2025000001" in body and "2025-12-22" in body and "2026-12-21" in body
    assert sorted(FollowUp.objects.values_list("kind", "due_on", "assigned_to_id")) == [
        ("check_in", date(2026, 1, 21), team.broker.pk),
        ("renewal_advice", date(2026, 9, 22), team.broker.pk),
    ]
    with pytest.raises(TransitionNotAllowed):
        policy_contract_file(
            policy_id=aviation.pk, filing_reference="again", acting_user=team.broker, now=LATER
        )


def test_filing_needs_a_reference_and_the_issue_permission(aviation, team):
    with pytest.raises(ValidationFailed) as raised:
        policy_contract_file(
            policy_id=aviation.pk, filing_reference="  ", acting_user=team.broker, now=LATER
        )
    assert [(f.field, f.rule) for f in raised.value.fields] == [("filing_reference", "required")]
    with pytest.raises(PolicyPermissionDenied):
        policy_contract_file(
            policy_id=aviation.pk, filing_reference="x", acting_user=team.clerk, now=LATER
        )
    assert Policy.objects.get(pk=aviation.pk).filed_at is None


# Queries and statistics -------------------------------------------------------------------


def test_policies_are_found_by_number_customer_aircraft_and_person(team, customer, fleet):
    crew = make_crew(customer, pilots=2, aircrew=0, ground=0)
    aviation = issue_policy(team, customer, coverage_codes=[AVIATION], aircraft=fleet[:2])
    group = issue_policy(team, customer, coverage_codes=[GROUP], persons=crew)
    other = make_customer(name="另一客户", credit_code="91110000100000000R")

    assert policy_by_number(number=" cd2025000002 ") == group
    assert list(policy_list(number="CD2025")) == [group, aviation]
    assert list(policy_list(customer_id=customer.pk)) == [group, aviation]
    assert list(policy_list(customer_id=other.pk)) == []
    assert list(policies_of_aircraft(aircraft_id=fleet[0].pk)) == [aviation]
    assert list(policies_of_aircraft(aircraft_id=fleet[2].pk)) == []
    assert list(policies_of_person(person_id=crew[1].pk)) == [group]
    assert list(policy_list(in_force_on=date(2026, 12, 22))) == []
    assert list(policy_list(in_force_on=date(2026, 12, 21), product_code="aviation-programme")) == [
        group,
        aviation,
    ]


def test_statistics_by_product_and_period_in_one_query(
    team, customer, fleet, django_assert_num_queries
):
    crew = make_crew(customer, pilots=4, aircrew=4, ground=6)
    aviation = issue_policy(team, customer, coverage_codes=[AVIATION], aircraft=fleet)
    issue_policy(team, customer, coverage_codes=[GROUP], persons=crew)
    policy_cancel(
        policy_id=aviation.pk, cancel_on=date(2026, 6, 22), acting_user=team.clerk, now=LATER
    )

    with django_assert_num_queries(1):
        rows = policy_statistics(first_day=date(2025, 12, 1), last_day=date(2025, 12, 31))

    # aviation 1,329,347.95 after its refund + group 4 × 9,000 + 4 × 6,000 + 6 × 1,200
    assert [(r.product_code, r.policies, r.premium_written) for r in rows] == [
        ("aviation-programme", 2, D("1396547.95"))
    ]
    assert policy_statistics(first_day=date(2026, 1, 1), last_day=date(2026, 1, 31)) == []
    with pytest.raises(ValidationFailed):
        policy_statistics(first_day=date(2026, 1, 31), last_day=date(2026, 1, 1))
