from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "coverdesk.policies"
    label = "policies"
