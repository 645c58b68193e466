from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "lyceum.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from .cache_pages import register_handlers

        register_handlers()  # cached public pages retire on publish, price and review changes
