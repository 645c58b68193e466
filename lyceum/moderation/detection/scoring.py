"""Rules and classifier combined into one score and a verdict (see the package docstring)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from lyceum.core.screening import HOLD, PUBLISH, QUEUE

from . import classifier, rules
from .text import fingerprint

CLASSIFIER_WEIGHT = 0.95
CLASSIFIER_FLOOR = 0.3  # a probability at or below this adds nothing
FULL_LENGTH = 20  # letters and digits from which the classifier counts fully


def classifier_weight(probability: float, length: int) -> float:
    lift = min(1.0, max(0.0, (probability - CLASSIFIER_FLOOR) / (1.0 - CLASSIFIER_FLOOR)))
    return CLASSIFIER_WEIGHT * lift * min(1.0, length / FULL_LENGTH)


def combine(signals: list[dict[str, Any]]) -> float:
    """Noisy-OR: ``1 - prod(1 - weight)``, in [0, 1]."""
    remaining = 1.0
    for signal in signals:
        remaining *= 1.0 - min(1.0, max(0.0, float(signal["weight"])))
    return round(1.0 - remaining, 4)


def action_for(score: float) -> str:
    if score >= settings.LYCEUM_SPAM_HOLD_SCORE:
        return HOLD
    if score >= settings.LYCEUM_SPAM_QUEUE_SCORE:
        return QUEUE
    return PUBLISH


def assess(
    *, text: str, newcomer: bool = False, author_id: int | None = None, where: str = "", new_post: bool = True
) -> tuple[float, list[dict[str, Any]]]:
    """Score ``text``: the combined score and every signal (the classifier's included). With an
    ``author_id``, the behaviour rules (repeats across places, bursts) are read too."""
    signals = rules.text_signals(text, newcomer=newcomer)
    if author_id is not None:
        signals += rules.repeated(author_id=author_id, text=text, where=where)
        if new_post:
            signals += rules.burst(author_id=author_id)
    length = len(fingerprint(text))
    if length:
        p = classifier.spam_probability(text)
        weight = classifier_weight(p, length)
        if weight > 0:
            signals.append({"rule": "classifier", "match": f"p={p:.2f}", "weight": round(weight, 4)})
    return combine(signals), signals
