"""Pure arithmetic of clocks and KPIs, with worked numbers."""

from decimal import Decimal

import pytest

from coverdesk.sla.calculations import (
    ClockOutcome,
    EventStep,
    event_steps,
    kpis,
    rate,
    share_used,
    threshold_measure,
)

D = Decimal

# One working day on cn-mainland is 7.5 business hours = 27,000 s.
WD = 27_000


@pytest.mark.parametrize(
    ("allowed", "ratio", "expected"),
    [
        (WD, D("0.8"), 21_600),  # 6 h of 7.5 h
        (3 * WD, D("0.8"), 64_800),
        (600, D("0.8"), 480),  # 10 natural minutes: yellow after 8
        (1001, D("0.8"), 801),  # 800.8 rounds up: never early
        (1000, D("0.999"), 999),
        (WD, D("1.5"), 40_500),
        (0, D("0.8"), 0),
    ],
)
def test_threshold_measure_rounds_up(allowed, ratio, expected):
    assert threshold_measure(allowed, ratio) == expected


@pytest.mark.parametrize(
    ("used", "allowed", "expected"),
    [
        (21_600, WD, D("0.8000")),
        (27_000, WD, D("1.0000")),
        (40_500, WD, D("1.5000")),
        (1, 3, D("0.3333")),
        (2, 3, D("0.6667")),  # half up
        (1, 8, D("0.1250")),
        (0, 0, D("1")),
        (0, 600, D("0.0000")),
    ],
)
def test_share_used(used, allowed, expected):
    assert share_used(used, allowed) == expected


def test_share_used_refuses_negative_measures():
    with pytest.raises(ValueError):
        share_used(-1, 10)
    with pytest.raises(ValueError):
        share_used(1, -10)


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(9, 10, D("0.9000")), (2, 3, D("0.6667")), (0, 5, D("0.0000")), (0, 0, None)],
)
def test_rate(numerator, denominator, expected):
    assert rate(numerator, denominator) == expected


def test_rate_refuses_more_than_all():
    with pytest.raises(ValueError):
        rate(3, 2)


def test_event_steps_in_firing_order():
    assert event_steps(yellow_ratio=D("0.8"), escalation_ratios=[D("1.5"), D("2")]) == [
        EventStep("yellow", 0, D("0.8")),
        EventStep("red", 0, D("1")),
        EventStep("escalation", 1, D("1.5")),
        EventStep("escalation", 2, D("2")),
    ]


@pytest.mark.parametrize(
    ("yellow", "escalations"),
    [(D("0"), []), (D("1"), []), (D("0.8"), [D("1")]), (D("0.8"), [D("2"), D("1.5")])],
)
def test_event_steps_refuse_bad_ratios(yellow, escalations):
    with pytest.raises(ValueError):
        event_steps(yellow_ratio=yellow, escalation_ratios=escalations)


def _outcomes(met=0, missed=0, open_late=0, open_on_time=0, shares=()):
    rows = [ClockOutcome(met=True) for _ in range(met)]
    rows += [ClockOutcome(met=False) for _ in range(missed)]
    rows += [ClockOutcome(met=None, past_due=True) for _ in range(open_late)]
    rows += [ClockOutcome(met=None, past_due=False) for _ in range(open_on_time)]
    rows += [ClockOutcome(met=True, share=share) for share in shares]
    return rows


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        # 18 met, 2 missed, 5 open past due, 10 open in time:
        # on time 18/20, compliance 18/25, breaches 7
        (
            _outcomes(met=18, missed=2, open_late=5, open_on_time=10),
            (20, 18, 2, 5, 7, D("0.9000"), D("0.7200"), None),
        ),
        # nothing done yet, 3 open past due: no on-time rate, compliance 0
        (_outcomes(open_late=3), (0, 0, 0, 3, 3, None, D("0.0000"), None)),
        # nothing at all
        ([], (0, 0, 0, 0, 0, None, None, None)),
        # shares 0.5, 0.8, 0.95 average 0.75
        (
            _outcomes(shares=[D("0.5"), D("0.8"), D("0.95")]),
            (3, 3, 0, 0, 0, D("1.0000"), D("1.0000"), D("0.7500")),
        ),
        # 1 met, 2 missed: 1/3
        (_outcomes(met=1, missed=2), (3, 1, 2, 0, 2, D("0.3333"), D("0.3333"), None)),
    ],
)
def test_kpis_worked_numbers(outcomes, expected):
    figures = kpis(outcomes)
    assert (
        figures.completed,
        figures.met,
        figures.missed,
        figures.open_past_due,
        figures.breaches,
        figures.on_time_rate,
        figures.compliance_rate,
        figures.average_share_used,
    ) == expected
