from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "lyceum.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from lyceum.core import events
        from lyceum.core.models import Event

        from .services import notifications_erase_for_user
        from .unread_cache import connect

        connect()  # the cached unread counts are dropped when notifications change (unread_cache.py)

        @events.on("user.erased")
        def _erase(event: Event) -> None:
            if event.object_id:
                notifications_erase_for_user(user_id=int(event.object_id))
