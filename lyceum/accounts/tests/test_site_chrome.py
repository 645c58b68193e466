"""The site chrome's reused blocks (``{% chrome_cached %}`` and ``{% nav_url %}`` in base.html):
each viewer still sees their own menu (by role and staff flag), in their own language, with their
own profile link and their own CSRF token, however many pages were rendered before."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from conftest import TOTP_SECRET
from lyceum.accounts.services import mfa_totp_enable
from lyceum.accounts.templatetags.site_chrome import nav_url_for

PAGE = "/no-such-page/"  # the 404 page has the full header and footer


def _page(client: Client, **headers: str) -> str:
    return client.get(PAGE, **headers).content.decode()


def _csrf_tokens(page: str) -> list[str]:
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)


@pytest.mark.django_db
def test_each_role_keeps_its_own_menu(client_for, learner, instructor, operator):
    pages = {}
    for _ in range(2):  # the second round is served from the reused blocks
        pages = {user.email: _page(client_for(user)) for user in (learner, instructor, operator)}
        assert "Earnings" not in pages[learner.email] and "Operations" not in pages[learner.email]
        assert "Earnings" in pages[instructor.email] and "Operations" not in pages[instructor.email]
        assert "Operations" in pages[operator.email] and reverse("commerce:payouts") in pages[operator.email]
    assert "Admin</a>" not in pages[learner.email]


@pytest.mark.django_db
def test_the_staff_flag_is_part_of_the_key(client_for, learner, outsider):
    outsider.is_staff = True
    outsider.save(update_fields=["is_staff"])
    mfa_totp_enable(user=outsider, secret=TOTP_SECRET)  # staff must have it to see pages
    for _ in range(2):
        assert "Admin</a>" not in _page(client_for(learner))
        assert "Admin</a>" in _page(client_for(outsider))


@pytest.mark.django_db
def test_each_viewer_keeps_their_own_profile_link_and_csrf_token(client_for, learner, outsider):
    one, other = client_for(learner), client_for(outsider)
    _page(one), _page(other)
    mine, theirs = _page(one), _page(other)

    assert reverse("accounts:member", args=[learner.pk]) in mine
    assert reverse("accounts:member", args=[outsider.pk]) in theirs
    assert reverse("accounts:member", args=[learner.pk]) not in theirs
    assert _csrf_tokens(mine) and _csrf_tokens(theirs)
    assert set(_csrf_tokens(mine)).isdisjoint(_csrf_tokens(theirs))


@pytest.mark.django_db
def test_each_language_keeps_its_own_labels(client):
    for _ in range(2):
        english = _page(client, HTTP_ACCEPT_LANGUAGE="en")
        chinese = _page(client, HTTP_ACCEPT_LANGUAGE="zh-CN")
        assert "Community rules" in english and "Community rules" not in chinese
        assert 'lang="zh-hans" selected' in chinese.replace("  ", " ")
        assert 'lang="en" selected' in english.replace("  ", " ")


def test_nav_url_is_reverse():
    for name in ("courses:catalog", "notifications:list", "account_logout", "healthz"):
        assert nav_url_for(name) == reverse(name)


@pytest.mark.django_db
def test_the_current_section_is_marked_on_every_page(client_for, learner):
    client = client_for(learner)
    community = reverse("community:home")
    courses = reverse("courses:catalog")
    for _ in range(2):
        on_community = client.get(community).content.decode()
        on_catalog = client.get(courses).content.decode()
        elsewhere = _page(client)
        assert re.search(rf'href="{community}"\s*aria-current="page"', on_community)
        assert not re.search(rf'href="{courses}"\s*aria-current="page"', on_community)
        assert re.search(rf'href="{courses}"\s*aria-current="page"', on_catalog)
        assert not re.search(rf'href="{community}"\s*aria-current="page"', on_catalog)
        assert 'aria-current="page"' not in elsewhere


@pytest.mark.django_db
def test_only_signed_in_pages_load_the_bell_script(client, client_for, learner):
    member = client_for(learner)
    for _ in range(2):
        assert "js/notifications" not in _page(client)
        assert "js/notifications" in _page(member)
