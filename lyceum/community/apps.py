from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "lyceum.community"
    label = "community"
    verbose_name = _("Community")

    def ready(self) -> None:
        from lyceum.core import hooks

        from . import (
            caching,
            notify,  # noqa: F401  (registers the event handlers that notify people)
        )
        from .selectors.events import upcoming_events_for_course_page, upcoming_events_for_home
        from .selectors.groups import groups_for_course_page, my_groups_for_home
        from .selectors.spaces import course_space_for_course_page, member_activity_for_profile
        from .services import spaces as _spaces  # noqa: F401  (course.published -> the course's space)

        caching.connect()  # what invalidates the standing and thread page caches
        # Course page side column: its space, upcoming events, study groups. Home: my groups, events.
        hooks.provide("course_page.sections", course_space_for_course_page)
        hooks.provide("course_page.sections", upcoming_events_for_course_page)
        hooks.provide("course_page.sections", groups_for_course_page)
        hooks.provide("home_page.sections", my_groups_for_home)
        hooks.provide("home_page.sections", upcoming_events_for_home)
        # A member's public page: their latest threads and answers.
        hooks.provide("member_profile.sections", member_activity_for_profile)
