from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "coverdesk.api"
    label = "api"
