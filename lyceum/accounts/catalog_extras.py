"""Django messages whose Simplified Chinese is missing from Django's own catalog.

Django 5.2 reworded these password-validation messages and its zh_Hans catalog has not
caught up, so Chinese sign-up pages showed them in English. Listing them here makes
``makemessages`` keep them in locale/zh_Hans, and our catalog (LOCALE_PATHS) is consulted
first. Nothing calls this function.
"""

from django.utils.translation import ngettext


def _keep_in_catalog() -> None:
    ngettext(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        0,
    )
    ngettext(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        0,
    )
