from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "coverdesk.parties"
    label = "parties"
