from pathlib import Path

import pytest

from coverdesk.accounts.models import User

NOTIFICATION_TEST_TEMPLATES = Path(__file__).resolve().parent / "templates"


@pytest.fixture
def make_recipient(db):
    """A user to send to, without the cost of hashing a password."""
    counter = iter(range(1, 10_000))

    def make(language: str = "en", email: str | None = None, **fields) -> User:
        n = next(counter)
        return User.objects.create(
            username=f"recipient{n}",
            email=f"recipient{n}@example.test" if email is None else email,
            language=language,
            **fields,
        )

    return make


@pytest.fixture
def test_templates(settings):
    """Adds notifications/tests/templates to the template search path."""
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "DIRS": [*settings.TEMPLATES[0]["DIRS"], NOTIFICATION_TEST_TEMPLATES],
        }
    ]
