"""Worked numbers for premiums, deductibles, limits and settlements (pure, no database)."""

from decimal import Decimal as D

import pytest

from coverdesk.catalog.calculations import (
    DeductibleTerms,
    LimitTerms,
    RatingBasis,
    RatingTerms,
    Step,
    after_deductible,
    coverage_premium,
    deductible_for_loss,
    is_constructive_total_loss,
    limit_amount,
    limits_apply,
    settlement_compute,
)
from coverdesk.core.exceptions import ValidationFailed

AGREED = D("70000000.00")
HEADS = {"pilot": D("9000.00"), "aircrew": D("6000.00"), "ground_crew": D("1200.00")}


@pytest.mark.parametrize(
    ("terms", "basis", "computed", "premium", "minimum_applied"),
    [
        # hull: 1.2 % of the ¥70,000,000 agreed value
        (
            RatingTerms("agreed_value_rate", rate=D("0.012"), minimum_premium=D("300000")),
            RatingBasis(agreed_value=AGREED),
            D("840000.00000"),
            D("840000.00"),
            False,
        ),
        # a small aircraft falls under the minimum premium
        (
            RatingTerms("agreed_value_rate", rate=D("0.012"), minimum_premium=D("300000")),
            RatingBasis(agreed_value=D("20000000")),
            D("240000.000"),
            D("300000.00"),
            True,
        ),
        # third party: 0.15 % of the ¥20,000,000 limit
        (
            RatingTerms("sum_insured_rate", rate=D("0.0015"), minimum_premium=D("20000")),
            RatingBasis(sum_insured=D("20000000")),
            D("30000.0000"),
            D("30000.00"),
            False,
        ),
        # passengers: ¥2,000 per seat, H145 (6) and H175 (16)
        (
            RatingTerms("per_seat", amount=D("2000.00"), minimum_premium=D("10000")),
            RatingBasis(seats=6),
            D("12000.00"),
            D("12000.00"),
            False,
        ),
        (
            RatingTerms("per_seat", amount=D("2000.00"), minimum_premium=D("10000")),
            RatingBasis(seats=16),
            D("32000.00"),
            D("32000.00"),
            False,
        ),
        (
            RatingTerms("per_seat", amount=D("2000.00"), minimum_premium=D("10000")),
            RatingBasis(seats=4),
            D("8000.00"),
            D("10000.00"),
            True,
        ),
        # group accident: 4 pilots, 4 aircrew, 4 ground crew
        (
            RatingTerms("per_head", head_premiums=HEADS, minimum_premium=D("10000")),
            RatingBasis(heads={"pilot": 4, "aircrew": 4, "ground_crew": 4}),
            D("64800.00"),
            D("64800.00"),
            False,
        ),
        # one ground crew member alone: the minimum premium
        (
            RatingTerms("per_head", head_premiums=HEADS, minimum_premium=D("10000")),
            RatingBasis(heads={"ground_crew": 1, "pilot": 0}),
            D("1200.00"),
            D("10000.00"),
            True,
        ),
        (
            RatingTerms("flat", amount=D("4321.09")),
            RatingBasis(),
            D("4321.09"),
            D("4321.09"),
            False,
        ),
        # rounding half-up to the fen only at the end of the line: 0.005 goes up ...
        (
            RatingTerms("sum_insured_rate", rate=D("0.000125")),
            RatingBasis(sum_insured=D("1000.04")),
            D("0.12500500"),
            D("0.13"),
            False,
        ),
        (
            RatingTerms("agreed_value_rate", rate=D("0.003")),
            RatingBasis(agreed_value=D("1234.55")),
            D("3.70365"),
            D("3.70"),
            False,
        ),
        (
            RatingTerms("agreed_value_rate", rate=D("0.01")),
            RatingBasis(agreed_value=D("0.50")),
            D("0.0050"),
            D("0.01"),
            False,
        ),
        # ... and a line's exact amount is not rounded before the minimum is compared
        (
            RatingTerms("agreed_value_rate", rate=D("0.000001"), minimum_premium=D("100.00")),
            RatingBasis(agreed_value=D("99999995")),
            D("99.999995"),
            D("100.00"),
            True,
        ),
    ],
)
def test_coverage_premium_worked_numbers(terms, basis, computed, premium, minimum_applied):
    line = coverage_premium(terms, basis, coverage_code="x")

    assert line.computed == computed
    assert line.premium == premium
    assert line.minimum_applied is minimum_applied
    assert line.coverage_code == "x"
    assert line.steps[-1] == Step("premium", {"premium": f"{premium:,.2f}"})


def test_coverage_premium_shows_its_working_line_by_line():
    line = coverage_premium(
        RatingTerms("per_head", head_premiums=HEADS, minimum_premium=D("100000")),
        RatingBasis(heads={"pilot": 2, "aircrew": 1}),
    )

    assert [str(step) for step in line.steps] == [
        "aircrew: 1 × 6,000.00 = 6000",
        "pilot: 2 × 9,000.00 = 18000",
        "minimum premium 100,000.00 applies",
        "premium 100,000.00",
    ]
    assert line.steps[0].as_dict() == {
        "code": "per_head",
        "values": {"category": "aircrew", "count": "1", "premium": "6,000.00", "result": "6000"},
        "text": "aircrew: 1 × 6,000.00 = 6000",
    }


def test_hull_premium_steps():
    line = coverage_premium(
        RatingTerms("agreed_value_rate", rate=D("0.012")), RatingBasis(agreed_value=AGREED)
    )
    assert [str(s) for s in line.steps] == [
        "agreed value 70,000,000.00 × rate 0.012 = 840000",
        "premium 840,000.00",
    ]


@pytest.mark.parametrize(
    ("terms", "basis", "field", "rule"),
    [
        (
            RatingTerms("agreed_value_rate", rate=D("0.01")),
            RatingBasis(),
            "agreed_value",
            "required",
        ),
        (
            RatingTerms("agreed_value_rate", rate=D("0.01")),
            RatingBasis(agreed_value=D("-70000000")),
            "agreed_value",
            "positive",
        ),
        (
            RatingTerms("agreed_value_rate"),
            RatingBasis(agreed_value=AGREED),
            "rate",
            "rating_terms",
        ),
        (RatingTerms("sum_insured_rate", rate=D("0.01")), RatingBasis(), "sum_insured", "required"),
        (RatingTerms("per_seat", amount=D("10")), RatingBasis(seats=0), "seats", "positive"),
        (RatingTerms("per_seat", amount=D("10")), RatingBasis(), "seats", "positive"),
        (RatingTerms("per_head", head_premiums=HEADS), RatingBasis(), "heads", "required"),
        (
            RatingTerms("per_head", head_premiums={"pilot": D("1")}),
            RatingBasis(heads={"aircrew": 2}),
            "heads",
            "no_head_premium",
        ),
        (
            RatingTerms("per_head", head_premiums=HEADS),
            RatingBasis(heads={"pilot": -1}),
            "heads",
            "not_negative",
        ),
        (RatingTerms("flat"), RatingBasis(), "amount", "rating_terms"),
        (RatingTerms("by_weight"), RatingBasis(), "method", "choice"),
    ],
)
def test_coverage_premium_refuses_missing_or_bad_basis(terms, basis, field, rule):
    with pytest.raises(ValidationFailed) as caught:
        coverage_premium(terms, basis)

    assert [(f.field, f.rule) for f in caught.value.fields] == [(field, rule)]


PARTIAL = DeductibleTerms("percentage", percentage=D("0.05"), minimum_amount=D("100000"))


@pytest.mark.parametrize(
    ("terms", "loss", "deductible"),
    [
        (None, D("5000"), D("0")),
        (DeductibleTerms("amount", amount=D("10000")), D("25000"), D("10000")),
        # never more than the loss
        (DeductibleTerms("amount", amount=D("10000")), D("6000"), D("6000")),
        (DeductibleTerms("amount", amount=D("0")), D("6000"), D("0")),
        # hull partial loss: 5 % of the loss, at least ¥100,000
        (PARTIAL, D("1000000"), D("100000")),
        (PARTIAL, D("2000000"), D("100000.00")),
        (PARTIAL, D("3000000"), D("150000.00")),
        (PARTIAL, D("60000"), D("60000")),
        (DeductibleTerms("percentage", percentage=D("0.1")), D("123.45"), D("12.345")),
        (PARTIAL, D("0"), D("0")),
    ],
)
def test_deductible_for_loss(terms, loss, deductible):
    assert deductible_for_loss(terms, loss) == deductible
    assert after_deductible(terms, loss) == loss - deductible


def test_deductible_refuses_a_negative_loss_or_unknown_kind():
    with pytest.raises(ValidationFailed) as caught:
        deductible_for_loss(PARTIAL, D("-1"))
    assert caught.value.fields[0].rule == "not_negative"
    with pytest.raises(ValidationFailed) as caught:
        deductible_for_loss(DeductibleTerms("days"), D("1"))
    assert caught.value.fields[0].rule == "choice"


@pytest.mark.parametrize(
    ("basis", "amount", "share", "agreed", "expected"),
    [
        ("amount", D("20000000"), None, None, D("20000000")),
        ("agreed_value", None, D("1"), AGREED, AGREED),
        ("agreed_value", None, D("0.5"), AGREED, D("35000000.0")),
    ],
)
def test_limit_amount(basis, amount, share, agreed, expected):
    assert limit_amount(basis=basis, amount=amount, share=share, agreed_value=agreed) == expected


def test_an_agreed_value_limit_needs_the_agreed_value():
    with pytest.raises(ValidationFailed) as caught:
        limit_amount(basis="agreed_value", amount=None, share=D("1"), agreed_value=None)
    assert (caught.value.fields[0].field, caught.value.fields[0].rule) == (
        "agreed_value",
        "required",
    )


TPL = LimitTerms(per_occurrence=D("20000000"), aggregate=D("40000000"))


@pytest.mark.parametrize(
    ("amount", "limits", "aggregate_paid", "person_paid", "payable", "capped_by", "agg_left"),
    [
        (D("5000000"), TPL, D("0"), D("0"), D("5000000"), None, D("35000000")),
        (D("25000000"), TPL, D("0"), D("0"), D("20000000"), "per_occurrence", D("20000000")),
        # the third occurrence finds only ¥5,000,000 left of the aggregate
        (D("15000000"), TPL, D("35000000"), D("0"), D("5000000"), "aggregate", D("0")),
        (D("1"), TPL, D("40000000"), D("0"), D("0"), "aggregate", D("0")),
        # per person: ¥2,000,000, of which ¥500,000 already paid
        (
            D("1800000"),
            LimitTerms(per_person=D("2000000")),
            D("0"),
            D("500000"),
            D("1500000"),
            "per_person",
            None,
        ),
        (D("999"), LimitTerms(), D("0"), D("0"), D("999"), None, None),
    ],
)
def test_limits_apply(amount, limits, aggregate_paid, person_paid, payable, capped_by, agg_left):
    outcome = limits_apply(amount, limits, aggregate_paid=aggregate_paid, person_paid=person_paid)

    assert (outcome.payable, outcome.capped_by, outcome.aggregate_remaining) == (
        payable,
        capped_by,
        agg_left,
    )


def test_limits_name_the_tightest_limit_and_keep_the_first_on_a_tie():
    limits = LimitTerms(per_occurrence=D("100"), aggregate=D("100"), per_person=D("150"))
    assert limits_apply(D("120"), limits).capped_by == "per_occurrence"
    assert limits_apply(D("120"), limits, person_paid=D("90")).capped_by == "per_person"
    assert limits_apply(D("120"), limits, person_paid=D("90")).person_remaining == D("0")


def test_settlement_of_a_hull_partial_loss_deductible_first_then_the_agreed_value():
    settlement = settlement_compute(
        loss=D("3000000.00"), deductible=PARTIAL, limits=LimitTerms(per_occurrence=AGREED)
    )

    assert (settlement.deductible, settlement.after_deductible, settlement.payable) == (
        D("150000.0000"),
        D("2850000.0000"),
        D("2850000.00"),
    )
    assert settlement.capped_by is None
    assert [str(s) for s in settlement.steps] == [
        "loss 3,000,000.00",
        "deductible 150000",
        "after deductible 2850000",
        "payable 2,850,000.00",
    ]


def test_settlement_rounds_once_at_the_end():
    # 5 % of 1,234.57 is 61.7285: exact inside the line, 1,172.84 (half-up of .8415) at the end
    settlement = settlement_compute(
        loss=D("1234.57"),
        deductible=DeductibleTerms("percentage", percentage=D("0.05")),
        limits=LimitTerms(),
    )
    assert settlement.deductible == D("61.7285")
    assert settlement.payable == D("1172.84")


def test_settlement_capped_by_the_per_person_limit():
    settlement = settlement_compute(
        loss=D("2500000"), deductible=None, limits=LimitTerms(per_person=D("2000000"))
    )
    assert (settlement.payable, settlement.capped_by) == (D("2000000.00"), "per_person")
    assert str(settlement.steps[-2]) == "capped by the per_person limit at 2000000"


@pytest.mark.parametrize(
    ("repair_cost", "expected"),
    [
        (D("52499999.99"), False),
        (D("52500000.00"), True),  # exactly 75 % of ¥70,000,000
        (D("60000000"), True),
        (D("0"), False),
    ],
)
def test_constructive_total_loss_at_75_percent_of_the_agreed_value(repair_cost, expected):
    assert (
        is_constructive_total_loss(
            repair_cost=repair_cost, agreed_value=AGREED, threshold=D("0.75")
        )
        is expected
    )


def test_constructive_total_loss_refuses_bad_figures():
    with pytest.raises(ValidationFailed):
        is_constructive_total_loss(repair_cost=D("1"), agreed_value=D("0"), threshold=D("0.75"))
    with pytest.raises(ValidationFailed):
        is_constructive_total_loss(repair_cost=D("-1"), agreed_value=AGREED, threshold=D("0.75"))
