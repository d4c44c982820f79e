"""The pure money sums and the green-channel rule of claims handling, with worked numbers."""

from decimal import Decimal as D

import pytest

from coverdesk.claims.calculations import green_channel_eligible, incurred


@pytest.mark.parametrize(
    ("paid", "reserves", "recovered", "expected"),
    [
        # nothing paid yet: the reserve is what it costs
        ("0.00", "700000.00", "0.00", "700000.00"),
        # 300,000 paid of a 700,000 reserve: 300,000 + 400,000 outstanding
        ("300000.00", "700000.00", "0.00", "700000.00"),
        # paid in full, 50,000 recovered: 700,000 + 0 − 50,000
        ("700000.00", "700000.00", "50000.00", "650000.00"),
        # paid above a stale reserve: nothing outstanding, never negative
        ("700000.00", "500000.00", "0.00", "700000.00"),
    ],
)
def test_incurred_is_paid_plus_the_unpaid_reserve_less_recoveries(
    paid, reserves, recovered, expected
):
    assert incurred(paid=D(paid), reserves=D(reserves), recovered=D(recovered)) == D(expected)


@pytest.mark.parametrize(
    ("estimate", "loss_types", "eligible"),
    [
        ("199999.99", ["hull_partial"], True),
        ("200000.00", ["hull_partial"], False),  # not below the limit
        ("1000.00", ["hull_partial", "third_party_injury"], False),  # a person hurt
        (None, ["hull_partial"], False),  # no estimate: cannot be told
        ("1000.00", [], False),  # no loss type: cannot be told
    ],
)
def test_the_green_channel_takes_small_losses_without_injury(estimate, loss_types, eligible):
    amount = D(estimate) if estimate is not None else None
    assert (
        green_channel_eligible(estimated_amount=amount, loss_types=loss_types, limit=D("200000.00"))
        is eligible
    )
