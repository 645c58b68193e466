from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommerceConfig(AppConfig):
    name = "lyceum.commerce"
    label = "commerce"
    verbose_name = _("Commerce")

    def ready(self) -> None:
        from lyceum.core import hooks

        from .selectors import active_plan_slugs, offers_for_course_page

        hooks.provide("course_page.offers", offers_for_course_page)
        hooks.provide("member.active_plans", active_plan_slugs)
