from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "coverdesk.accounts"
    label = "accounts"

    def ready(self) -> None:
        from coverdesk.accounts.roles import roles_sync_after_migrate

        # Roles are groups with named permissions; every migrate brings them up to date.
        post_migrate.connect(roles_sync_after_migrate, dispatch_uid="coverdesk.roles_sync")
