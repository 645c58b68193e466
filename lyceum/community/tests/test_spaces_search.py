"""Community search: English and Chinese, readable spaces only, never deleted threads."""

from __future__ import annotations

import os

import pytest

from lyceum.community.models import ThreadKind
from lyceum.community.search import thread_search
from lyceum.community.selectors import spaces as selectors
from lyceum.community.services import spaces as services
from lyceum.core.models import Event
from lyceum.learning.tests.factories import make_course

from .spaces_helpers import enroll, global_space, make_reply, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _global_space(db):
    return global_space()


def _titles(user, query):
    return [t.title for t in selectors.search_threads(user=user, query=query).threads]


def test_finds_titles_bodies_tags_and_replies(learner, outsider):
    make_thread(learner, title="Pandas groupby is slow", body="My dataframe has 10M rows")
    t2 = make_thread(learner, title="Help with SQL", body="joins confuse me", tags="postgresql")
    make_reply(outsider, t2, "Try a window function instead")
    assert _titles(outsider, "groupby") == ["Pandas groupby is slow"]
    assert _titles(outsider, "dataframe") == ["Pandas groupby is slow"]
    assert _titles(outsider, "postgresql") == ["Help with SQL"]
    assert _titles(outsider, "window function") == ["Help with SQL"]
    assert _titles(outsider, "nothing-like-this") == []
    assert _titles(outsider, "") == []


def test_chinese(learner, outsider):
    make_thread(learner, title="如何学习数据分析", body="我想系统地学习机器学习和统计")
    make_thread(learner, title="Python 入门问题", body="列表推导式怎么写？", tags="编程")
    assert _titles(outsider, "数据分析") == ["如何学习数据分析"]
    assert _titles(outsider, "机器学习") == ["如何学习数据分析"]
    assert _titles(outsider, "列表") == ["Python 入门问题"]
    assert _titles(outsider, "编程") == ["Python 入门问题"]
    assert _titles(outsider, "python 入门") == ["Python 入门问题"]


def test_title_ranks_above_body(learner, outsider):
    make_thread(learner, title="Unrelated", body="a note about recursion somewhere")
    make_thread(learner, title="Recursion explained", body="base cases")
    assert _titles(outsider, "recursion")[0] == "Recursion explained"


def test_only_readable_spaces_and_live_threads(learner, outsider, instructor, moderator):
    course = make_course(instructor=instructor)
    space = services.space_for_course(course=course)
    enroll(learner, course)
    make_thread(learner, space, title="Course secret zebra")
    gone = make_thread(learner, title="Deleted zebra")
    services.thread_delete(actor=learner, thread=gone)
    assert _titles(outsider, "zebra") == []
    assert _titles(learner, "zebra") == ["Course secret zebra"]
    assert _titles(moderator, "zebra") == ["Course secret zebra"]
    from django.contrib.auth.models import AnonymousUser

    assert _titles(AnonymousUser(), "zebra") == []


def test_edits_reindex(learner, outsider):
    thread = make_thread(learner, title="Old words", body="alpha")
    services.thread_edit(actor=learner, thread=thread, title="Fresh words", body="omega")
    assert _titles(outsider, "alpha") == []
    assert _titles(outsider, "omega") == ["Fresh words"]
    reply = make_reply(outsider, thread, "kangaroo")
    assert _titles(outsider, "kangaroo") == ["Fresh words"]
    services.reply_delete(actor=outsider, reply=reply)
    assert _titles(outsider, "kangaroo") == []


def test_query_syntax_never_reaches_the_database(learner, outsider):
    make_thread(learner, title="Quotes and stars")
    for query in ['"', "* OR 1=1", "NEAR(a b)", "quotes'); DROP TABLE x;--", "a & b | !c", "：：", "@#$%"]:
        selectors.search_threads(user=outsider, query=query)  # no error
    assert _titles(outsider, '"quotes"') == ["Quotes and stars"]


def test_pagination_and_event(client_for, learner, outsider):
    for i in range(23):
        make_thread(learner, title=f"Giraffe {i}", kind=ThreadKind.QUESTION)
    ids, total = thread_search(query="giraffe", space_ids=None, limit=20, offset=0)
    assert len(ids) == 20 and total == 23
    page = client_for(outsider).get("/community/search/?q=giraffe&page=2")
    assert len(page.context["results"].threads) == 3
    event = Event.objects.filter(name="community.searched").last()
    assert event.props == {"query": "giraffe", "results": 23}


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL: set DATABASE_URL"
)
def test_postgres_uses_the_tsvector_table(learner, outsider):
    from django.db import connection

    make_thread(learner, title="数据分析 on PostgreSQL", body="GIN index")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM community_search WHERE document @@ to_tsquery('simple', 'gin')")
        assert cursor.fetchone()[0] == 1
    assert _titles(outsider, "数据分析") == ["数据分析 on PostgreSQL"]


def test_reindex_all(learner, outsider):
    from lyceum.community.search import thread_search_clear, thread_search_reindex_all

    make_thread(learner, title="Okapi facts")
    gone = make_thread(learner, title="Okapi rumours")
    services.thread_delete(actor=learner, thread=gone)
    thread_search_clear()
    assert _titles(outsider, "okapi") == []
    assert thread_search_reindex_all() == 1
    assert _titles(outsider, "okapi") == ["Okapi facts"]


def test_search_page_survives_bad_page_and_long_query(client_for, learner, outsider):
    make_thread(learner, title="Okapi facts")
    client = client_for(outsider)
    for page in ("abc", "-3", "0", ""):
        response = client.get(f"/community/search/?q=okapi&page={page}")
        assert response.status_code == 200, page
        results = response.context["results"]
        assert results.page == 1 and [t.title for t in results.threads] == ["Okapi facts"]
    response = client.get("/community/search/", {"q": "okapi " + "x" * 5000})
    assert response.status_code == 200
    assert len(response.context["results"].query) == selectors.MAX_QUERY_LENGTH
    assert client.get("/community/search/?q=").context["results"].threads == []
