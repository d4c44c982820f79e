from django.conf import settings
from django.test import Client


def english(client: Client) -> Client:
    """Pages in English, so assertions on message texts survive the zh catalogue being filled."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
