"""Worked numbers for the adjudication, on the aviation product's shipped terms (docs/catalog.md):
hull 100 % of the ¥70,000,000 agreed value per occurrence, partial-loss deductible 5 % at least
¥100,000, spare parts ¥5,000,000 with ¥20,000; third party ¥20,000,000 per occurrence and
¥40,000,000 aggregate, property deductible ¥10,000; passengers ¥2,000,000 per person; group
accident ¥3,000,000 per pilot, medical ¥100,000 per person with ¥100; loss of licence
¥1,000,000 per pilot; constructive total loss at 75 %; police dogs ¥100,000, at most 4.

`TERMS` mirrors what `policies.selectors.terms` writes for that product (checked against the
seeded catalogue by `test_the_terms_here_are_what_the_catalogue_writes`)."""

import copy
import json
from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coverdesk.claims.adjudication import (
    ADDED_EQUIPMENT,
    AREA_HIGH_SEAS,
    AREA_OUTSIDE,
    COMPLEX,
    COVERED,
    DEATH,
    GENERAL,
    HULL_REPAIR,
    INJURY,
    LICENCE_LOSS,
    MEDICAL_EXPENSES,
    NOT_COVERED,
    PARTLY_COVERED,
    PARTS,
    POLICE_DOG,
    SCOPE_ADVANCE,
    SIMPLE,
    THIRD_PARTY_DAMAGE,
    AdjudicationInput,
    ComplexityRules,
    Decision,
    EarlierPayment,
    ExclusionFinding,
    Loss,
    LossItem,
    adjudicate,
    adjudication_rerun,
    advance_payment,
    complexity_suggest,
    green_channel_check,
)
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.core.values import Period
from coverdesk.policies.calculations import TermsItem

COVER = Period(date(2025, 12, 22), date(2026, 12, 21))
AIRCRAFT_ID, OTHER_AIRCRAFT_ID = 1, 2
PILOT, AIRCREW, GROUND = 11, 12, 13
HULL, TPL, PAX = "hull_all_risks", "third_party_liability", "passenger_liability"
PACKAGE, PA, LOL = "aviation_comprehensive", "group_accident", "pilot_loss_of_licence"


# The shipped terms ----------------------------------------------------------------------------


def _limit(kind, basis, amount=None, share=None, loss_type="", category=""):
    return {
        "kind": kind,
        "basis": basis,
        "amount": amount,
        "share": share,
        "loss_type": loss_type,
        "person_category": category,
    }


def _deductible(loss_type, kind, amount=None, percentage=None, minimum=None):
    return {
        "loss_type": loss_type,
        "kind": kind,
        "amount": amount,
        "percentage": percentage,
        "minimum_amount": minimum,
    }


SECTIONS = {
    HULL: (
        "hull",
        [
            _limit("per_occurrence", "agreed_value", share="1"),
            _limit("per_occurrence", "amount", "5000000.00", loss_type="spare_parts"),
        ],
        [
            _deductible("hull_partial", "percentage", percentage="0.05", minimum="100000.00"),
            _deductible("spare_parts", "amount", "20000.00"),
        ],
    ),
    TPL: (
        "liability",
        [
            _limit("per_occurrence", "amount", "20000000.00"),
            _limit("aggregate", "amount", "40000000.00"),
        ],
        [_deductible("third_party_property", "amount", "10000.00")],
    ),
    PAX: ("liability", [_limit("per_person", "amount", "2000000.00")], []),
}

PERSON_COVERAGES = {
    PA: (
        "personal_accident",
        [
            _limit("per_person", "amount", "3000000.00", category="pilot"),
            _limit("per_person", "amount", "2000000.00", category="aircrew"),
            _limit("per_person", "amount", "1000000.00", category="ground_crew"),
            _limit("per_person", "amount", "100000.00", loss_type="medical_expenses"),
        ],
        [_deductible("medical_expenses", "amount", "100.00")],
    ),
    LOL: ("loss_of_licence", [_limit("per_person", "amount", "1000000.00", category="pilot")], []),
}

CLAUSES = {
    "passenger_definition": (
        PAX,
        "passenger_definition",
        {"includes": ["police_officers", "task_personnel", "rescued_persons", "escorted_persons"]},
    ),
    "added_equipment": (
        HULL,
        "added_equipment",
        {"limit_per_aircraft": "5000000.00", "notice_days": 30},
    ),
    "repair_confidentiality": (HULL, "repair_confidentiality", {"confidential": True}),
    "constructive_total_loss": (HULL, "constructive_total_loss", {"threshold": "0.75"}),
    "police_dog": (
        PACKAGE,
        "police_dog",
        {"amount_per_dog": "100000.00", "max_dogs_per_occurrence": 4},
    ),
    "authorised_pilot": (
        PACKAGE,
        "authorised_pilot",
        {"licence_required": True, "authorisation_required": True, "type_rating_required": True},
    ),
    "flight_area": (
        None,
        "flight_area",
        {"territory": "中华人民共和国境内及其领海", "high_seas": True},
    ),
    "police_duty": (
        PA,
        "police_duty",
        {"covers_violent_assault": True, "covers_training": True},
    ),
}


def _coverage(code, coverage_kind, insured, limits, deductibles, sections=()):
    return TermsItem(
        key=f"coverage:{code}",
        premium=D("0.00"),
        data={
            "kind": "coverage",
            "code": code,
            "coverage_kind": coverage_kind,
            "insured_object": insured,
            "limits": limits,
            "deductibles": deductibles,
            "sections": [
                {"code": s, "coverage_kind": k, "limits": lim, "deductibles": ded}
                for s, (k, lim, ded) in sections
            ],
            "rating": {},
        },
    )


def _aircraft(aircraft_id, equipment=(), agreed_value="70000000.00"):
    return TermsItem(
        key=f"aircraft:{aircraft_id}",
        premium=D("882000.00"),
        data={
            "kind": "aircraft",
            "aircraft_id": aircraft_id,
            "agreed_value": agreed_value,
            "passenger_seats": 6,
            "installed_equipment": [{"name": n, "sum_insured": s} for n, s in equipment],
            "lines": [{"row": row, "coverage": PACKAGE, "premium": "1.00"} for row in SECTIONS],
        },
    )


def _person(person_id, category):
    rows = [PA] + ([LOL] if category == "pilot" else [])
    return TermsItem(
        key=f"person:{person_id}",
        premium=D("1.00"),
        data={
            "kind": "person",
            "person_id": person_id,
            "category": category,
            "lines": [{"row": row, "coverage": row, "premium": "1.00"} for row in rows],
        },
    )


def _clause(code, coverage, kind, parameters):
    return TermsItem(
        key=f"clause:{code}",
        premium=D("0.00"),
        data={
            "kind": "clause",
            "code": code,
            "clause_kind": kind,
            "coverage": coverage,
            "parameters": parameters,
        },
    )


def terms(*, equipment=(), clauses=None, without=()):
    """The programme's terms for one H145 (aircraft 1) and a pilot, an aircrew member and a
    ground crew member; `clauses` overrides clause parameters, `without` drops items by key."""
    items = [
        _coverage(PACKAGE, "package", "aircraft", [], [], SECTIONS.items()),
        *(
            _coverage(code, kind, "person", limits, deductibles)
            for code, (kind, limits, deductibles) in PERSON_COVERAGES.items()
        ),
        _aircraft(AIRCRAFT_ID, equipment),
        _person(PILOT, "pilot"),
        _person(AIRCREW, "aircrew"),
        _person(GROUND, "ground_crew"),
    ]
    for code, (coverage, kind, parameters) in CLAUSES.items():
        chosen = {**parameters, **(clauses or {}).get(code, {})}
        items.append(_clause(code, coverage, kind, chosen))
    return tuple(item for item in items if item.key not in without)


AT = datetime(2026, 6, 15, 10, 30, tzinfo=UTC)


def decide(*items, earlier=(), terms_items=None, cover=COVER, now=None, **loss):
    loss.setdefault("occurred_at", AT)
    loss.setdefault("aircraft_id", AIRCRAFT_ID)
    inputs = AdjudicationInput(
        terms=terms() if terms_items is None else terms_items,
        cover=cover,
        loss=Loss(items=tuple(items), **loss),
        earlier_payments=tuple(earlier),
    )
    return adjudicate(inputs, now=now)


def hull(amount):
    return LossItem(HULL, HULL_REPAIR, D(amount))


def error_field(raised):
    return raised.value.fields[0].field, raised.value.fields[0].rule


# Hull: deductible, constructive total loss, salvage, added equipment ----------------------------


def test_a_repair_below_the_threshold_pays_the_repair_less_five_percent():
    # 30,000,000 < 75 % × 70,000,000 = 52,500,000: partial loss; 5 % = 1,500,000 ≥ 100,000
    decision = decide(hull("30000000.00"))

    assert decision.outcome == COVERED and not decision.constructive_total_loss
    assert decision.line("ctl_threshold").amount == D("52500000.00")
    assert decision.line("below_ctl_threshold").amount == D("30000000.00")
    assert decision.line("deductible_percentage").amount == D("1500000.00")
    assert decision.line("after_deductible").amount == D("28500000.00")
    assert decision.line("limit_per_occurrence").amount == D("70000000.00")
    assert decision.line("payable").amount == D("28500000.00")
    assert decision.payable == D("28500000.00")
    assert decision.line("payable").params["loss_type"] == "hull_partial"
    assert [a.as_dict() for a in decision.allocations] == [
        {
            "coverage": HULL,
            "loss_type": "hull_partial",
            "amount": "28500000.00",
            "person_id": None,
            "victim": "",
        }
    ]


def test_a_repair_over_the_threshold_pays_the_agreed_value_and_records_the_salvage():
    decision = decide(hull("56000000.00"), salvage_value=D("3000000.00"))

    assert decision.constructive_total_loss
    assert decision.line("constructive_total_loss").amount == D("70000000.00")
    assert decision.line("salvage_to_insurer").amount == D("3000000.00")
    assert decision.salvage_to_insurer == D("3000000.00")
    # no deductible on a (constructive) total loss
    assert not decision.lines_of("deductible_percentage")
    assert decision.payable == D("70000000.00")
    assert decision.allocations[0].loss_type == "hull_total"


def test_salvage_the_insured_keeps_is_deducted_from_the_agreed_value():
    decision = decide(
        hull("56000000.00"), salvage_value=D("3000000.00"), salvage_retained_by_insured=True
    )

    assert decision.line("salvage_deducted").amount == D("3000000.00")
    assert decision.salvage_to_insurer == D("0.00")
    assert decision.payable == D("67000000.00")


@pytest.mark.parametrize(
    ("repair", "ctl", "payable"),
    [
        # at the threshold: a constructive total loss
        ("52500000.00", True, "70000000.00"),
        # a fen below: 5 % of 52,499,999.99 = 2,624,999.9995 → 2,625,000.00 (half-up)
        ("52499999.99", False, "49874999.99"),
    ],
)
def test_the_constructive_total_loss_threshold_at_and_just_below(repair, ctl, payable):
    decision = decide(hull(repair))

    assert decision.constructive_total_loss is ctl
    assert decision.payable == D(payable)


def test_the_percentage_deductible_has_its_minimum_and_never_exceeds_the_loss():
    # 5 % of 1,000,000 = 50,000 < 100,000 → 100,000
    assert decide(hull("1000000.00")).line("deductible_percentage").amount == D("100000.00")
    assert decide(hull("1000000.00")).payable == D("900000.00")
    # a loss under the minimum: covered, nothing to pay
    small = decide(hull("80000.00"))
    assert small.outcome == COVERED
    assert small.line("deductible_percentage").amount == D("80000.00")
    assert small.payable == D("0.00") and small.allocations == ()


def test_the_deductible_is_rounded_to_the_fen_half_up():
    # 5 % of 2,345,678.91 = 117,283.9455 → 117,283.95; 2,345,678.91 − 117,283.95 = 2,228,394.96
    decision = decide(hull("2345678.91"))

    assert decision.line("deductible_percentage").amount == D("117283.95")
    assert decision.payable == D("2228394.96")


def test_spare_parts_have_their_own_deductible_and_limit():
    decision = decide(LossItem(HULL, PARTS, D("6000000.00")))

    assert decision.line("deductible_amount").amount == D("20000.00")
    assert decision.line("limit_per_occurrence").amount == D("5000000.00")
    assert decision.line("payable_capped").params["capped_by"] == "per_occurrence"
    assert decision.payable == D("5000000.00")


EQUIPMENT = (("searchlight", "1200000.00"), ("hoist", "4500000.00"))  # declared 5,700,000


def test_added_equipment_counts_up_to_the_clause_limit_on_top_of_the_agreed_value():
    decision = decide(
        hull("56000000.00"),
        LossItem(HULL, ADDED_EQUIPMENT, D("6000000.00")),
        terms_items=terms(equipment=EQUIPMENT),
    )

    # declared 5,700,000 but the clause covers at most 5,000,000 per aircraft
    assert decision.line("added_equipment").amount == D("5000000.00")
    assert decision.line("loss").amount == D("75000000.00")
    # the agreed-value limit is on 70,000,000 + 5,000,000
    assert decision.line("limit_per_occurrence").amount == D("75000000.00")
    assert decision.payable == D("75000000.00")


def test_added_equipment_in_a_partial_loss_bears_the_deductible_with_the_repair():
    decision = decide(
        hull("10000000.00"),
        LossItem(HULL, ADDED_EQUIPMENT, D("800000.00")),
        terms_items=terms(equipment=EQUIPMENT),
    )

    # 10,800,000 × 5 % = 540,000
    assert decision.line("deductible_percentage").amount == D("540000.00")
    assert decision.payable == D("10260000.00")


def test_added_equipment_without_a_declared_sum_pays_nothing():
    decision = decide(hull("1000000.00"), LossItem(HULL, ADDED_EQUIPMENT, D("300000.00")))

    assert decision.line("added_equipment").amount == D("0.00")
    assert decision.payable == D("900000.00")


# Liability: per occurrence, aggregate, per person ----------------------------------------------


def test_the_aggregate_eroded_by_an_earlier_payment_caps_the_third_party_claim():
    # 35,000,000 of the 40,000,000 aggregate already paid: 15,000,000 − 10,000 is capped at
    # the 5,000,000 left
    decision = decide(
        LossItem(TPL, THIRD_PARTY_DAMAGE, D("15000000.00")),
        earlier=[EarlierPayment(TPL, D("35000000.00"), loss_type="third_party_injury")],
    )

    assert decision.line("after_deductible").amount == D("14990000.00")
    assert decision.line("limit_per_occurrence").amount == D("20000000.00")
    limit = decision.line("limit_aggregate")
    assert limit.amount == D("5000000.00")
    assert limit.params == {"limit": "40,000,000.00", "used": "35,000,000.00"}
    assert decision.line("payable_capped").params["capped_by"] == "aggregate"
    assert decision.payable == D("5000000.00")


def test_the_per_occurrence_limit_is_shared_by_the_items_of_one_occurrence():
    decision = decide(
        LossItem(TPL, INJURY, D("12000000.00"), victim="pedestrian"),
        LossItem(TPL, THIRD_PARTY_DAMAGE, D("9000000.00")),
    )

    payables = [line.amount for line in decision.lines if line.code.startswith("payable")]
    # injury 12,000,000; property 9,000,000 − 10,000 = 8,990,000, but 8,000,000 is left
    assert payables == [D("12000000.00"), D("8000000.00")]
    assert decision.lines_of("limit_per_occurrence")[1].params["used"] == "12,000,000.00"
    assert decision.payable == D("20000000.00")


def test_passenger_liability_is_limited_per_person():
    decision = decide(
        LossItem(PAX, DEATH, D("2500000.00"), victim="officer A"),
        LossItem(PAX, INJURY, D("300000.00"), victim="officer B"),
    )

    assert [a.amount for a in decision.allocations] == [D("2000000.00"), D("300000.00")]
    assert decision.allocations[0].loss_type == "passenger_injury"
    assert decision.payable == D("2300000.00")


def test_an_injured_pilot_is_paid_up_to_the_pilots_sum_less_earlier_payments():
    decision = decide(
        LossItem(PA, INJURY, D("3500000.00"), person_id=PILOT),
        LossItem(PA, MEDICAL_EXPENSES, D("120000.00"), person_id=PILOT),
        earlier=[
            EarlierPayment(PA, D("1000000.00"), "accidental_disability", person_id=PILOT),
            # another person's payment erodes nothing of this pilot's sum
            EarlierPayment(PA, D("500000.00"), "accidental_disability", person_id=AIRCREW),
        ],
    )

    disability, medical = decision.lines_of("limit_per_person")
    # 3,000,000 less the 1,000,000 paid before
    assert disability.amount == D("2000000.00")
    # medical has its own 100,000 per person, untouched by the disability payment;
    # 120,000 − 100 = 119,900 capped at 100,000
    assert medical.amount == D("100000.00")
    assert decision.line("deductible_amount", PA).amount == D("100.00")
    assert [a.amount for a in decision.allocations] == [D("2000000.00"), D("100000.00")]
    assert decision.payable == D("2100000.00")


def test_the_per_person_sum_follows_the_persons_category():
    decision = decide(LossItem(PA, DEATH, D("3000000.00"), person_id=GROUND))

    assert decision.line("limit_per_person").params["limit"] == "1,000,000.00"
    assert decision.payable == D("1000000.00")


def test_loss_of_licence_pays_the_pilots_sum():
    decision = decide(LossItem(LOL, LICENCE_LOSS, D("1000000.00"), person_id=PILOT))

    assert decision.payable == D("1000000.00") and decision.outcome == COVERED


def test_police_dogs_get_the_fixed_compensation_for_at_most_four():
    decision = decide(LossItem(PACKAGE, POLICE_DOG, D("500000.00"), count=5))

    line = decision.line("police_dog")
    assert line.amount == D("400000.00")
    assert line.params["paid_count"] == "4" and line.params["count"] == "5"
    assert decision.payable == D("400000.00")


def test_one_occurrence_over_several_coverages_sums_them():
    decision = decide(
        hull("30000000.00"),
        LossItem(TPL, THIRD_PARTY_DAMAGE, D("510000.00")),
        LossItem(PA, MEDICAL_EXPENSES, D("20000.00"), person_id=PILOT),
    )

    assert [(c.coverage, c.payable) for c in decision.coverages] == [
        (HULL, D("28500000.00")),
        (TPL, D("500000.00")),
        (PA, D("19900.00")),
    ]
    assert decision.line("total_payable").amount == D("29019900.00")
    assert decision.claimed == D("30530000.00")


# Not covered -----------------------------------------------------------------------------------


def test_a_loss_outside_the_period_is_not_covered():
    # 2026-12-21 16:30 UTC is 2026-12-22 00:30 in Beijing: the day after the period
    decision = decide(hull("1000000.00"), occurred_at=datetime(2026, 12, 21, 16, 30, tzinfo=UTC))

    assert decision.outcome == NOT_COVERED and not decision.covered
    assert decision.reasons[0].as_dict() == {
        "code": "outside_period",
        "coverage": "",
        "item": None,
        "params": {"date": "2026-12-22", "first_day": "2025-12-22", "last_day": "2026-12-21"},
    }
    assert decision.line("item_refused").params["reason"] == "outside_period"
    assert decision.payable == D("0.00")
    # a minute before midnight in Beijing is still in
    inside = decide(hull("1000000.00"), occurred_at=datetime(2026, 12, 21, 15, 59, tzinfo=UTC))
    assert inside.outcome == COVERED


def test_a_loss_on_the_day_an_endorsement_took_effect_uses_the_new_version():
    # Endorsement effective 2026-06-01 adds aircraft 2: version 1 covers 2025-12-22 to
    # 2026-05-31, version 2 from 2026-06-01.
    before = Period(date(2025, 12, 22), date(2026, 5, 31))
    after = Period(date(2026, 6, 1), date(2026, 12, 21))
    on_the_day = datetime(2026, 6, 1, 0, 5)  # Beijing time
    new_terms = (*terms(), _aircraft(OTHER_AIRCRAFT_ID))

    old = decide(
        hull("1000000.00"), cover=before, occurred_at=on_the_day, aircraft_id=OTHER_AIRCRAFT_ID
    )
    new = decide(
        hull("1000000.00"),
        cover=after,
        terms_items=new_terms,
        occurred_at=on_the_day,
        aircraft_id=OTHER_AIRCRAFT_ID,
    )

    assert old.reason_codes() == ["outside_period"]
    assert new.outcome == COVERED and new.payable == D("900000.00")


def test_an_aircraft_not_on_the_policy_is_not_covered():
    decision = decide(hull("1000000.00"), aircraft_id=99)

    assert decision.reason_codes() == ["aircraft_not_insured"]
    assert decision.reasons[0].params == {"aircraft_id": "99"}
    assert decision.outcome == NOT_COVERED


def test_a_person_not_insured_under_the_coverage_is_refused_alone():
    decision = decide(
        LossItem(LOL, LICENCE_LOSS, D("1000000.00"), person_id=GROUND),  # no licence cover
        LossItem(LOL, LICENCE_LOSS, D("1000000.00"), person_id=PILOT),
    )

    assert decision.reasons[0].as_dict() == {
        "code": "person_not_insured",
        "coverage": LOL,
        "item": 0,
        "params": {"person_id": str(GROUND)},
    }
    assert decision.outcome == PARTLY_COVERED
    assert decision.payable == D("1000000.00")


def test_a_coverage_the_policy_does_not_have_is_not_covered():
    decision = decide(
        LossItem(LOL, LICENCE_LOSS, D("1000000.00"), person_id=PILOT),
        terms_items=terms(without={"coverage:pilot_loss_of_licence"}),
    )

    assert decision.reason_codes() == ["coverage_not_in_policy"]
    assert decision.coverages[0].covered is False
    assert decision.outcome == NOT_COVERED


def test_an_exclusion_refuses_its_coverage_and_the_sections_under_it():
    decision = decide(
        hull("1000000.00"),
        LossItem(PA, MEDICAL_EXPENSES, D("20000.00"), person_id=PILOT),
        exclusions=(ExclusionFinding(PACKAGE, "war_hijacking"),),
    )

    assert decision.reasons[0].as_dict() == {
        "code": "exclusion",
        "coverage": HULL,
        "item": None,
        "params": {"exclusion": "war_hijacking"},
    }
    assert decision.outcome == PARTLY_COVERED
    assert decision.payable == D("19900.00")


@pytest.mark.parametrize(
    ("field", "requirement"),
    [
        ("pilot_licensed", "licence"),
        ("pilot_authorised", "authorisation"),
        ("pilot_type_rated", "type_rating"),
    ],
)
def test_an_unauthorised_pilot_voids_the_aircraft_cover_not_the_personal_one(field, requirement):
    decision = decide(
        hull("1000000.00"),
        LossItem(PA, INJURY, D("500000.00"), person_id=PILOT),
        **{field: False},
    )

    assert decision.reason_codes() == ["unauthorised_pilot"]
    assert decision.reasons[0].params == {"requirement": requirement}
    assert decision.coverages[0].payable == D("0.00")
    assert decision.payable == D("500000.00")


def test_an_authorised_pilot_or_none_established_does_not_refuse():
    assert decide(hull("1000000.00"), pilot_authorised=True).outcome == COVERED
    assert decide(hull("1000000.00")).outcome == COVERED


def test_the_high_seas_are_covered_only_where_the_flight_area_clause_extends_to_them():
    extended = decide(hull("1000000.00"), flight_area=AREA_HIGH_SEAS)
    narrow = decide(
        hull("1000000.00"),
        flight_area=AREA_HIGH_SEAS,
        terms_items=terms(clauses={"flight_area": {"high_seas": False}}),
    )

    assert extended.outcome == COVERED and extended.payable == D("900000.00")
    assert narrow.reason_codes() == ["high_seas_not_covered"]
    assert narrow.outcome == NOT_COVERED


def test_a_loss_outside_the_flight_area_is_not_covered():
    decision = decide(hull("1000000.00"), flight_area=AREA_OUTSIDE)

    assert decision.reason_codes() == ["outside_flight_area"]
    assert decision.reasons[0].params == {"territory": "中华人民共和国境内及其领海"}


def test_police_dogs_and_added_equipment_need_their_clauses():
    decision = decide(
        hull("1000000.00"),
        LossItem(HULL, ADDED_EQUIPMENT, D("100000.00")),
        LossItem(PACKAGE, POLICE_DOG, D("100000.00")),
        terms_items=terms(
            equipment=EQUIPMENT, without={"clause:police_dog", "clause:added_equipment"}
        ),
    )

    assert decision.reason_codes() == ["added_equipment_not_covered", "police_dog_not_covered"]
    assert [r.item for r in decision.reasons] == [1, 2]
    assert decision.outcome == PARTLY_COVERED
    assert decision.payable == D("900000.00")


def test_without_the_ctl_clause_a_large_repair_is_a_partial_loss():
    decision = decide(
        hull("56000000.00"), terms_items=terms(without={"clause:constructive_total_loss"})
    )

    assert not decision.constructive_total_loss and not decision.lines_of("ctl_threshold")
    # 56,000,000 − 2,800,000
    assert decision.payable == D("53200000.00")


def test_reasons_and_lines_read_in_english():
    decision = decide(hull("1000000.00"), aircraft_id=99)

    assert decision.reasons[0].text() == f"Aircraft 99 is not insured under {HULL}."
    assert decision.line("total_payable").text() == "Total payable"
    covered = decide(hull("30000000.00"))
    assert covered.line("deductible_percentage").text() == (
        "Deductible: 5 % of the loss, at least 100,000.00, rounded to the fen"
    )
    assert covered.line("item").text() == "Item 1: hull repair"


# Stored and re-run -----------------------------------------------------------------------------


def _stored(decision):
    return json.loads(json.dumps(decision.as_dict()))


def test_a_stored_decision_reads_back_and_reruns_to_the_same_result():
    decision = decide(
        hull("56000000.00"),
        LossItem(HULL, ADDED_EQUIPMENT, D("6000000.00")),
        LossItem(TPL, THIRD_PARTY_DAMAGE, D("15000000.00")),
        LossItem(PA, INJURY, D("3500000.00"), person_id=PILOT),
        LossItem(PACKAGE, POLICE_DOG, D("100000.00"), count=2),
        terms_items=terms(equipment=EQUIPMENT),
        earlier=[EarlierPayment(TPL, D("35000000.00"), "third_party_injury")],
        salvage_value=D("3000000.00"),
        exclusions=(ExclusionFinding(LOL, "misconduct"),),
        pilot_authorised=True,
    )
    stored = _stored(decision)

    assert Decision.from_dict(stored) == decision
    assert adjudication_rerun(stored) == decision
    assert adjudication_rerun(stored).as_dict() == decision.as_dict()
    assert decision.payable == D("75000000.00") + D("5000000.00") + D("3000000.00") + D("200000.00")


def test_a_decision_of_another_algorithm_version_is_not_rerun():
    stored = _stored(decide(hull("1000000.00")))
    stored["version"] = 0

    with pytest.raises(ValidationFailed) as raised:
        adjudication_rerun(stored)

    assert error_field(raised) == ("version", "algorithm_version")


def test_decisions_do_not_share_state_with_their_inputs():
    items = terms()
    snapshot = copy.deepcopy([i.as_dict() for i in items])
    decide(hull("56000000.00"), terms_items=items)

    assert [i.as_dict() for i in items] == snapshot


# Advance payment, complexity, green channel ---------------------------------------------------


def test_the_advance_pays_the_determined_part_only():
    inputs = AdjudicationInput(
        terms=terms(),
        cover=COVER,
        loss=Loss(
            occurred_at=AT,
            aircraft_id=AIRCRAFT_ID,
            items=(
                hull("10000000.00"),
                LossItem(TPL, THIRD_PARTY_DAMAGE, D("3000000.00"), determined=False),
            ),
        ),
    )

    advance = advance_payment(inputs)
    full = adjudicate(inputs)

    assert advance.scope == SCOPE_ADVANCE
    assert advance.line("item_undetermined").amount == D("3000000.00")
    assert advance.payable == D("9500000.00")
    assert full.payable == D("9500000.00") + D("2990000.00")
    assert adjudication_rerun(_stored(advance)) == advance


@pytest.mark.parametrize(
    ("items", "level", "reasons"),
    [
        ([LossItem(HULL, PARTS, D("50000.00"))], SIMPLE, ()),
        (
            [LossItem(PA, MEDICAL_EXPENSES, D("20000.00"), person_id=PILOT)],
            GENERAL,
            ("injury",),
        ),
        ([hull("1000000.00")], GENERAL, ("amount_from_simple_threshold",)),
        (
            [hull("56000000.00")],
            COMPLEX,
            ("constructive_total_loss", "amount_from_complex_threshold"),
        ),
        (
            [LossItem(PA, DEATH, D("3000000.00"), person_id=PILOT)],
            COMPLEX,
            ("death",),
        ),
        (
            [LossItem(TPL, INJURY, D("200000.00"), victim="pedestrian")],
            COMPLEX,
            ("liability_injury",),
        ),
    ],
)
def test_complexity_is_suggested_with_its_reasons(items, level, reasons):
    suggestion = complexity_suggest(decide(*items))

    assert (suggestion.level, suggestion.reasons) == (level, reasons)
    assert suggestion.working_days == {SIMPLE: 3, GENERAL: 5, COMPLEX: 10}[level]


def test_complexity_thresholds_are_configurable():
    decision = decide(hull("1000000.00"))

    rules = ComplexityRules(simple_below=D("2000000.00"), complex_from=D("900000.00"))
    assert complexity_suggest(decision, rules).level == COMPLEX


def test_the_green_channel_takes_small_claims_without_injury():
    small = Loss(occurred_at=AT, items=(LossItem(HULL, PARTS, D("99999.99")),))
    at_threshold = Loss(occurred_at=AT, items=(LossItem(HULL, PARTS, D("100000.00")),))
    injured = Loss(
        occurred_at=AT, items=(LossItem(PA, MEDICAL_EXPENSES, D("5000.00"), person_id=PILOT),)
    )

    assert green_channel_check(small, threshold=D("100000.00")).eligible
    refused = green_channel_check(at_threshold, threshold=D("100000.00"))
    assert (refused.eligible, refused.reasons) == (False, ("amount_not_below_threshold",))
    assert green_channel_check(injured, threshold=D("100000.00")).reasons == ("injury_or_death",)


# Bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("items", "loss", "expected"),
    [
        ([hull("-1.00")], {}, ("items[0].amount", "min_value")),
        ([hull("1.001")], {}, ("items[0].amount", "decimal_places")),
        ([LossItem(HULL, "crash", D("1.00"))], {}, ("items[0].kind", "choice")),
        ([LossItem(HULL, DEATH, D("1.00"))], {}, ("items[0].kind", "kind_for_coverage")),
        ([hull("1.00")], {"aircraft_id": None}, ("aircraft_id", "required")),
        ([LossItem(PA, INJURY, D("1.00"))], {}, ("items[0].person_id", "required")),
        ([LossItem(PAX, DEATH, D("1.00"))], {}, ("items[0].victim", "required")),
        ([LossItem(PACKAGE, POLICE_DOG, D("0.00"), count=0)], {}, ("items[0].count", "min_value")),
        ([LossItem(HULL, PARTS, D("1.00"), loss_type="x")], {}, ("items[0].loss_type", "choice")),
        ([], {}, ("items", "required")),
        ([hull("1.00")], {"flight_area": "moon"}, ("flight_area", "choice")),
        ([hull("1.00")], {"salvage_value": D("-5.00")}, ("salvage_value", "min_value")),
        (
            [LossItem(HULL, PARTS, D("1.00"))],
            {"salvage_value": D("5.00")},
            ("salvage_value", "hull_only"),
        ),
        ([hull("1.00")], {"earlier": [EarlierPayment(TPL, D("-1"))]}, None),
    ],
)
def test_bad_input_names_the_field_and_rule(items, loss, expected):
    earlier = loss.pop("earlier", ())
    with pytest.raises(ValidationFailed) as raised:
        decide(*items, earlier=earlier, **loss)

    assert error_field(raised) == (expected or ("earlier_payments[0].amount", "min_value"))


def test_a_loss_in_the_future_is_refused():
    now = datetime(2026, 6, 15, 10, 29, tzinfo=UTC)

    with pytest.raises(ValidationFailed) as raised:
        decide(hull("1.00"), now=now)

    assert error_field(raised) == ("occurred_at", "not_future")
    assert decide(hull("1.00"), now=AT).outcome == COVERED


# Properties ------------------------------------------------------------------------------------

fen_amounts = st.integers(0, 10_000_000_000).map(lambda fen: D(fen) / 100)
PROPERTIES = settings(max_examples=150, deadline=None)


@PROPERTIES
@given(amount=fen_amounts, earlier=fen_amounts)
def test_third_party_payable_never_exceeds_the_limits_nor_falls_below_zero(amount, earlier):
    decision = decide(
        LossItem(TPL, THIRD_PARTY_DAMAGE, amount),
        earlier=[EarlierPayment(TPL, earlier, "third_party_property")],
    )

    left = max(D("40000000.00") - earlier, D(0))
    expected = min(max(amount - D("10000.00"), D(0)), D("20000000.00"), left)
    assert decision.payable == expected
    assert D(0) <= decision.payable <= D("20000000.00")


@PROPERTIES
@given(
    repairs=st.lists(st.tuples(fen_amounts, st.booleans()), min_size=1, max_size=4),
    medical=st.tuples(fen_amounts, st.booleans()),
)
def test_hull_payable_stays_within_the_agreed_value_and_the_advance_within_the_whole(
    repairs, medical
):
    items = [LossItem(HULL, HULL_REPAIR, amount, determined=settled) for amount, settled in repairs]
    items.append(LossItem(PA, MEDICAL_EXPENSES, medical[0], person_id=PILOT, determined=medical[1]))
    inputs = AdjudicationInput(
        terms=terms(), cover=COVER, loss=Loss(occurred_at=AT, aircraft_id=1, items=tuple(items))
    )

    full = adjudicate(inputs)
    advance = advance_payment(inputs)

    hull_payable = full.coverages[0].payable
    assert D(0) <= hull_payable <= D("70000000.00")
    assert D(0) <= full.coverages[1].payable <= D("100000.00")
    assert D(0) <= advance.payable <= full.payable
    assert all(line.amount == line.amount.quantize(D("0.01")) for line in full.lines)
    assert full.payable == sum((c.payable for c in full.coverages), D(0))


# The terms above are those the catalogue writes -------------------------------------------------


def _normalised(value):
    """Decimal strings as numbers (the database writes "5000000.00", "0.0500"); rows in any
    order."""
    if isinstance(value, dict):
        return {k: _normalised(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((_normalised(v) for v in value), key=repr)
    if isinstance(value, str):
        try:
            return D(value).normalize()
        except ArithmeticError:
            return value
    return value


@pytest.mark.django_db
def test_the_terms_here_are_what_the_catalogue_writes():
    from coverdesk.catalog.models import Clause, Coverage
    from coverdesk.policies.selectors.terms import clause_item, coverage_item

    seeded = {
        c.code: coverage_item(c).data
        for c in Coverage.objects.filter(
            version__product__code="aviation-programme", version__number=1, parent=None
        )
    }
    ours = {item.data["code"]: item.data for item in terms() if item.key.startswith("coverage:")}
    assert set(seeded) == set(ours)
    for code, data in ours.items():
        assert data["coverage_kind"] == seeded[code]["coverage_kind"]
        assert data["insured_object"] == seeded[code]["insured_object"]
        assert _normalised(data["limits"]) == _normalised(seeded[code]["limits"])
        assert _normalised(data["deductibles"]) == _normalised(seeded[code]["deductibles"])
        sections = {s["code"]: s for s in seeded[code]["sections"]}
        for section in data["sections"]:
            theirs = sections.pop(section["code"])
            assert section["coverage_kind"] == theirs["coverage_kind"]
            assert _normalised(section["limits"]) == _normalised(theirs["limits"])
            assert _normalised(section["deductibles"]) == _normalised(theirs["deductibles"])
        assert not sections

    clauses = {
        c.code: clause_item(c).data
        for c in Clause.objects.filter(version__product__code="aviation-programme").select_related(
            "coverage"
        )
    }
    for item in terms():
        if item.key.startswith("clause:"):
            theirs = clauses[item.data["code"]]
            assert (item.data["clause_kind"], item.data["coverage"]) == (
                theirs["clause_kind"],
                theirs["coverage"],
            )
            for name, value in item.data["parameters"].items():
                assert _normalised(value) == _normalised(theirs["parameters"][name])
