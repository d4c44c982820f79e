from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "coverdesk.web"
    label = "web"
