"""Whether a member has an authenticator app, cached for the staff two-factor check.

``StaffMFARequiredMiddleware`` asks on every request of a staff member (instructor, moderator,
operator, admin) whether they have a TOTP authenticator: an EXISTS per page. Here the answer is
kept under ``accounts:mfa:<user id>`` behind a per-member version token (``versioned_cache``),
replaced after the commit of any save or delete of one of their allauth ``Authenticator`` rows
(set up, removed, recovery codes; a queryset delete sends the signals too, as the model has
receivers). Inside a transaction that changed authenticators, and while the cache is
unavailable, the database answers.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from lyceum.core.cache import changed_in_transaction

from .versioned_cache import MISS, versioned_get, versioned_set, versions_retire

TAG = "accounts:mfa"
ANSWER_SECONDS = 300  # also the bound after a retire lost while Redis was away
VERSION_SECONDS = 7 * 24 * 3600


def _entry_key(user_id: int) -> str:
    return f"accounts:mfa:{user_id}"


def _version_key(user_id: int) -> str:
    return f"accounts:mfa:{user_id}:v"


def _has_totp(user_id: int) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user_id=user_id, type=Authenticator.Type.TOTP).exists()


def has_totp(*, user_id: int) -> bool:
    """Whether the member has an authenticator app (TOTP) set up."""
    if changed_in_transaction(TAG):
        return _has_totp(user_id)
    answer, versions = versioned_get([_version_key(user_id)], _entry_key(user_id), timeout=VERSION_SECONDS)
    if answer is not MISS:
        return bool(answer)
    answer = _has_totp(user_id)
    versioned_set(_entry_key(user_id), versions, answer, timeout=ANSWER_SECONDS)
    return answer


def _on_authenticator_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance.user_id is not None:
        versions_retire([_version_key(instance.user_id)], tag=TAG, timeout=VERSION_SECONDS)


def connect() -> None:
    from allauth.mfa.models import Authenticator

    post_save.connect(_on_authenticator_changed, sender=Authenticator, dispatch_uid="lyceum.accounts.mfa_cache.saved")
    post_delete.connect(
        _on_authenticator_changed, sender=Authenticator, dispatch_uid="lyceum.accounts.mfa_cache.deleted"
    )
