"""Tags for the site chrome (``templates/base.html``): the header and footer of every page.

``{% nav_url 'name' %}`` is ``{% url 'name' %}`` for a URL without arguments, reversed once per
process (per URLconf, script prefix and language) instead of on every page: the chrome has about
fifty such links and reversing them cost ~0.8 ms per page. Only the URL is remembered, never
anything of the request or the viewer.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = template.Library()


@lru_cache(maxsize=512)
def _reversed(root_urlconf: str, urlconf: str | None, prefix: str, language: str | None, name: str) -> str:
    return str(conditional_escape(reverse(name, urlconf=urlconf)))


def _where() -> tuple[str, str | None, str, str | None]:
    return (settings.ROOT_URLCONF, get_urlconf(), get_script_prefix(), get_language())


def nav_url_for(name: str) -> str:
    """``reverse(name)`` (no arguments, HTML-escaped), remembered for this process."""
    return _reversed(*_where(), name)


class NavUrlNode(template.Node):
    def __init__(self, name: str) -> None:
        self.name = name

    def render(self, context: Any) -> str:
        # The URLconf, prefix and language are read once per template render, not per link.
        where = context.render_context.get(NavUrlNode)
        if where is None:
            where = context.render_context[NavUrlNode] = _where()
        return _reversed(*where, self.name)


@register.tag
def nav_url(parser: Any, token: Any) -> NavUrlNode:
    """``{% nav_url 'app:name' %}``: a quoted URL name, no arguments, no ``as``."""
    bits = token.split_contents()
    if len(bits) != 2 or len(bits[1]) < 3 or bits[1][0] not in "'\"" or bits[1][-1] != bits[1][0]:
        raise template.TemplateSyntaxError("nav_url takes one quoted URL name")
    return NavUrlNode(bits[1][1:-1])


def _forget(**kwargs: object) -> None:
    _reversed.cache_clear()


# A test that swaps the URLconf (override_settings) gets fresh answers.
setting_changed.connect(_forget, dispatch_uid="lyceum.accounts.site_chrome.forget")
