"""Where recommendations show up on other apps' pages (``core.hooks``).

Each area registers its own providers: ``hooks_profile`` (suggested groups, threads and events
on the home page), ``hooks_recs`` (recommended courses on the home page, "learners who took
this also took" on the course page), ``hooks_paths`` (the next step of my learning path on the
home page and on My learning).
"""

from __future__ import annotations


def register() -> None:
    from . import hooks_paths, hooks_profile, hooks_recs

    hooks_recs.register()
    hooks_paths.register()
    hooks_profile.register()
