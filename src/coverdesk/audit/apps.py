from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "coverdesk.audit"
    label = "audit"
