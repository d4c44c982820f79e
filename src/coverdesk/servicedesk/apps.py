from django.apps import AppConfig


class ServicedeskConfig(AppConfig):
    name = "coverdesk.servicedesk"
    label = "servicedesk"
