from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_role_permissions(sender: AppConfig, **kwargs: Any) -> None:
    # Permissions exist only after every app migrated (Django creates them in
    # post_migrate), so role groups get theirs here rather than in a migration.
    from .services import roles_sync_permissions

    roles_sync_permissions()


class AccountsConfig(AppConfig):
    name = "lyceum.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        post_migrate.connect(_sync_role_permissions, dispatch_uid="lyceum.accounts.sync_role_permissions")
        from .roles_cache import connect

        connect()  # the cached roles are dropped when groups change (lyceum/accounts/roles_cache.py)
        from .user_cache import connect as connect_user_cache

        connect_user_cache()  # the cached user rows are dropped when users change (user_cache.py)
        from .mfa_cache import connect as connect_mfa_cache

        connect_mfa_cache()  # the staff two-factor check's answers (mfa_cache.py)
