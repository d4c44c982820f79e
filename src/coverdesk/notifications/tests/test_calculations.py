from datetime import timedelta

import pytest

from coverdesk.notifications.calculations import retry_delay


@pytest.mark.parametrize(
    ("attempts", "jitter", "seconds"),
    [
        (1, 0.0, 30),
        (2, 0.0, 60),
        (3, 0.0, 120),
        (4, 0.0, 240),
        (7, 0.0, 1920),
        (8, 0.0, 3600),  # capped at an hour
        (50, 0.0, 3600),
        (1, 0.5, 33.75),
        (2, 0.999, 60 * 1.24975),
        (8, 0.5, 4050),
    ],
)
def test_retry_delay_doubles_from_30_seconds_up_to_an_hour_plus_jitter(attempts, jitter, seconds):
    assert retry_delay(attempts, jitter=jitter) == timedelta(seconds=seconds)


@pytest.mark.parametrize(("attempts", "jitter"), [(0, 0.0), (1, -0.1), (1, 1.0)])
def test_retry_delay_rejects_impossible_input(attempts, jitter):
    with pytest.raises(ValueError):
        retry_delay(attempts, jitter=jitter)
