"""Levels from lifetime points (names in English and Chinese), and the trust level they give.

A member's level is the highest threshold their lifetime points reach. The trust level
(0 newcomer … 4) that moderation's spam limits and report weights read is the level's
index; staff (moderators, operators) count as 4.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Level:
    number: int  # 0 … 4, also the trust level
    threshold: int  # lifetime points needed
    slug: str
    name_en: str
    name_zh: str
    label: object  # lazy translated name for templates

    @property
    def name(self) -> str:
        lang = translation.get_language() or "en"
        return self.name_zh if lang.startswith("zh") else self.name_en


LEVELS: tuple[Level, ...] = (
    Level(0, 0, "newcomer", "Newcomer", "新人", _("Newcomer")),
    Level(1, 50, "apprentice", "Apprentice", "学徒", _("Apprentice")),
    Level(2, 200, "scholar", "Scholar", "学者", _("Scholar")),
    Level(3, 600, "mentor", "Mentor", "导师", _("Mentor")),
    Level(4, 1500, "master", "Master", "大师", _("Master")),
)
MAX_TRUST = LEVELS[-1].number


def level_for(lifetime: int) -> Level:
    """The level ``lifetime`` points reach."""
    reached = LEVELS[0]
    for level in LEVELS:
        if lifetime >= level.threshold:
            reached = level
    return reached


def next_level(level: Level) -> Level | None:
    return LEVELS[level.number + 1] if level.number + 1 < len(LEVELS) else None
