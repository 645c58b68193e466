"""The signed-in user's row, cached between requests.

Django's ``AuthenticationMiddleware`` reads the user's row on every signed-in request (one
query). ``lyceum.accounts.middleware.AuthenticationMiddleware`` does the same through
``session_user``, which answers from the cache under ``accounts:user:<id>:<schema>``; the session is
verified exactly as ``django.contrib.auth.get_user`` does (the backend must still let the user
authenticate, i.e. ``is_active``; the session's auth hash must match the password's, so a
password change still signs other sessions out; fallback secret keys still cycle the session).

Invalidation (``versioned_cache``: a version token per user and a generation for everyone):

* any save or delete of a user (``post_save``/``post_delete``: deactivation, password change,
  profile edit, erasure, an admin edit, the ``last_login`` of a sign-in) replaces that user's
  version after the commit;
* a queryset ``update()``/``delete()`` of users (no signals; ``UserQuerySet``) replaces the
  generation: every entry is read again;
* anything else (raw SQL, a restore) is bounded by ``USER_SECONDS``.

Inside a transaction that saved a user and has not committed, the row is read from the
database and not stored. While the cache is unavailable the row is simply read.
Entries hold the row as loaded (no roles, permissions or related rows): each request gets its
own copy, unpickled, so nothing set on one request's user reaches another request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model, load_backend
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare

from lyceum.core.cache import changed_in_transaction

from .roles_cache import roles_keys, roles_prime_from
from .versioned_cache import MISS, versioned_get_with, versioned_set, versions_retire

GENERATION_KEY = "accounts:user:generation"
TAG = "accounts:user"
USER_SECONDS = 300  # the bound for changes that send no signal (raw SQL) or a retire lost while Redis was away
VERSION_SECONDS = 7 * 24 * 3600


@lru_cache(maxsize=1)
def _schema() -> str:
    """The stored rows are pickled model instances: a deploy that changes the user's columns (or
    Django) reads fresh rows instead of unpickling old ones."""
    import django

    from .models import User

    names = ",".join(field.attname for field in User._meta.concrete_fields)
    return hashlib.sha256(f"{django.__version__}:{names}".encode()).hexdigest()[:8]


def _entry_key(user_id: Any) -> str:
    return f"accounts:user:{user_id}:{_schema()}"


def _version_key(user_id: Any) -> str:
    return f"accounts:user:{user_id}:v"


def _load(user_id: Any) -> Any:
    from .models import User

    return User._default_manager.filter(pk=user_id).first()


# Other per-viewer entries every page reads (the notification badge) can ride on the same round
# trip: an app registers ``name -> keys_for(user_id)`` returning ``(keys, stamp)``; what the cache
# holds under those keys, with the stamp, is left on the request for ``viewer_prefetched``. The
# stamp lets the owner tell whether it changed the data in this process since the fetch.
_viewer_keys: dict[str, Callable[[int], tuple[list[str], Any]]] = {}


def viewer_keys_register(name: str, keys_for: Callable[[int], tuple[list[str], Any]]) -> None:
    _viewer_keys[name] = keys_for


def viewer_prefetched(request: HttpRequest, name: str) -> tuple[Any, dict[str, Any]] | None:
    """``(stamp, found)`` fetched with the signed-in user's row for ``name``, or None."""
    return getattr(request, "_viewer_prefetched", {}).get(name)


def user_cached(user_id: Any, *, with_roles: bool = False, request: HttpRequest | None = None) -> Any:
    """The user row with this id (as ``User.objects.get`` would read it), or None.

    ``with_roles``: the cached roles (``roles_cache``) are fetched in the same round trip and put
    on the user when current (the entry stored here never holds them: they are invalidated on
    their own). ``request``: the registered viewer entries are fetched too and left on it."""
    if changed_in_transaction(TAG):
        return _load(user_id)
    keys = [GENERATION_KEY, _version_key(user_id)]
    extra = roles_keys(user_id) if with_roles else []
    wanted: dict[str, tuple[list[str], Any]] = {}
    if request is not None:
        wanted = {name: keys_for(int(user_id)) for name, keys_for in _viewer_keys.items()}
        extra += [key for viewer_keys, _stamp in wanted.values() for key in viewer_keys]
    user, versions, found = versioned_get_with(keys, _entry_key(user_id), extra, timeout=VERSION_SECONDS)
    if user is MISS:
        user = _load(user_id)
        if user is not None:
            versioned_set(_entry_key(user_id), versions, user, timeout=USER_SECONDS)
    if user is not None and with_roles:
        roles_prime_from(user, found)  # after storing: the stored row never carries roles
    if request is not None:
        request._viewer_prefetched = {  # type: ignore[attr-defined]
            name: (stamp, {key: found[key] for key in viewer_keys if key in found})
            for name, (viewer_keys, stamp) in wanted.items()
        }
    return user


def _backend_user(backend: Any, user_id: Any, request: HttpRequest) -> Any:
    if type(backend).get_user is ModelBackend.get_user:  # ModelBackend's read, from the cache
        user = user_cached(user_id, with_roles=True, request=request)
        return user if user is not None and backend.user_can_authenticate(user) else None
    return backend.get_user(user_id)


def session_user(request: HttpRequest) -> Any:
    """``django.contrib.auth.get_user`` with the row from ``user_cached`` (same checks, same order)."""
    user = None
    try:
        user_id = get_user_model()._meta.pk.to_python(request.session[SESSION_KEY])  # as Django's
        backend_path = request.session[BACKEND_SESSION_KEY]
    except KeyError:
        pass
    else:
        if backend_path in settings.AUTHENTICATION_BACKENDS:
            backend = load_backend(backend_path)
            user = _backend_user(backend, user_id, request)
            if hasattr(user, "get_session_auth_hash"):
                session_hash = request.session.get(HASH_SESSION_KEY)
                if not session_hash:
                    session_hash_verified = False
                else:
                    session_auth_hash = user.get_session_auth_hash()
                    session_hash_verified = constant_time_compare(session_hash, session_auth_hash)
                if not session_hash_verified:
                    # As Django: a session signed with a fallback secret key is moved to the
                    # current one; any other mismatch (the password changed) signs it out.
                    if session_hash and any(
                        constant_time_compare(session_hash, fallback_auth_hash)
                        for fallback_auth_hash in user.get_session_auth_fallback_hash()
                    ):
                        request.session.cycle_key()
                        request.session[HASH_SESSION_KEY] = session_auth_hash
                    else:
                        request.session.flush()
                        user = None
    return user or AnonymousUser()


# --- invalidation --------------------------------------------------------------------------------


def user_forget(user_ids: Any) -> None:
    """These users' rows are read again once the current transaction commits."""
    versions_retire([_version_key(pk) for pk in user_ids], tag=TAG, timeout=VERSION_SECONDS)


def users_forget_all() -> None:
    """Every cached row is read again once the current transaction commits."""
    versions_retire([GENERATION_KEY], tag=TAG, timeout=VERSION_SECONDS)


def _on_user_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance.pk is not None:
        user_forget([instance.pk])


def connect() -> None:
    from .models import User

    post_save.connect(_on_user_changed, sender=User, dispatch_uid="lyceum.accounts.user_cache.saved")
    post_delete.connect(_on_user_changed, sender=User, dispatch_uid="lyceum.accounts.user_cache.deleted")
