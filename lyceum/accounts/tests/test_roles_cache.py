"""The roles cache (lyceum/accounts/roles_cache.py): no roles query on a repeat request, and
every change of a user's groups (granted, revoked, a group renamed or emptied) takes effect on
the very next request; a role change rolled back is never cached; users never share an entry.

These tests commit (``transaction=True``): inside a test transaction that changed roles the
cache is bypassed on purpose (the change may still roll back)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from conftest import make_user
from lyceum.accounts.models import Role
from lyceum.accounts.roles_cache import user_roles_cached, user_roles_prime
from lyceum.accounts.services import role_grant, role_revoke

pytestmark = pytest.mark.django_db(transaction=True)


def _fresh(user):
    return type(user).objects.get(pk=user.pk)  # a new instance: no roles cached on the object


def _roles_queries(captured) -> list[str]:
    return [q["sql"] for q in captured if "auth_group" in q["sql"]]


def test_a_repeat_costs_no_roles_query(learner):
    with CaptureQueriesContext(connection) as cold:
        assert user_roles_cached(_fresh(learner)) == {Role.LEARNER}
    with CaptureQueriesContext(connection) as warm:
        assert user_roles_cached(_fresh(learner)) == {Role.LEARNER}
    assert len(_roles_queries(cold.captured_queries)) == 1
    assert _roles_queries(warm.captured_queries) == []


def test_prime_puts_the_roles_on_the_object_and_skips_anonymous(learner):
    from django.contrib.auth.models import AnonymousUser

    user = _fresh(learner)
    user_roles_prime(user)
    with CaptureQueriesContext(connection) as ctx:
        assert user.roles == {Role.LEARNER} and user.has_role(Role.LEARNER)
    assert ctx.captured_queries == []
    user_roles_prime(AnonymousUser())  # nothing to do, no error
    user_roles_prime(None)


def test_users_never_share_an_entry(learner, instructor):
    assert user_roles_cached(_fresh(learner)) == {Role.LEARNER}
    assert user_roles_cached(_fresh(instructor)) == {Role.LEARNER, Role.INSTRUCTOR}
    assert user_roles_cached(_fresh(learner)) == {Role.LEARNER}


def test_a_grant_and_a_revoke_take_effect_at_once(operator, learner):
    assert user_roles_cached(_fresh(learner)) == {Role.LEARNER}
    role_grant(actor=operator, user=learner, role=Role.MODERATOR)
    assert user_roles_cached(_fresh(learner)) == {Role.LEARNER, Role.MODERATOR}
    role_revoke(actor=operator, user=learner, role=Role.MODERATOR)
    assert user_roles_cached(_fresh(learner)) == {Role.LEARNER}


def test_changes_from_the_group_side_take_effect_at_once(learner, outsider):
    assert user_roles_cached(_fresh(learner)) == {Role.LEARNER}
    assert user_roles_cached(_fresh(outsider)) == {Role.LEARNER}
    learners = Group.objects.get(name=Role.LEARNER)
    learners.user_set.remove(learner)  # names the user: that entry goes
    assert user_roles_cached(_fresh(learner)) == frozenset()
    assert user_roles_cached(_fresh(outsider)) == {Role.LEARNER}
    learners.user_set.clear()  # names nobody: every entry goes
    assert user_roles_cached(_fresh(outsider)) == frozenset()
    Group.objects.get(name=Role.INSTRUCTOR).user_set.add(outsider)
    assert user_roles_cached(_fresh(outsider)) == {Role.INSTRUCTOR}


def test_a_renamed_or_deleted_group_takes_effect_at_once(moderator):
    assert user_roles_cached(_fresh(moderator)) == {Role.LEARNER, Role.MODERATOR}
    group = Group.objects.get(name=Role.MODERATOR)
    group.name = "retired-moderators"
    group.save()
    assert user_roles_cached(_fresh(moderator)) == {Role.LEARNER}
    group.name = Role.MODERATOR
    group.save()
    assert user_roles_cached(_fresh(moderator)) == {Role.LEARNER, Role.MODERATOR}
    group.delete()
    assert user_roles_cached(_fresh(moderator)) == {Role.LEARNER}


def test_a_rolled_back_grant_is_never_cached(operator, learner):
    assert user_roles_cached(_fresh(learner)) == {Role.LEARNER}
    with pytest.raises(RuntimeError), transaction.atomic():
        role_grant(actor=operator, user=learner, role=Role.OPERATOR)
        assert Role.OPERATOR in user_roles_cached(_fresh(learner))  # its own transaction sees it
        raise RuntimeError
    assert user_roles_cached(_fresh(learner)) == {Role.LEARNER}


def test_a_removed_role_locks_the_page_on_the_next_request(client_for, operator):
    """End to end through the middleware: an instructor's studio link and studio page go away
    on the first request after the role is revoked."""
    teacher = make_user("teacher@example.org", Role.INSTRUCTOR)  # with two-factor sign-in (staff)
    client = client_for(teacher)
    assert client.get("/studio/").status_code == 200
    with CaptureQueriesContext(connection) as warm:
        home = client.get("/courses/")
    assert 'href="/studio/"' in home.content.decode()
    assert _roles_queries(warm.captured_queries) == []
    role_revoke(actor=operator, user=teacher, role=Role.INSTRUCTOR)
    assert client.get("/studio/").status_code in (302, 403)
    assert 'href="/studio/"' not in client.get("/courses/").content.decode()
