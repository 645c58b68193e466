"""A signed-in user's role names, cached between requests.

Every signed-in request needs the roles (the staff two-factor check in the middleware, the
navigation's context processor). ``User.roles`` asks the database once per request; here the
answer is kept in the cache under ``accounts:roles:<user id>`` together with a generation
token, and ``user_roles_prime`` puts it on the request's user so both readers share it.

Invalidation (``connect()``: called by ``AccountsConfig.ready`` and on import of the middleware):

* a change of one user's groups (``user.groups.add/remove/clear/set``, or
  ``group.user_set.add/remove`` naming the users): that user's entry is deleted at once and
  again after the commit (a request that read the old rows before the commit cannot leave
  them behind);
* anything touching a group as a whole (renamed, deleted, ``group.user_set.clear()``): the
  generation token is replaced, which retires every entry.

Inside a transaction that changed roles and has not committed yet, the roles are read from
the database and nothing is stored (the change may still roll back). While the cache is
unavailable the roles are simply read from the database.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import m2m_changed, post_delete, post_save

from lyceum.core.cache import after_commit, cache_token, cache_token_retire, changed_in_transaction

GENERATION_KEY = "accounts:roles:generation"
ROLES_SECONDS = 3600


def _user_key(user_id: int) -> str:
    return f"accounts:roles:{user_id}"


def _generation() -> str | None:
    return cache_token(GENERATION_KEY)


def user_roles_cached(user: Any) -> frozenset[str]:
    """The user's role names (as ``User.roles``), from the cache when it holds a current copy."""
    if not getattr(user, "pk", None):
        return frozenset()
    target = getattr(user, "_wrapped", user)
    if _changes_pending():  # this transaction changed roles: read them, store nothing
        target.__dict__.pop("roles", None)
        return frozenset(target.roles)
    key = _user_key(user.pk)
    found = cache.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY)
    entry = found.get(key)
    if generation is not None and isinstance(entry, tuple) and len(entry) == 2 and entry[0] == generation:
        return frozenset(entry[1])
    if generation is None:
        generation = _generation()
    target.__dict__.pop("roles", None)
    roles = frozenset(target.roles)  # the one query (User.roles)
    if generation is not None:
        cache.set(key, (generation, sorted(roles)), timeout=ROLES_SECONDS)
    return roles


def roles_keys(user_id: int) -> list[str]:
    """The cache keys holding a user's roles: fetched with the user's row (``user_cache``) in
    one round trip, then handed to ``roles_prime_from``."""
    return [GENERATION_KEY, _user_key(user_id)]


def roles_prime_from(user: Any, found: dict[str, Any]) -> None:
    """Put the roles on ``user`` when ``found`` (what the cache holds under ``roles_keys``) has a
    current entry; otherwise leave them to ``user_roles_prime`` (same checks as
    ``user_roles_cached``)."""
    if _changes_pending():
        return
    generation = found.get(GENERATION_KEY)
    entry = found.get(_user_key(user.pk))
    if generation is not None and isinstance(entry, tuple) and len(entry) == 2 and entry[0] == generation:
        user.__dict__["roles"] = frozenset(entry[1])


def user_roles_prime(user: Any) -> None:
    """Put the (cached) roles on this user object, so ``user.roles`` costs no query."""
    if not getattr(user, "is_authenticated", False):
        return
    target = getattr(user, "_wrapped", user)  # request.user is a SimpleLazyObject
    if "roles" not in target.__dict__:
        target.__dict__["roles"] = user_roles_cached(target)


PENDING_TAG = "accounts:roles"


def _forget(keys: list[str] | None) -> None:
    # Queued after commit by a role change; until it runs, the transaction is marked: a role change
    # not yet committed (it may still roll back) must never be stored for other requests to read.
    after_commit(
        PENDING_TAG, (lambda: cache_token_retire(GENERATION_KEY)) if keys is None else (lambda: cache.delete_many(keys))
    )


def _changes_pending(using: str = DEFAULT_DB_ALIAS) -> bool:
    return changed_in_transaction(PENDING_TAG, using)


def roles_forget(user_ids: Any) -> None:
    """Drop these users' entries now and once more after the current transaction commits."""
    keys = [_user_key(int(pk)) for pk in user_ids]
    if not keys:
        return
    cache.delete_many(keys)
    _forget(keys)


def roles_forget_all() -> None:
    """Retire every user's entry (now and after the commit)."""
    cache_token_retire(GENERATION_KEY)
    _forget(None)


def _on_groups_changed(sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:  # user.groups.<action>(...): instance is the user
        roles_forget([instance.pk])
    elif pk_set:  # group.user_set.add/remove(users): pk_set holds the user ids
        roles_forget(pk_set)
    else:  # group.user_set.clear(): who was in it is no longer known here
        roles_forget_all()


def _on_group_changed(sender: Any, **kwargs: Any) -> None:
    roles_forget_all()


def connect() -> None:
    from django.contrib.auth import get_user_model

    through = get_user_model().groups.through
    m2m_changed.connect(_on_groups_changed, sender=through, dispatch_uid="lyceum.accounts.roles_cache.m2m")
    post_save.connect(_on_group_changed, sender=Group, dispatch_uid="lyceum.accounts.roles_cache.group_saved")
    post_delete.connect(_on_group_changed, sender=Group, dispatch_uid="lyceum.accounts.roles_cache.group_deleted")
