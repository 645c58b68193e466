"""Load what Django otherwise loads on a process's first requests: the URLconf (every view module
and the API's schemas), each language's URL patterns and translation catalogue, and every template.

``config/wsgi.py`` calls ``warm_up()`` when the application is created. Under gunicorn with
``preload_app`` that happens once in the master, and every worker is forked with all of it loaded;
without preloading, each worker pays it before it accepts a request instead of during its first
ones. Before this, every worker gunicorn replaced after ``max_requests`` imported the URLconf
(``LocaleMiddleware`` asks it on the first request) and compiled its templates under load:
py-spy found a fifth of the web workers' CPU there during ``make bench-web``.

Nothing here opens a database or cache connection (a forked worker must not share one).
"""

from __future__ import annotations

import logging
from pathlib import Path

logger = logging.getLogger(__name__)


def _template_names() -> list[str]:
    from django.template import engines

    names: set[str] = set()
    for engine in engines.all():
        for directory in engine.template_dirs:
            root = Path(directory)
            if root.is_dir():
                names.update(str(p.relative_to(root)) for p in root.rglob("*.html"))
    return sorted(names)


def warm_up() -> dict[str, int]:
    """Load the URLconf, the catalogues and the templates; returns what was loaded."""
    from django.conf import settings
    from django.conf.urls.i18n import is_language_prefix_patterns_used
    from django.template import TemplateSyntaxError
    from django.template.loader import get_template
    from django.urls import get_resolver
    from django.utils import translation

    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 - imports every URL module (views, the API and its schemas)
    is_language_prefix_patterns_used(settings.ROOT_URLCONF)
    languages = [code for code, _ in settings.LANGUAGES]
    for code in languages:
        with translation.override(code):  # loads the catalogue and this language's reverse map
            resolver.reverse_dict  # noqa: B018
    templates = 0
    for name in _template_names():
        try:
            get_template(name)
        except TemplateSyntaxError:  # a fragment that only compiles inside its parent: loaded there
            logger.debug("warm-up: %s does not compile alone", name)
        else:
            templates += 1
    return {"languages": len(languages), "templates": templates}
