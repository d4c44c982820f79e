"""Worked numbers for the premium arithmetic. The period of the aviation programme,
2025-12-22 00:00 to 2026-12-21 24:00, has 365 days."""

from datetime import date
from decimal import Decimal as D

import pytest

from coverdesk.core.exceptions import ValidationFailed
from coverdesk.core.values import Period
from coverdesk.policies.calculations import (
    ADD,
    CHANGE,
    CN_SHORT_RATE_TABLE,
    FLAT,
    PRO_RATA,
    REMOVE,
    SHORT_RATE,
    Change,
    EndorsementConflict,
    EndorsementInput,
    TermsItem,
    add_months,
    calculation_rerun,
    cancellation_refund,
    endorsements_replay,
    months_in_force,
    period_make,
    pro_rata_adjustment,
    short_rate_share,
    short_rate_table_check,
    version_in_force,
)

PERIOD = Period(date(2025, 12, 22), date(2026, 12, 21))
LEAP_PERIOD = Period(date(2027, 12, 22), date(2028, 12, 21))  # holds 2028-02-29


def test_the_programme_period_has_365_days_and_the_leap_one_366():
    assert (PERIOD.days, LEAP_PERIOD.days) == (365, 366)


@pytest.mark.parametrize(
    ("effective_on", "before", "after", "remaining", "expected"),
    [
        # an addition from mid-year: 10,000 × 183 / 365 = 5,013.6986… → 5,013.70
        (date(2026, 6, 22), "120000.00", "130000.00", 183, "5013.70"),
        # a reduction from 1 March: −30,000 × 296 / 365 = −24,328.7671… → −24,328.77
        (date(2026, 3, 1), "130000.00", "100000.00", 296, "-24328.77"),
        # from the first day the whole difference, from the last day one day of it
        (date(2025, 12, 22), "120000.00", "130000.00", 365, "10000.00"),
        (date(2026, 12, 21), "120000.00", "130000.00", 1, "27.40"),
        # no change, no adjustment
        (date(2026, 6, 22), "120000.00", "120000.00", 183, "0.00"),
        # a person added at 1,850.00 a head on 2026-09-01: 1,850 × 112 / 365 = 567.6712… → 567.67
        (date(2026, 9, 1), "55500.00", "57350.00", 112, "567.67"),
    ],
)
def test_pro_rata_adjustment_over_the_remaining_days(
    effective_on, before, after, remaining, expected
):
    calculation = pro_rata_adjustment(
        period=PERIOD,
        effective_on=effective_on,
        term_premium_before=D(before),
        term_premium_after=D(after),
    )

    assert calculation.result == D(expected)
    assert calculation.line("period_days").amount == 365
    assert calculation.line("remaining_days").amount == remaining
    assert calculation.line("difference").amount == D(after) - D(before)
    assert calculation.line("adjustment").amount == D(expected)
    assert calculation.effective_on == effective_on


def test_pro_rata_lines_read_as_the_document_shows_them():
    calculation = pro_rata_adjustment(
        period=PERIOD,
        effective_on=date(2026, 6, 22),
        term_premium_before=D("120000.00"),
        term_premium_after=D("130000.00"),
    )

    assert [line.as_dict() for line in calculation.lines] == [
        {
            "code": "period_days",
            "label": "Days in the policy period",
            "formula": "2025-12-22 – 2026-12-21",
            "amount": "365",
        },
        {
            "code": "remaining_days",
            "label": "Days from the effective date to the end of the period",
            "formula": "2026-06-22 – 2026-12-21",
            "amount": "183",
        },
        {
            "code": "premium_before",
            "label": "Term premium before the change",
            "formula": "",
            "amount": "120000.00",
        },
        {
            "code": "premium_after",
            "label": "Term premium after the change",
            "formula": "",
            "amount": "130000.00",
        },
        {
            "code": "difference",
            "label": "Difference in term premium",
            "formula": "130,000.00 − 120,000.00",
            "amount": "10000.00",
        },
        {
            "code": "adjustment",
            "label": "Premium adjustment, pro rata by day, rounded to the fen",
            "formula": "10,000.00 × 183 / 365",
            "amount": "5013.70",
        },
    ]


@pytest.mark.parametrize(
    ("difference", "expected"),
    [
        # 366-day period, last day only: 1.83 / 366 = 0.005 exactly → half up to 0.01
        ("1.83", "0.01"),
        # 9.15 / 366 = 0.025 → 0.03 (half-even would give 0.02)
        ("9.15", "0.03"),
        # and symmetric for a reduction: −0.025 → −0.03
        ("-9.15", "-0.03"),
        # 9.14 / 366 = 0.024972… → 0.02
        ("9.14", "0.02"),
    ],
)
def test_pro_rata_rounds_half_up_to_the_fen_once(difference, expected):
    before = D("1000.00")
    calculation = pro_rata_adjustment(
        period=LEAP_PERIOD,
        effective_on=date(2028, 12, 21),
        term_premium_before=before,
        term_premium_after=before + D(difference),
    )

    assert calculation.result == D(expected)


@pytest.mark.parametrize(
    ("effective_on", "field", "rule"),
    [
        (date(2025, 12, 21), "effective_on", "outside_period"),
        (date(2026, 12, 22), "effective_on", "outside_period"),
    ],
)
def test_pro_rata_refuses_a_date_outside_the_period(effective_on, field, rule):
    with pytest.raises(ValidationFailed) as raised:
        pro_rata_adjustment(
            period=PERIOD,
            effective_on=effective_on,
            term_premium_before=D("1.00"),
            term_premium_after=D("2.00"),
        )

    assert [(f.field, f.rule) for f in raised.value.fields] == [(field, rule)]


def test_pro_rata_refuses_a_negative_premium():
    with pytest.raises(ValidationFailed) as raised:
        pro_rata_adjustment(
            period=PERIOD,
            effective_on=date(2026, 1, 1),
            term_premium_before=D("-1.00"),
            term_premium_after=D("2.00"),
        )

    assert [(f.field, f.rule) for f in raised.value.fields] == [
        ("term_premium_before", "min_value")
    ]


def test_a_period_ending_before_it_starts_is_refused_naming_the_end():
    with pytest.raises(ValidationFailed) as raised:
        period_make(date(2026, 12, 21), date(2025, 12, 22))

    assert [(f.field, f.rule) for f in raised.value.fields] == [("period_end", "after_start")]


# Months and the short-rate table -------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 12, 22), 1, date(2026, 1, 22)),
        (date(2025, 12, 22), 12, date(2026, 12, 22)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2027, 1, 31), 13, date(2028, 2, 29)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("cancel_on", "months"),
    [
        (date(2025, 12, 22), 0),  # never in force
        (date(2025, 12, 23), 1),  # one day is a month
        (date(2026, 1, 22), 1),  # exactly one month
        (date(2026, 1, 23), 2),
        (date(2026, 3, 10), 3),
        (date(2026, 3, 22), 3),
        (date(2026, 3, 23), 4),
        (date(2026, 9, 22), 9),
        (date(2026, 12, 21), 12),
    ],
)
def test_months_in_force_count_a_part_month_as_a_month(cancel_on, months):
    assert months_in_force(PERIOD.first_day, cancel_on) == months


@pytest.mark.parametrize(
    ("months", "share"),
    [(0, 0), (1, 10), (2, 20), (6, 60), (8, 80), (9, 85), (10, 90), (11, 95), (12, 100), (13, 100)],
)
def test_the_default_short_rate_table(months, share):
    assert short_rate_share(CN_SHORT_RATE_TABLE, months) == D(share)


def test_a_configured_short_rate_table_with_coarser_rows():
    table = short_rate_table_check([(3, D(40)), (6, D(70)), (12, D(100))])

    assert [short_rate_share(table, m) for m in (1, 3, 4, 6, 7, 12)] == [
        D(40),
        D(40),
        D(70),
        D(70),
        D(100),
        D(100),
    ]


@pytest.mark.parametrize(
    ("table", "rule"),
    [
        ([], "required"),
        ([(2, D(10)), (1, D(20))], "months_increasing"),
        ([(1, D(30)), (2, D(20))], "share_range"),
        ([(1, D(101))], "share_range"),
        ([(1, D(-1))], "share_range"),
    ],
)
def test_a_bad_short_rate_table_is_refused(table, rule):
    with pytest.raises(ValidationFailed) as raised:
        short_rate_table_check(table)

    assert [(f.field, f.rule) for f in raised.value.fields] == [("short_rate_table", rule)]


# Cancellation refunds -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "cancel_on", "fee", "gross", "refund", "effective_on"),
    [
        # pro rata: 120,000 × 183 / 365 = 60,164.3835… → 60,164.38, less 200 fee
        (PRO_RATA, date(2026, 6, 22), "200.00", "60164.38", "59964.38", date(2026, 6, 22)),
        # pro rata from the first day: everything
        (PRO_RATA, date(2025, 12, 22), "0.00", "120000.00", "120000.00", date(2025, 12, 22)),
        # pro rata on the last day: one day, 328.7671… → 328.77
        (PRO_RATA, date(2026, 12, 21), "0.00", "328.77", "328.77", date(2026, 12, 21)),
        # short rate, 3 months in force (12-22 … 03-09): 30 % retained = 36,000
        (SHORT_RATE, date(2026, 3, 10), "200.00", "84000.00", "83800.00", date(2026, 3, 10)),
        # short rate, 9 months: 85 % retained = 102,000
        (SHORT_RATE, date(2026, 9, 22), "0.00", "18000.00", "18000.00", date(2026, 9, 22)),
        # short rate, 11 months and a fee larger than the refund: never below zero
        (SHORT_RATE, date(2026, 11, 1), "10000.00", "6000.00", "0.00", date(2026, 11, 1)),
        # flat without a share: the whole premium less the fee
        (FLAT, date(2026, 6, 22), "200.00", "120000.00", "119800.00", date(2026, 6, 22)),
    ],
)
def test_cancellation_refund_by_method(method, cancel_on, fee, gross, refund, effective_on):
    calculation = cancellation_refund(
        period=PERIOD,
        cancel_on=cancel_on,
        term_premium=D("120000.00"),
        method=method,
        fee=D(fee),
    )

    assert calculation.line("gross_refund").amount == D(gross)
    assert calculation.line("fee").amount == D(fee)
    assert calculation.result == calculation.line("refund").amount == D(refund)
    assert calculation.effective_on == effective_on


def test_short_rate_refund_lines():
    calculation = cancellation_refund(
        period=PERIOD,
        cancel_on=date(2026, 3, 10),
        term_premium=D("120000.00"),
        method=SHORT_RATE,
        fee=D("200.00"),
    )

    assert [(line.code, line.formula, line.amount) for line in calculation.lines] == [
        ("period_days", "2025-12-22 – 2026-12-21", D(365)),
        ("term_premium", "", D("120000.00")),
        ("premium_paid", "", D("120000.00")),
        ("months_in_force", "2025-12-22 – 2026-03-09", D(3)),
        ("retained_share", "3 → 30 %", D(30)),
        ("retained_premium", "120,000.00 × 30 %", D("36000.00")),
        ("gross_refund", "120,000.00 − 36,000.00", D("84000.00")),
        ("fee", "", D("200.00")),
        ("refund", "max(0, 84,000.00 − 200.00)", D("83800.00")),
    ]


def test_short_rate_rounds_the_retained_premium_half_up():
    # 1,234.50 × 85 % = 1,049.325 → 1,049.33 retained (half-even would keep 1,049.32)
    calculation = cancellation_refund(
        period=PERIOD,
        cancel_on=date(2026, 9, 22),
        term_premium=D("1234.50"),
        method=SHORT_RATE,
    )

    assert calculation.line("retained_premium").amount == D("1049.33")
    assert calculation.result == D("185.17")


@pytest.mark.parametrize(
    ("share", "premium", "refund"),
    [
        ("0.5", "120000.00", "60000.00"),
        ("0", "120000.00", "0.00"),
        # 123,456.79 × 0.333333 = 41,152.2221… → 41,152.22
        ("0.333333", "123456.79", "41152.22"),
    ],
)
def test_flat_refund_of_a_configured_share(share, premium, refund):
    calculation = cancellation_refund(
        period=PERIOD,
        cancel_on=date(2026, 9, 1),
        term_premium=D(premium),
        method=FLAT,
        flat_share=D(share),
    )

    assert calculation.result == D(refund)
    assert calculation_rerun(calculation.as_dict()) == calculation


def test_flat_share_above_one_is_refused():
    with pytest.raises(ValidationFailed) as raised:
        cancellation_refund(
            period=PERIOD,
            cancel_on=date(2026, 9, 1),
            term_premium=D("1.00"),
            method=FLAT,
            flat_share=D("1.01"),
        )

    assert [(f.field, f.rule) for f in raised.value.fields] == [
        ("flat_refund_share", "share_range")
    ]


def test_short_rate_with_a_configured_table():
    calculation = cancellation_refund(
        period=PERIOD,
        cancel_on=date(2026, 3, 10),
        term_premium=D("120000.00"),
        method=SHORT_RATE,
        short_rate_table=[(3, D(40)), (6, D(70)), (12, D(100))],
    )

    assert calculation.line("retained_premium").amount == D("48000.00")
    assert calculation.result == D("72000.00")
    assert calculation.inputs["short_rate_table"] == [[3, "40"], [6, "70"], [12, "100"]]


def test_refund_after_an_endorsement_uses_the_terms_in_force_and_the_premium_paid():
    # 120,000 paid at issue, +5,013.70 for the change from 06-22 (term premium 130,000);
    # cancelled 2026-09-01: 130,000 × 112 / 365 = 39,890.41 unearned
    calculation = cancellation_refund(
        period=PERIOD,
        cancel_on=date(2026, 9, 1),
        term_premium=D("130000.00"),
        premium_paid=D("125013.70"),
        method=PRO_RATA,
    )

    assert calculation.result == D("39890.41")


@pytest.mark.parametrize("cancel_on", [date(2025, 12, 21), date(2026, 12, 22)])
def test_a_refund_date_outside_the_period_is_refused(cancel_on):
    with pytest.raises(ValidationFailed) as raised:
        cancellation_refund(
            period=PERIOD, cancel_on=cancel_on, term_premium=D("1.00"), method=PRO_RATA
        )

    assert [(f.field, f.rule) for f in raised.value.fields] == [("cancel_on", "outside_period")]


@pytest.mark.parametrize(
    ("kwargs", "field", "rule"),
    [
        ({"method": "monthly"}, "refund_method", "choice"),
        ({"fee": D("-0.01")}, "fee", "min_value"),
        ({"term_premium": D("-1.00")}, "term_premium", "min_value"),
    ],
)
def test_bad_refund_input_names_the_field(kwargs, field, rule):
    arguments = {
        "period": PERIOD,
        "cancel_on": date(2026, 3, 1),
        "term_premium": D("100.00"),
        "method": PRO_RATA,
        **kwargs,
    }
    with pytest.raises(ValidationFailed) as raised:
        cancellation_refund(**arguments)

    assert [(f.field, f.rule) for f in raised.value.fields] == [(field, rule)]


@pytest.mark.parametrize("method", [PRO_RATA, SHORT_RATE, FLAT])
def test_a_stored_refund_reruns_to_the_same_result(method):
    calculation = cancellation_refund(
        period=PERIOD,
        cancel_on=date(2026, 5, 5),
        term_premium=D("98765.43"),
        method=method,
        fee=D("50.00"),
    )

    assert calculation_rerun(calculation.as_dict()) == calculation


def test_a_stored_adjustment_reruns_to_the_same_result():
    calculation = pro_rata_adjustment(
        period=PERIOD,
        effective_on=date(2026, 2, 2),
        term_premium_before=D("100.00"),
        term_premium_after=D("333.33"),
    )

    assert calculation_rerun(calculation.as_dict()) == calculation


# Out-of-sequence endorsements ----------------------------------------------------------------


def item(key, premium, **data):
    return TermsItem(key=key, premium=D(premium), data=data)


BASE = [item("aircraft:A", "100000.00"), item("aircraft:B", "100000.00")]
# E1 arrives first, effective 06-22: aircraft A's premium 110,000 → 120,000 (agreed value up).
# E2 arrives later but takes effect earlier, 03-01: aircraft A 100,000 → 110,000.
E1 = EndorsementInput(
    reference="E1",
    sequence=1,
    effective_on=date(2026, 6, 22),
    changes=(Change(CHANGE, "aircraft:A", item("aircraft:A", "120000.00", value=2)),),
)
E2 = EndorsementInput(
    reference="E2",
    sequence=2,
    effective_on=date(2026, 3, 1),
    changes=(Change(CHANGE, "aircraft:A", item("aircraft:A", "110000.00", value=1)),),
)


def _summary(versions):
    return [
        (
            v.reference,
            v.effective_from,
            v.effective_to,
            v.term_premium,
            v.premium_change,
            {i.key: i.premium for i in v.items},
        )
        for v in versions
    ]


def test_an_out_of_sequence_endorsement_is_replayed_in_effective_order():
    versions = endorsements_replay(period=PERIOD, base_items=BASE, endorsements=[E1, E2])

    # E2 first: +10,000 × 296 / 365 = 8,109.59; then E1: +10,000 × 183 / 365 = 5,013.70
    assert _summary(versions) == [
        (
            None,
            date(2025, 12, 22),
            date(2026, 2, 28),
            D("200000.00"),
            D("200000.00"),
            {"aircraft:A": D("100000.00"), "aircraft:B": D("100000.00")},
        ),
        (
            "E2",
            date(2026, 3, 1),
            date(2026, 6, 21),
            D("210000.00"),
            D("8109.59"),
            {"aircraft:A": D("110000.00"), "aircraft:B": D("100000.00")},
        ),
        (
            "E1",
            date(2026, 6, 22),
            date(2026, 12, 21),
            D("220000.00"),
            D("5013.70"),
            {"aircraft:A": D("120000.00"), "aircraft:B": D("100000.00")},
        ),
    ]


def test_replay_gives_the_same_versions_whatever_order_they_arrive_in():
    arrived_late = endorsements_replay(period=PERIOD, base_items=BASE, endorsements=[E1, E2])
    in_order = endorsements_replay(period=PERIOD, base_items=BASE, endorsements=[E2, E1])

    assert arrived_late == in_order


def test_the_out_of_sequence_charge_is_the_difference_to_what_was_charged_before():
    # before E2 arrived, E1 alone charged 20,000 × 183 / 365 = 10,027.40
    alone = endorsements_replay(period=PERIOD, base_items=BASE, endorsements=[E1])
    replayed = endorsements_replay(period=PERIOD, base_items=BASE, endorsements=[E1, E2])

    charged_before = sum(v.premium_change for v in alone[1:])
    charged_after = sum(v.premium_change for v in replayed[1:])
    assert charged_before == D("10027.40")
    assert charged_after == D("13123.29")
    assert charged_after - charged_before == D("3095.89")


def test_what_was_covered_on_a_day_comes_from_the_version_in_force():
    versions = endorsements_replay(period=PERIOD, base_items=BASE, endorsements=[E1, E2])

    assert version_in_force(versions, date(2026, 2, 28)).reference is None
    assert version_in_force(versions, date(2026, 3, 1)).reference == "E2"
    assert version_in_force(versions, date(2026, 6, 22)).reference == "E1"
    assert version_in_force(versions, date(2026, 12, 22)) is None


def test_endorsements_on_the_same_day_apply_in_arrival_order():
    first = EndorsementInput(
        "F", 1, date(2026, 3, 1), (Change(ADD, "person:1", item("person:1", "1850.00")),)
    )
    second = EndorsementInput("S", 2, date(2026, 3, 1), (Change(REMOVE, "person:1"),))

    versions = endorsements_replay(period=PERIOD, base_items=BASE, endorsements=[second, first])

    assert [(v.reference, v.effective_from, v.effective_to) for v in versions] == [
        (None, date(2025, 12, 22), date(2026, 2, 28)),
        ("F", date(2026, 3, 1), date(2026, 2, 28)),  # empty: replaced the same day
        ("S", date(2026, 3, 1), date(2026, 12, 21)),
    ]
    assert version_in_force(versions, date(2026, 3, 1)).reference == "S"
    assert sum(v.premium_change for v in versions[1:]) == D("0.00")


def test_an_endorsement_that_no_longer_fits_in_effective_order_is_a_conflict():
    # E1 (06-22) changes aircraft A; a later-arriving endorsement removes A from 03-01
    remove_a = EndorsementInput("E3", 3, date(2026, 3, 1), (Change(REMOVE, "aircraft:A"),))

    with pytest.raises(EndorsementConflict) as raised:
        endorsements_replay(period=PERIOD, base_items=BASE, endorsements=[E1, remove_a])

    assert raised.value.params == {"reference": "E1", "reason": "not present", "key": "aircraft:A"}


def test_adding_an_item_twice_is_a_conflict():
    twice = EndorsementInput(
        "E4", 4, date(2026, 3, 1), (Change(ADD, "aircraft:B", item("aircraft:B", "1.00")),)
    )

    with pytest.raises(EndorsementConflict):
        endorsements_replay(period=PERIOD, base_items=BASE, endorsements=[twice])


def test_an_endorsement_outside_the_period_is_refused():
    late = EndorsementInput("E5", 5, date(2026, 12, 22), ())

    with pytest.raises(ValidationFailed) as raised:
        endorsements_replay(period=PERIOD, base_items=BASE, endorsements=[late])

    assert [(f.field, f.rule) for f in raised.value.fields] == [("effective_on", "outside_period")]


def test_replay_uses_the_given_term_premium_rule():
    # a minimum term premium of 250,000: the base pays 250,000, E2 (210,000) changes nothing,
    # E1 (220,000) neither
    def at_least(items):
        return max(D("250000.00"), sum((i.premium for i in items), D("0.00")))

    versions = endorsements_replay(
        period=PERIOD, base_items=BASE, endorsements=[E1, E2], premium_of=at_least
    )

    assert [(v.term_premium, v.premium_change) for v in versions] == [
        (D("250000.00"), D("250000.00")),
        (D("250000.00"), D("0.00")),
        (D("250000.00"), D("0.00")),
    ]


def _rate_at_one_percent(item):
    # a test rating: premium = 1 % of (value + equipment)
    value = D(item.data["value"]) + D(item.data.get("equipment", "0"))
    return TermsItem(item.key, (value / 100).quantize(D("0.01")), item.data)


def test_patches_are_merged_and_rerated_so_a_replayed_change_keeps_the_earlier_one():
    base = [TermsItem("aircraft:A", D("100000.00"), {"value": "10000000", "equipment": "0"})]
    # arrived first, effective 06-22: equipment of 2,000,000 added (premium +20,000)
    equipment = EndorsementInput(
        "EQ", 1, date(2026, 6, 22), (Change(CHANGE, "aircraft:A", patch={"equipment": "2000000"}),)
    )
    # arrived later, effective 03-01: agreed value 10,000,000 → 12,000,000 (premium +20,000)
    value = EndorsementInput(
        "AV", 2, date(2026, 3, 1), (Change(CHANGE, "aircraft:A", patch={"value": "12000000"}),)
    )

    versions = endorsements_replay(
        period=PERIOD,
        base_items=base,
        endorsements=[equipment, value],
        rerate=_rate_at_one_percent,
    )

    # the re-applied equipment change keeps the new agreed value: 14,000,000 → 140,000
    assert [(v.reference, v.term_premium, dict(v.items[0].data)) for v in versions] == [
        (None, D("100000.00"), {"value": "10000000", "equipment": "0"}),
        ("AV", D("120000.00"), {"value": "12000000", "equipment": "0"}),
        ("EQ", D("140000.00"), {"value": "12000000", "equipment": "2000000"}),
    ]
    # 20,000 × 296 / 365 = 16,219.18; 20,000 × 183 / 365 = 10,027.40
    assert [v.premium_change for v in versions[1:]] == [D("16219.18"), D("10027.40")]
