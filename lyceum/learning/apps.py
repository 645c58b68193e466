from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "lyceum.learning"
    label = "learning"
    verbose_name = _("Learning")

    def ready(self) -> None:
        from . import access_cache, outline_cache

        outline_cache.connect()  # cached lesson-page outlines retired on outline changes (outline_cache.py)
        access_cache.connect()  # the heartbeat's cached enrollment rows retired on enrollment changes
