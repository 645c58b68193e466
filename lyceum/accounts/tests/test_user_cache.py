"""The signed-in user's row from the cache (lyceum/accounts/user_cache.py): a repeat request reads
no user row, and everything that must sign a member out or change what they see still does so on
the very next request: a password change (other sessions out, this one kept), a deactivation (a
save or a bulk update), a profile edit. Users never share an entry; a change not committed yet is
never cached, and a row read before a change but stored after it is never served.

These tests commit (``transaction=True``): inside a test transaction that saved a user the cache
is bypassed on purpose (the change may still roll back)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import PASSWORD
from lyceum.accounts.models import User
from lyceum.accounts.services import user_update_profile
from lyceum.accounts.user_cache import (
    GENERATION_KEY,
    USER_SECONDS,
    VERSION_SECONDS,
    _entry_key,
    _version_key,
    user_cached,
)
from lyceum.accounts.versioned_cache import MISS, versioned_get, versioned_set

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = "/dashboard/"  # signed-in only: anonymous visitors are sent to the sign-in page


def _user_row_reads(captured) -> list[str]:
    return [q["sql"] for q in captured if 'FROM "accounts_user"' in q["sql"] and '"password"' in q["sql"]]


def _signed_in(client: Client) -> bool:
    response = client.get(PAGE)
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_a_repeat_request_reads_no_user_row(client_for, learner):
    client = client_for(learner)
    client.get("/no-such-page/")  # the 404 page shows the signed-in header: the user is loaded
    with CaptureQueriesContext(connection) as warm:
        response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Lena Learner" in response.content.decode()
    assert _user_row_reads(warm.captured_queries) == []


def test_a_password_change_signs_the_other_sessions_out_and_keeps_this_one(client_for, learner):
    here, elsewhere = client_for(learner), client_for(learner)
    assert _signed_in(here) and _signed_in(elsewhere)  # both cached the row

    response = here.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "another-long-passphrase", "password2": "another-long-passphrase"},
    )

    assert response.status_code == 302
    assert _signed_in(here)
    assert not _signed_in(elsewhere)


def test_a_deactivation_signs_the_member_out_at_once(client_for, learner):
    client = client_for(learner)
    assert _signed_in(client)

    learner.is_active = False
    learner.save(update_fields=["is_active"])

    assert not _signed_in(client)


def test_a_bulk_update_without_signals_takes_effect_at_once(client_for, learner, outsider):
    one, other = client_for(learner), client_for(outsider)
    assert _signed_in(one) and _signed_in(other)

    User.objects.filter(pk=learner.pk).update(is_active=False)

    assert not _signed_in(one)
    assert _signed_in(other)


def test_a_profile_edit_shows_on_the_next_page(client_for, learner):
    client = client_for(learner)
    assert "Lena Learner" in client.get("/no-such-page/").content.decode()

    user_update_profile(actor=learner, user=learner, display_name="Lena Renamed")

    assert "Lena Renamed" in client.get("/no-such-page/").content.decode()


def test_members_never_share_an_entry(client_for, learner, outsider):
    one, other = client_for(learner), client_for(outsider)
    for _ in range(2):  # cold, then from the cache
        assert "Lena Learner" in one.get("/no-such-page/").content.decode()
        page = other.get("/no-such-page/").content.decode()
        assert "Otto Outsider" in page and "Lena Learner" not in page
    assert user_cached(learner.pk).pk == learner.pk
    assert user_cached(outsider.pk).pk == outsider.pk


def test_each_request_gets_its_own_copy(learner):
    first = user_cached(learner.pk)
    first.display_name = "changed in memory only"
    first.__dict__["roles"] = frozenset({"operator"})

    second = user_cached(learner.pk)

    assert second is not first
    assert second.display_name == "Lena Learner"
    assert "roles" not in second.__dict__


def test_a_change_inside_a_transaction_is_read_there_and_never_cached(learner):
    assert user_cached(learner.pk).display_name == "Lena Learner"
    with pytest.raises(RuntimeError), transaction.atomic():
        learner.display_name = "Uncommitted"
        learner.save(update_fields=["display_name"])
        assert user_cached(learner.pk).display_name == "Uncommitted"  # this transaction sees it
        raise RuntimeError("rolled back")

    assert user_cached(learner.pk).display_name == "Lena Learner"


def test_a_row_read_before_a_change_and_stored_after_it_is_not_served(learner):
    # A request reads the row (a miss) just before another one commits a deactivation...
    value, versions = versioned_get(
        [GENERATION_KEY, _version_key(learner.pk)], _entry_key(learner.pk), timeout=VERSION_SECONDS
    )
    assert value is MISS and versions is not None
    stale = User.objects.get(pk=learner.pk)
    learner.is_active = False
    learner.save(update_fields=["is_active"])
    # ...and stores what it read only afterwards.
    versioned_set(_entry_key(learner.pk), versions, stale, timeout=USER_SECONDS)

    assert user_cached(learner.pk).is_active is False


def test_a_session_signed_with_a_retired_secret_key_is_moved_to_the_new_one(client_for, learner, settings):
    client = client_for(learner)
    assert _signed_in(client)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-brand-new-secret-key-" + "x" * 40

    assert _signed_in(client)
    assert _signed_in(client)


def test_a_session_signed_with_an_unknown_secret_key_is_signed_out(client_for, learner, settings):
    client = client_for(learner)
    assert _signed_in(client)
    settings.SECRET_KEY = "a-brand-new-secret-key-" + "x" * 40

    assert not _signed_in(client)


def test_the_roles_come_in_the_same_round_trip_and_a_role_change_still_shows_at_once(client_for, learner, operator):
    from django.core.cache import cache

    from conftest import TOTP_SECRET
    from lyceum.accounts.models import Role
    from lyceum.accounts.services import mfa_totp_enable, role_grant, role_revoke

    mfa_totp_enable(user=learner, secret=TOTP_SECRET)  # a moderator must have it to see pages
    client = client_for(learner)
    assert "Course reviews" not in client.get("/no-such-page/").content.decode()
    with CaptureQueriesContext(connection) as warm:
        client.get("/no-such-page/")
    assert [q for q in warm.captured_queries if "auth_group" in q["sql"]] == []

    role_grant(actor=operator, user=learner, role=Role.MODERATOR)
    assert "Course reviews" in client.get("/no-such-page/").content.decode()
    role_revoke(actor=operator, user=learner, role=Role.MODERATOR)
    assert "Course reviews" not in client.get("/no-such-page/").content.decode()

    user = user_cached(learner.pk, with_roles=True)
    assert user.roles == {Role.LEARNER}
    _versions, stored = cache.get(_entry_key(learner.pk))
    assert "roles" not in stored.__dict__  # the row's entry never carries them
