"""Pure arithmetic of clocks: warning thresholds, the share of the allowed time used, and the
timeliness KPIs. No ORM; measures are integers (business or elapsed seconds, per unit)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

SHARE_PLACES = Decimal("0.0001")
RATE_PLACES = Decimal("0.0001")

YELLOW = "yellow"
RED = "red"
ESCALATION = "escalation"


def threshold_measure(allowed: int, ratio: Decimal) -> int:
    """The measure at which `ratio` of `allowed` is used, rounded up to the next second: a
    warning never comes before its share is really used."""
    if allowed < 0:
        raise ValueError("allowed must not be negative")
    if ratio < 0:
        raise ValueError("ratio must not be negative")
    return int((Decimal(allowed) * ratio).to_integral_value(rounding=ROUND_CEILING))


def share_used(used: int, allowed: int) -> Decimal:
    """used / allowed, half-up to four places (0.8125 = 81.25 %). Nothing allowed and nothing
    used is all of it (1); something used of nothing allowed is reported as used / 1 s."""
    if used < 0:
        raise ValueError("used must not be negative")
    if allowed < 0:
        raise ValueError("allowed must not be negative")
    if allowed == 0:
        return Decimal(1) if used == 0 else Decimal(used).quantize(SHARE_PLACES)
    return (Decimal(used) / Decimal(allowed)).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)


def rate(numerator: int, denominator: int) -> Decimal | None:
    """numerator / denominator half-up to four places; None when there is nothing to rate."""
    if numerator < 0 or denominator < 0 or numerator > denominator:
        raise ValueError("a rate needs 0 <= numerator <= denominator")
    if denominator == 0:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class EventStep:
    """One point in a clock's life that fires an event: `ratio` of the allowed time used."""

    kind: str  # yellow | red | escalation
    level: int  # 0 for yellow and red; 1, 2, … for the escalation steps after red
    ratio: Decimal


def event_steps(*, yellow_ratio: Decimal, escalation_ratios: Sequence[Decimal]) -> list[EventStep]:
    """The events of a standard version in firing order: yellow, red (the deadline), then each
    escalation step. Escalation ratios must be above 1 and increasing."""
    if not 0 < yellow_ratio < 1:
        raise ValueError("the yellow ratio must lie between 0 and 1")
    previous = Decimal(1)
    steps = [EventStep(YELLOW, 0, yellow_ratio), EventStep(RED, 0, Decimal(1))]
    for level, ratio in enumerate(escalation_ratios, start=1):
        if ratio <= previous:
            raise ValueError("escalation ratios must be above 1 and increasing")
        steps.append(EventStep(ESCALATION, level, ratio))
        previous = ratio
    return steps


@dataclass(frozen=True)
class ClockOutcome:
    """What the KPIs need to know of one clock (cancelled clocks are left out by the caller).
    `met` is None while the clock is open; `past_due` says whether an open clock is already
    past its deadline; `share` is the share of allowed time used, recorded at stop."""

    met: bool | None
    past_due: bool = False
    share: Decimal | None = None


@dataclass(frozen=True)
class KpiFigures:
    completed: int  # stopped, met or not
    met: int
    missed: int  # stopped after the deadline
    open_past_due: int  # still open, already past the deadline
    breaches: int  # missed + open past due
    on_time_rate: Decimal | None  # met / completed
    compliance_rate: Decimal | None  # met / (completed + open past due)
    average_share_used: Decimal | None  # over completed clocks


def kpis(outcomes: Iterable[ClockOutcome]) -> KpiFigures:
    completed = met = open_past_due = 0
    shares: list[Decimal] = []
    for outcome in outcomes:
        if outcome.met is None:
            open_past_due += int(outcome.past_due)
            continue
        completed += 1
        met += int(outcome.met)
        if outcome.share is not None:
            shares.append(outcome.share)
    missed = completed - met
    average = (
        (sum(shares, Decimal(0)) / len(shares)).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)
        if shares
        else None
    )
    return KpiFigures(
        completed=completed,
        met=met,
        missed=missed,
        open_past_due=open_past_due,
        breaches=missed + open_past_due,
        on_time_rate=rate(met, completed),
        compliance_rate=rate(met, completed + open_past_due),
        average_share_used=average,
    )
