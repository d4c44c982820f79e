from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The top layer: project-wide commands (worker, demo, openapi, translations)."""

    name = "coverdesk.config"
    label = "coverdesk_config"
