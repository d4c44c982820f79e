from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "coverdesk.claims"
    label = "claims"
