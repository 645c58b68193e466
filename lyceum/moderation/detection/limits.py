"""New-member limits by trust level (``lyceum.engagement.selectors.trust_level``: 0 newcomer … 4).

=====  ==============  ==========================================
level  external links  community posts (threads, replies, groups,
                       group posts) per hour
=====  ==============  ==========================================
0      not allowed     5
1      allowed         15
2      allowed         40
3, 4   allowed         no extra limit (the apps' own rates apply)
=====  ==============  ==========================================

The hourly limit counts the member's stored posts of the last hour (held ones included) rather
than attempts (``core.ratelimit``): a refused attempt uses up nothing, and posts imported or
seeded with an earlier date (the demo) do not count.

A level-0 member's link is refused (``ValidationFailed`` on ``body``) only when the spam filter
would not hold the post anyway: spam is kept for the moderators rather than bounced back to be
reworded. Links to our own hosts are always allowed. Staff and instructors have no limits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.community.models import GroupPost, Reply, StudyGroup, Thread
from lyceum.core.errors import RateLimited, ValidationFailed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    links: bool
    posts_per_hour: int | None


LIMITS = {0: Limit(links=False, posts_per_hour=5), 1: Limit(links=True, posts_per_hour=15), 2: Limit(True, 40)}
NO_LIMIT = Limit(links=True, posts_per_hour=None)
LINKS_FROM_LEVEL = min(level for level, limit in LIMITS.items() if limit.links)


def trust_level(user: Any) -> int:
    """The member's trust level from engagement (imported here: engagement sits below us)."""
    try:
        from lyceum.engagement.selectors import trust_level as engagement_trust_level
    except ImportError:  # engagement without trust levels: treat every member as a newcomer
        log.warning("lyceum.engagement.selectors.trust_level is missing; using trust level 0")
        return 0
    return int(engagement_trust_level(user))


def limit_for(level: int) -> Limit:
    return LIMITS.get(level, NO_LIMIT)


def posts_in_last_hour(user: Any) -> int:
    """The member's stored community posts (threads, replies, groups, group posts, held ones
    included) created in the last hour."""
    since = timezone.now() - timedelta(hours=1)
    return (
        Thread.objects.filter(author_id=user.pk, created_at__gte=since).count()
        + Reply.objects.filter(author_id=user.pk, created_at__gte=since).count()
        + GroupPost.objects.filter(author_id=user.pk, created_at__gte=since).count()
        + StudyGroup.objects.filter(owner_id=user.pk, created_at__gte=since).count()
    )


def check_rate(*, user: Any, level: int) -> None:
    """``RateLimited`` when the member already published the level's hourly number of posts."""
    limit = limit_for(level)
    if limit.posts_per_hour is None:
        return
    if posts_in_last_hour(user) >= limit.posts_per_hour:
        raise RateLimited(
            _(
                "New members can publish %(n)s posts an hour. Please wait a while; "
                "the limit rises as you take part in the community."
            )
            % {"n": limit.posts_per_hour},
            code="new_member_rate",
        )


def check_links(*, level: int, external_hosts: list[str]) -> None:
    if external_hosts and not limit_for(level).links:
        raise ValidationFailed(
            _(
                "New members cannot post links to other sites yet (%(hosts)s). "
                "Links open up at trust level %(level)s, after you take part in the community for a while."
            )
            % {"hosts": ", ".join(external_hosts[:3]), "level": LINKS_FROM_LEVEL},
            code="links_not_allowed",
            field="body",
        )
