from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "coverdesk.notifications"
    label = "notifications"
