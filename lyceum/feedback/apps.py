from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "lyceum.feedback"
    label = "feedback"
    verbose_name = _("Feedback")

    def ready(self) -> None:
        from . import hooks_reviews, hooks_surveys, notify  # noqa: F401  (notify registers event handlers)

        hooks_reviews.register()
        hooks_surveys.register()
