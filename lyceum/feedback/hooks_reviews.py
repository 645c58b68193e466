"""Hook providers of the reviews area (registered by FeedbackConfig.ready)."""

from lyceum.core import hooks


def register() -> None:
    from .selectors.reviews import course_reviews_section

    hooks.provide("course_page.sections", course_reviews_section)
