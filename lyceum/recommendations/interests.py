"""A learner's effective interests: their behaviour-built profile with their own corrections.

Read by every area (recommender, suggestions, path planner). ``TopicAffinity`` rows come from
``profile.py``; ``InterestOverride`` rows from the learner: a hidden topic is gone, an added
topic counts at least as much as a strong interest (``ADDED_SCORE``).
"""

from __future__ import annotations

from collections.abc import Iterable

from .models import InterestOverride, OverrideAction, TopicAffinity

ADDED_SCORE = 1.0


def effective_interests(user_ids: Iterable[int]) -> dict[int, dict[int, float]]:
    """``{user_id: {topic_id: score}}`` for each of ``user_ids`` (users without one get ``{}``)."""
    ids = list(user_ids)
    out: dict[int, dict[int, float]] = {uid: {} for uid in ids}
    for user_id, topic_id, score in TopicAffinity.objects.filter(user_id__in=ids).values_list(
        "user_id", "topic_id", "score"
    ):
        out[user_id][topic_id] = float(score)
    for user_id, topic_id, action in InterestOverride.objects.filter(user_id__in=ids).values_list(
        "user_id", "topic_id", "action"
    ):
        if action == OverrideAction.HIDE:
            out[user_id].pop(topic_id, None)
        else:
            out[user_id][topic_id] = max(out[user_id].get(topic_id, 0.0), ADDED_SCORE)
    return out
