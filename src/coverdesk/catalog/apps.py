from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "coverdesk.catalog"
    label = "catalog"
