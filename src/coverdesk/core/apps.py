from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "coverdesk.core"
    label = "core"
