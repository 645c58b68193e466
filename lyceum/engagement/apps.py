from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "lyceum.engagement"
    label = "engagement"
    verbose_name = _("Engagement")

    def ready(self) -> None:
        from . import handlers, hooks_sections

        handlers.register()
        hooks_sections.register()
