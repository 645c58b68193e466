"""The thread page made cheap (issue 9): replies in one query, the viewer's marks in one more,
every per-reply URL and permission decided once in Python — and still, for each viewer, only
what that viewer may see and do."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import make_user
from lyceum.accounts.models import User
from lyceum.community.models import Reply, Thread
from lyceum.community.selectors import spaces as selectors
from lyceum.community.services import spaces as services
from lyceum.community.views.thread_rows import url_pattern

from .spaces_helpers import global_space, make_reply, make_thread

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _global_space(db):
    return global_space()


def _page(client: Client, thread: Thread, query: str = "") -> str:
    response = client.get(f"/community/t/{thread.pk}/{query}")
    assert response.status_code == 200
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", response.content.decode())


def _article(html: str, reply_id: int) -> str:
    match = re.search(rf'<article class="reply[^"]*" id="reply-{reply_id}">.*?</article>', html, re.S)
    assert match, f"reply {reply_id} is not on the page"
    return match.group(0)


@pytest.fixture
def question(learner, outsider, instructor):
    """A question by ``learner``: answers by outsider and instructor, a nested reply, a vote, an edit."""
    thread = make_thread(learner, kind="question", title="How?", body="Why?")
    first = make_reply(outsider, thread, "First answer")
    second = make_reply(instructor, thread, "Second answer")
    nested = make_reply(learner, thread, "Thanks", parent=first)
    services.reply_vote(actor=learner, reply=second)
    services.reply_edit(actor=outsider, reply=first, body="First answer, edited")
    return {"thread": thread, "first": first, "second": second, "nested": nested}


def test_url_patterns_format_to_what_reverse_gives():
    for name in ("community:reply-vote", "community:reply-edit", "community:reply", "accounts:member"):
        assert url_pattern(name).format(4321) == reverse(name, args=[4321])
        assert url_pattern(name).format(7) != reverse(name, args=[4321])


def test_a_signed_in_page_costs_the_same_queries_for_a_short_or_a_long_reply_list(client_for, learner, outsider):
    thread = make_thread(learner, title="Budget")
    client = client_for(outsider)
    costs = []
    for _ in range(2):
        for n in range(6):
            top = make_reply(learner, thread, f"Top {n}")
            make_reply(outsider, thread, f"Under {n}", parent=top)
        client.get(f"/community/t/{thread.pk}/")  # warm sessions and caches
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/community/t/{thread.pk}/").status_code == 200
        costs.append([q["sql"] for q in ctx.captured_queries])
    assert len(costs[0]) == len(costs[1])
    reply_reads = [sql for sql in costs[1] if 'FROM "community_reply"' in sql.split(" WHERE ")[0]]
    assert len(reply_reads) == 1, reply_reads  # tops and nested replies together, no COUNT
    assert not [sql for sql in costs[1] if "COUNT(" in sql and "community_reply" in sql]


def test_viewer_marks_are_the_viewers_own(learner, outsider, question):
    thread, second = question["thread"], question["second"]
    services.thread_bookmark(actor=outsider, thread=thread)
    services.thread_vote(actor=outsider, thread=thread)
    mine = selectors.thread_page(user=learner, thread=thread)
    theirs = selectors.thread_page(user=outsider, thread=thread)
    assert ("reply", second.pk) in mine.my_votes and ("thread", thread.pk) not in mine.my_votes
    assert not mine.bookmarked
    assert theirs.my_votes == {("thread", thread.pk)} and theirs.bookmarked
    other = make_user("other@example.org")
    nobody = selectors.thread_page(user=other, thread=thread)
    assert nobody.my_votes == set() and not nobody.bookmarked and not nobody.following


def test_each_viewer_sees_only_their_own_buttons(client_for, learner, outsider, instructor, moderator, question):
    thread, first, second, nested = (question[k] for k in ("thread", "first", "second", "nested"))
    other = make_user("other@example.org", display_name="Oscar Other")

    as_asker = _page(client_for(learner), thread)
    # the asker: accepts any answer, edits only their own reply, reports the others, sees their vote
    assert f'action="/community/r/{first.pk}/accept/"' in _article(as_asker, first.pk)
    assert f'href="/community/r/{nested.pk}/edit/"' in _article(as_asker, nested.pk)
    assert f"/community/r/{first.pk}/edit/" not in as_asker
    assert f'href="/report/reply/{first.pk}/"' in as_asker and f"/report/reply/{nested.pk}/" not in as_asker
    assert 'class="vote-button is-voted"' in _article(as_asker, second.pk)
    assert "is-voted" not in _article(as_asker, first.pk)
    assert ">@OttoOutsider </textarea>" in _article(as_asker, first.pk)
    assert "></textarea>" in _article(as_asker, nested.pk)  # no mention of oneself

    as_other = _page(client_for(other), thread)
    # a member who wrote nothing: no accept, no edit, no delete; reports and votes everything
    assert "/accept/" not in as_other and "/edit/" not in as_other and "/delete/" not in as_other
    assert "is-voted" not in as_other  # the asker's vote is not shown as theirs
    assert as_other.count("report-link") == 4  # the thread and three replies
    assert "/history/" in _article(as_other, first.pk)  # the edit link is public

    as_author = _page(client_for(outsider), thread)
    assert f'href="/community/r/{first.pk}/edit/"' in as_author and f"/community/r/{second.pk}/edit/" not in as_author
    assert re.search(r"<button[^>]*disabled", _article(as_author, first.pk))  # no vote on one's own reply

    as_moderator = _page(client_for(moderator), thread)
    for reply in (first, second, nested):
        assert f'href="/community/r/{reply.pk}/edit/"' in as_moderator
        assert f'action="/community/r/{reply.pk}/delete/"' in as_moderator

    as_visitor = _page(Client(), thread)
    assert "/edit/" not in as_visitor and "report-link" not in as_visitor and "reply-to" not in as_visitor
    assert len(re.findall(r"<button[^>]*disabled", as_visitor)) == 4  # thread + 3 replies, none votable


def test_hidden_and_deleted_replies_read_as_before(client_for, learner, outsider, moderator):
    thread = make_thread(learner, title="Moderated")
    held = make_reply(outsider, thread, "Held text")
    gone = make_reply(outsider, thread, "Gone text")
    Reply.objects.filter(pk=held.pk).update(hidden_at=NOW, hidden_reason="held")
    services.reply_delete(actor=outsider, reply=gone)

    as_author = _page(client_for(outsider), thread)
    assert "Waiting for a moderator's review" in _article(as_author, held.pk)
    assert "reply-to" not in _article(as_author, held.pk)  # nobody answers a hidden reply
    assert "This reply was deleted." in _article(as_author, gone.pk) and "Gone text" not in as_author

    as_moderator = _page(client_for(moderator), thread)
    assert "Held for review by the spam filter" in _article(as_moderator, held.pk)
    assert "Waiting for a moderator" not in as_moderator

    assert f"reply-{held.pk}" not in _page(client_for(learner), thread)
    assert "Held text" not in _page(Client(), thread)


def test_avatars_follow_the_profile_rules(client_for, learner, outsider):
    thread = make_thread(learner, title="Faces")
    shown = make_reply(outsider, thread, "Shown face")
    hidden_user = make_user("hid@example.org", display_name="Hugo Hidden")
    hidden = make_reply(hidden_user, thread, "Hidden face")
    User.objects.filter(pk=outsider.pk).update(avatar="avatars/2026/01/o.png")
    User.objects.filter(pk=hidden_user.pk).update(avatar="avatars/2026/01/h.png", profile_hidden_at=NOW)

    page = _page(client_for(learner), thread)
    assert 'src="/media/avatars/2026/01/o.png"' in _article(page, shown.pk)
    assert "h.png" not in _article(page, hidden.pk) and 'data-size="24">H</span>' in _article(page, hidden.pk)
    assert "avatars/2026/01/h.png" in _article(_page(client_for(hidden_user), thread), hidden.pk)  # one's own

    User.objects.filter(pk=outsider.pk).update(is_active=False)
    assert f'href="/members/{outsider.pk}/"' not in _article(_page(client_for(learner), thread), shown.pk)


def test_a_long_thread_pages_in_sql_like_a_short_one_in_python(monkeypatch, learner, outsider):
    thread = make_thread(learner, title="Long")
    tops = [make_reply(learner, thread, f"Top {n}") for n in range(5)]
    children = [make_reply(outsider, thread, f"Child {n}", parent=tops[n]) for n in range(5)]
    short = [selectors.thread_page(user=learner, thread=thread, page=p, per_page=2) for p in (1, 3, "x", 99)]
    monkeypatch.setattr(selectors, "SMALL_THREAD_REPLIES", 3)
    long = [selectors.thread_page(user=learner, thread=thread, page=p, per_page=2) for p in (1, 3, "x", 99)]
    for a, b in zip(short, long, strict=True):
        assert a.page.number == b.page.number and a.page.paginator.num_pages == b.page.paginator.num_pages == 3
        assert [(n.reply.pk, [c.pk for c in n.children]) for n in a.nodes] == [
            (n.reply.pk, [c.pk for c in n.children]) for n in b.nodes
        ]
    assert [n.reply.pk for n in short[0].nodes] == [tops[0].pk, tops[1].pk]
    assert [c.pk for c in short[0].nodes[0].children] == [children[0].pk]
    assert [n.reply.pk for n in short[1].nodes] == [tops[4].pk]  # page 3 of 3
    assert short[2].page.number == 1 and short[3].page.number == 3  # bad input: first / last page


def test_the_thread_page_reads_a_tagged_thread_and_a_bad_page_number(client_for, learner):
    thread = make_thread(learner, title="Tagged", tags="alpha, beta")
    page = _page(client_for(learner), thread, "?page=abc")
    assert "#alpha" in page and "#beta" in page
    assert client_for(learner).get("/community/t/999999/").status_code == 404
