from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lyceum.analytics.middleware import COOKIE, visit_hash
from lyceum.analytics.selectors import platform_today
from lyceum.core.models import Event

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


def visits():
    return list(Event.objects.filter(name="visit.started"))


def browser() -> Client:
    return Client(HTTP_USER_AGENT=BROWSER)


def test_a_visitor_counts_once_per_day_with_a_hashed_token_only():
    client = browser()

    client.get("/")
    client.get("/courses/")
    client.get("/")

    [visit] = visits()
    assert visit.actor_id is None
    assert set(visit.props) == {"visitor", "landing"}
    assert re.fullmatch(r"[0-9a-f]{16}", visit.props["visitor"]) and visit.props["landing"] == "/"
    day, _, token = client.cookies[COOKIE].value.partition(".")
    assert day == platform_today().isoformat() and visit.props["visitor"] == visit_hash(token)
    assert client.cookies[COOKIE]["httponly"]


def test_the_same_browser_the_next_day_is_a_new_visit_with_the_same_visitor():
    client = browser()
    client.get("/")
    token = client.cookies[COOKIE].value.partition(".")[2]
    client.cookies[COOKIE] = f"{(platform_today() - timedelta(days=1)).isoformat()}.{token}"

    client.get("/courses/")

    first, second = sorted(visits(), key=lambda e: e.pk)
    assert first.props["visitor"] == second.props["visitor"] == visit_hash(token)


@pytest.mark.parametrize(
    "agent", ["", "Googlebot/2.1 (+http://www.google.com/bot.html)", "curl/8.0", "python-requests/2"]
)
def test_bots_and_scripts_are_not_visits(agent):
    Client(HTTP_USER_AGENT=agent).get("/")

    assert visits() == []


@pytest.mark.parametrize("path", ["/api/v1/courses", "/healthz", "/static/css/lyceum.css", "/no-such-page/"])
def test_only_html_pages_count(path):
    browser().get(path)

    assert visits() == []


def test_posts_do_not_count():
    browser().post("/accounts/login/", {"login": "x@example.org", "password": "nope"})

    assert visits() == []


def test_signed_in_members_are_not_visits(learner):
    client = browser()
    client.force_login(learner)

    client.get("/")

    assert visits() == []


def test_the_first_page_of_the_day_costs_one_query_more_than_the_next():
    warm = browser()
    warm.get("/")

    with CaptureQueriesContext(connection) as again:
        warm.get("/")
    with CaptureQueriesContext(connection) as first:
        browser().get("/")

    assert len(first.captured_queries) == len(again.captured_queries) + 1
