import pytest
from django.test import Client

from coverdesk.accounts.tests.factories import TEST_PASSWORD, make_user


@pytest.fixture
def signed_in(db):
    """signed_in("clerk") -> (client signed in as a new user of that role, the user)."""

    def sign_in(role: str | None, **fields):
        user = make_user(role, **fields)
        client = Client()
        client.force_login(user)
        return client, user

    return sign_in


@pytest.fixture
def password():
    return TEST_PASSWORD
