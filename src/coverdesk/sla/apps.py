from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "coverdesk.sla"
    label = "sla"
