"""Pure rules of claims handling (no ORM): who goes to the green channel, and the money sums of
a claim. The adjudication itself lives in `coverdesk.claims.adjudication`."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from coverdesk.catalog.choices import LossType

# Loss types with a person hurt or killed: never in the green channel.
INJURY_LOSS_TYPES: frozenset[str] = frozenset(
    {
        LossType.THIRD_PARTY_INJURY,
        LossType.PASSENGER_INJURY,
        LossType.ACCIDENTAL_DEATH,
        LossType.ACCIDENTAL_DISABILITY,
        LossType.MEDICAL_EXPENSES,
    }
)
GREEN_CHANNEL_LIMIT_DEFAULT = Decimal("200000.00")


def green_channel_eligible(
    *, estimated_amount: Decimal | None, loss_types: Iterable[str], limit: Decimal
) -> bool:
    """理赔绿色通道: a claim estimated under `limit` without injury goes to the fast track.
    Without an estimate or a loss type it cannot be told, so it does not."""
    kinds = set(loss_types)
    if estimated_amount is None or not kinds:
        return False
    return estimated_amount < limit and not (kinds & INJURY_LOSS_TYPES)


def incurred(*, paid: Decimal, reserves: Decimal, recovered: Decimal) -> Decimal:
    """What a claim costs: paid, plus the reserves not yet paid (never below zero), less
    recoveries. E.g. paid 700,000, reserves 700,000, recovered 50,000:
    700,000 + max(700,000 − 700,000, 0) − 50,000 = 650,000."""
    outstanding = max(reserves - paid, Decimal("0.00"))
    return paid + outstanding - recovered
