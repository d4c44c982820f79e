import pytest
from django.test import Client

from coverdesk.accounts.services import api_token_create


@pytest.fixture
def api_client_for(role_user):
    """api_client_for("clerk") -> (client sending that user's bearer token, user)."""

    def make(role):
        user = role_user(role)
        issued = api_token_create(user=user, name="tests", acting_user=user)
        return Client(HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}"), user

    return make
