"""The staff two-factor check from the cache (lyceum/accounts/mfa_cache.py): a staff member's
repeat request asks the database nothing about authenticators, and setting one up or removing it
takes effect on the very next request; members never share an answer.

These tests commit (``transaction=True``): inside a test transaction that changed authenticators
the cache is bypassed on purpose."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import TOTP_SECRET
from lyceum.accounts.mfa_cache import has_totp
from lyceum.accounts.services import mfa_totp_enable

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = "/dashboard/"


def _staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def _mfa_queries(captured) -> list[str]:
    return [q["sql"] for q in captured if "mfa_authenticator" in q["sql"]]


def test_setting_up_and_removing_an_authenticator_take_effect_at_once(client_for, outsider):
    client = client_for(_staff(outsider))
    assert client.get(PAGE).status_code == 302  # sent to set up two-factor sign-in
    assert client.get(PAGE).status_code == 302

    mfa_totp_enable(user=outsider, secret=TOTP_SECRET)
    assert client.get(PAGE).status_code == 200

    Authenticator.objects.filter(user=outsider).delete()
    assert client.get(PAGE).status_code == 302


def test_a_repeat_request_asks_nothing_about_authenticators(client_for, outsider):
    mfa_totp_enable(user=_staff(outsider), secret=TOTP_SECRET)
    client = client_for(outsider)
    assert client.get(PAGE).status_code == 200
    with CaptureQueriesContext(connection) as warm:
        assert client.get(PAGE).status_code == 200
    assert _mfa_queries(warm.captured_queries) == []


def test_members_never_share_an_answer(learner, outsider):
    mfa_totp_enable(user=learner, secret=TOTP_SECRET)
    for _ in range(2):
        assert has_totp(user_id=learner.pk) is True
        assert has_totp(user_id=outsider.pk) is False
