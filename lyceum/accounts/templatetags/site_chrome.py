"""Tags for the site chrome (``templates/base.html``): the header and footer of every page.

``{% chrome_cached var... %}`` keeps a rendered block of the chrome that is the same for every
viewer with the same listed values (per process and language): the translated menus and the
footer are rendered once, not on every page.

``{% nav_url 'name' %}`` is ``{% url 'name' %}`` for a URL without arguments, reversed once per
process (per URLconf, script prefix and language) instead of on every page: the chrome has about
fifty such links and reversing them cost ~0.8 ms per page. Only the URL is remembered, never
anything of the request or the viewer.
"""

from __future__ import annotations

import weakref
from functools import lru_cache
from typing import Any, NamedTuple

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


# --- {% chrome_cached %} ---------------------------------------------------------------------------

_CHROME_NODES: weakref.WeakSet[ChromeCachedNode] = weakref.WeakSet()
_CHROME_MAX = 64  # entries per block (the vary values are a few flags)


class ChromeCachedNode(template.Node):
    def __init__(self, nodelist: Any, vary: list[Any]) -> None:
        self.nodelist = nodelist
        self.vary = vary
        self.rendered: dict[tuple[Any, ...], str] = {}
        _CHROME_NODES.add(self)

    def render(self, context: Any) -> str:
        where = context.render_context.get(NavUrlNode)
        if where is None:
            where = context.render_context[NavUrlNode] = _where()
        key = (*where, *(_hashable(v.resolve(context)) for v in self.vary))
        html = self.rendered.get(key)
        if html is None:
            html = self.nodelist.render(context)
            if len(self.rendered) >= _CHROME_MAX:
                self.rendered.clear()
            self.rendered[key] = html
        return html


def _hashable(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, set | frozenset):
        return tuple(sorted(str(v) for v in value))
    return value if isinstance(value, str | int | bool | None) else str(value)


@register.tag
def chrome_cached(parser: Any, token: Any) -> ChromeCachedNode:
    """``{% chrome_cached var... %}…{% endchrome_cached %}``: the block is rendered once per
    process, language, URLconf and value of the listed variables, then reused for every viewer.

    Only for markup that is the same for everyone with those values (translated labels, nav
    links, role-dependent menu entries): never a CSRF token, a name, an id, a count or anything
    else of the viewer or the request that is not listed.
    """
    bits = token.split_contents()[1:]
    nodelist = parser.parse(("endchrome_cached",))
    parser.delete_first_token()
    return ChromeCachedNode(nodelist, [parser.compile_filter(bit) for bit in bits])


class NavMarks(NamedTuple):
    """Which main-navigation entries are the current page (``aria-current``)."""

    catalog: bool = False
    paths: bool = False
    community: bool = False
    events: bool = False
    groups: bool = False
    dashboard: bool = False
    studio: bool = False
    moderation: bool = False
    operator: bool = False


@register.simple_tag(takes_context=True)
def nav_marks(context: Any) -> NavMarks:
    """``{% nav_marks as site_nav_current %}``: the request's place in the main navigation, a small value a
    ``chrome_cached`` navigation can vary on (instead of the path itself)."""
    request = context.get("request")
    if request is None:
        return NavMarks()
    path = request.path
    view_name = getattr(getattr(request, "resolver_match", None), "view_name", None)
    return NavMarks(
        catalog=view_name == "courses:catalog",
        paths=path.startswith("/paths/"),
        community=path.startswith("/community/"),
        events=path.startswith("/events/"),
        groups=path.startswith("/groups/"),
        dashboard=view_name == "learning:dashboard",
        studio=path.startswith("/studio/"),
        moderation=path.startswith("/operator/moderation/"),
        operator=path.startswith("/operator/"),
    )


def _forget(**kwargs: object) -> None:
    _reversed.cache_clear()
    for node in list(_CHROME_NODES):
        node.rendered.clear()


# A test that swaps the URLconf (override_settings) gets fresh answers.
setting_changed.connect(_forget, dispatch_uid="lyceum.accounts.site_chrome.forget")
