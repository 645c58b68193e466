"""The automatic spam/ad detector (打击广告): hand-written rules plus a trained text classifier.

How a post is scored (``assess``):

- every rule that fires gives a signal with a weight in [0, 1], its own confidence that the post
  is spam: a mainland mobile number 0.85, a landline/400/international number 0.7, a WeChat/QQ/
  Telegram... id 0.85, a contact link (t.me, wa.me) 0.8, an official-account name 0.6, a short
  link 0.7, an external link from a newcomer 0.5, the same text in another place within 24 h
  0.6, a posting burst 0.4 (``rules.py``);
- the classifier's spam probability ``p`` becomes one more signal, weighted
  ``c = 0.95 * clip((p - 0.3) / 0.7, 0, 1) * min(1, n / 20)`` where ``n`` is the number of letters
  and digits in the post: below 0.3 it says nothing, and a very short post (where a few
  characters decide ``p``) counts for less;
- the score is the noisy-OR of all weights, ``1 - prod(1 - w)``: independent pieces of
  evidence add up, no single weak one decides, and the score stays in [0, 1].

The verdict: ``score >= LYCEUM_SPAM_HOLD_SCORE`` (0.8) holds the post, ``>=
LYCEUM_SPAM_QUEUE_SCORE`` (0.5) queues it, anything lower is published.
"""

from .scoring import action_for, assess

__all__ = ["action_for", "assess"]
