"""Full-text search: runs on SQLite (FTS5) locally and on PostgreSQL (tsvector) in CI."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lyceum.courses import search, services
from lyceum.courses.models import Course, CourseStatus
from lyceum.courses.search import course_search

from .catalog_data import published_course

pytestmark = pytest.mark.django_db


def _ids(query: str, **kwargs) -> list[int]:
    return course_search(query=query, limit=kwargs.pop("limit", 50), offset=kwargs.pop("offset", 0))[0]


# --- Languages ------------------------------------------------------------------------------------


def test_a_chinese_query_finds_a_chinese_title_with_latin_words_inside():
    # given
    wanted = published_course(title="零基础学Python编程入门", language="zh-hans")
    published_course(title="产品经理入门", language="zh-hans")
    published_course(title="Python for Data Analysis", language="en")

    # when
    ids, total = course_search(query="Python 入门", limit=10, offset=0)

    # then
    assert ids == [wanted.pk]
    assert total == 1


@pytest.mark.parametrize("query", ["编程", "零基础", "python编程", "PYTHON", "入门 python", "Ｐｙｔｈｏｎ"])
def test_chinese_titles_are_found_by_their_words(query):
    wanted = published_course(title="零基础学Python编程入门")
    published_course(title="商务英语口语")

    assert _ids(query) == [wanted.pk]


def test_a_chinese_word_finds_a_course_whose_text_splits_it_differently():
    wanted = published_course(title="数据分析实战", description="用 pandas 做数据分析。")

    assert _ids("数据分析") == [wanted.pk]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("pandas", True),
        ("Analysis", True),
        ("ANALYSIS PANDAS", True),
        ("analysis with pandas", True),
        ("analy", False),  # whole words only
        ("analyses", False),  # no stemming
        ("pandas spark", False),  # every word must match
    ],
)
def test_english_words_match_whole_and_without_stemming(query, found):
    course = published_course(title="Data Analysis with pandas")

    assert _ids(query) == ([course.pk] if found else [])


@pytest.mark.parametrize(("query", "found"), [("ελληνικα", True), ("Ελληνικά", True), ("λ", False), ("한국어", True)])
def test_words_of_other_scripts_stay_whole(query, found):
    course = published_course(title="Ελληνικά για αρχάριους · 한국어 입문")

    assert _ids(query) == ([course.pk] if found else [])


def test_every_indexed_field_is_searchable():
    course = published_course(
        title="Course",
        subtitle="Quick wins with spreadsheets",
        description="We use **pivot** tables. See [docs](https://example.com/hidden-url).",
        objectives="Write formulas\nBuild dashboards",
        lessons=("Lookup functions",),
    )

    for query in ("spreadsheets", "pivot", "dashboards", "lookup"):
        assert _ids(query) == [course.pk], query
    assert _ids("hidden") == []  # link targets are not course text


# --- Ranking --------------------------------------------------------------------------------------


def test_a_title_match_ranks_above_a_subtitle_match_above_a_description_match():
    in_description = published_course(title="Charts", description="Make charts with matplotlib.", days_ago=1)
    in_title = published_course(title="Matplotlib in practice", description="Charts.", days_ago=30)
    in_subtitle = published_course(title="Plots", subtitle="A matplotlib tour", days_ago=10)

    assert _ids("matplotlib") == [in_title.pk, in_subtitle.pk, in_description.pk]


def test_limit_offset_and_total():
    courses = [published_course(title=f"SQL part {i}", days_ago=i) for i in range(1, 4)]

    first_ids, first_total = course_search(query="sql", limit=2, offset=0)
    rest_ids, rest_total = course_search(query="sql", limit=2, offset=2)

    assert (first_total, rest_total) == (3, 3)
    assert first_ids + rest_ids == [c.pk for c in courses]  # equal rank: newest first


# --- Only published courses -------------------------------------------------------------------------


@pytest.mark.parametrize("status", [CourseStatus.DRAFT, CourseStatus.IN_REVIEW, CourseStatus.ARCHIVED])
def test_unpublished_courses_are_never_found(status):
    published_course(title="Kotlin basics", status=status)

    assert course_search(query="kotlin", limit=10, offset=0) == ([], 0)


def test_archiving_then_updating_the_index_takes_a_course_out():
    course = published_course(title="Rust for beginners")
    assert _ids("rust") == [course.pk]

    course.status = CourseStatus.ARCHIVED
    course.save(update_fields=["status"])
    assert _ids("rust") == []  # the status check alone already hides it
    assert services.course_search_index_update(course=course) is False

    course.status = CourseStatus.PUBLISHED
    course.save(update_fields=["status"])
    assert _ids("rust") == []  # and it is out of the index until indexed again


def test_index_update_follows_content_changes():
    course = published_course(title="Go basics")
    course.title = "Elixir basics"
    course.save(update_fields=["title"])

    services.course_search_index_update(course=course)

    assert _ids("elixir") == [course.pk]
    assert _ids("go") == []


def test_reindex_courses_rebuilds_the_whole_index():
    courses = [published_course(title=f"Haskell {i}", index=False) for i in range(3)]
    published_course(title="Haskell draft", status=CourseStatus.DRAFT, index=False)
    assert _ids("haskell") == []

    call_command("reindex_courses", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert sorted(_ids("haskell")) == sorted(c.pk for c in courses)


def test_deleting_a_course_leaves_no_search_result():
    course = published_course(title="Scala intro")

    Course.objects.filter(pk=course.pk).delete()

    assert course_search(query="scala", limit=10, offset=0) == ([], 0)


# --- Hostile input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "*",
        "NEAR(",
        "') OR 1=1 --",
        '" OR "" = "',
        "title:python",
        "python AND",
        "-python",
        "python*",
        "^python",
        "(python",
        "python)",
        "NOT python",
        "a & b | !c <-> d:*",
        "\\",
        "'",
        "%",
        "\x00",
        "🐍" * 50,
        "x" * 5000,
        "; DROP TABLE courses_search; --",
    ],
)
def test_query_syntax_in_user_input_is_harmless(query):
    course = published_course(title="Python programming")

    ids, total = course_search(query=query, limit=10, offset=0)

    assert ids in ([], [course.pk])
    assert total == len(ids)
    assert _ids("python") == [course.pk]  # the index is intact


@pytest.mark.parametrize("query", ["", "   ", "!!!", "的", "and the"])
def test_a_query_without_words_finds_nothing_without_asking_the_database(query, django_assert_num_queries):
    published_course(title="Anything")

    with django_assert_num_queries(0):
        assert course_search(query=query, limit=10, offset=0) == ([], 0)


# --- From the index, not a scan ---------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite: FTS5")
def test_sqlite_answers_from_the_fts5_table():
    published_course(title="Julia for scientists")

    with CaptureQueriesContext(connection) as queries:
        _ids("julia")

    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "courses_search MATCH" in sql
    assert "LIKE" not in sql.upper()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL: tsvector + GIN")
def test_postgres_answers_from_the_gin_index():
    # given a table large enough for the planner to weigh an index, with full scans
    # (sequential, or walking a whole b-tree) discouraged as on a production-sized table
    now = timezone.now()
    Course.objects.bulk_create(
        Course(slug=f"lang-{i}", title=f"Fortran {i}" if i % 50 == 0 else f"Cobol {i}", status="published",
               published_at=now)
        for i in range(400)
    )  # fmt: skip
    services.course_search_reindex_all()
    backend = search._backend()
    match = search._match_expression(search._query_groups("fortran"), backend)

    # when
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE courses_search")
        cursor.execute("ANALYZE courses_course")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + backend.search, [match, CourseStatus.PUBLISHED.value, 10, 0])
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # then
    assert "Bitmap Index Scan on courses_search_document" in plan
    assert "Index Cond: (document @@ '''fortran'''::tsquery)" in plan
    assert len(_ids("fortran")) == 8
