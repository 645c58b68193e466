"""Full-text search over published courses, in English and Chinese.

Text is segmented by jieba (search mode) and lower-cased *before* it reaches the
database, so both backends only see space-separated tokens of letters and digits:

- SQLite: the FTS5 table ``courses_search`` (``unicode61`` tokenizer), ranked by ``bm25``;
- PostgreSQL: ``courses_search.document``, a ``tsvector`` with a GIN index built with the
  ``simple`` configuration, ranked by ``ts_rank_cd`` (weights A title, B subtitle and
  objectives, C description and lesson titles).

Both are created by migration ``0002_search``. The only code that knows which database
it talks to is ``_backend()``; everything else is shared. User queries never reach the
database as syntax: they are reduced to tokens of letters and digits and quoted.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass

import jieba
from django.db import connection

from .models import Course, CourseStatus

jieba.setLogLevel(logging.WARNING)

FIELDS = ("title", "subtitle", "objectives", "description", "lessons")
MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 12
# Dropped from queries (still indexed): they would make every query an AND with "the".
STOP_WORDS = frozenset({"a", "an", "and", "the", "of", "for", "to", "in", "on", "with", "or", "的", "和", "与"})

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A run of Chinese characters (for jieba) or a word in any other script (kept whole).
_RUN = re.compile(rf"(?P<han>[{_HAN}]+)|(?P<word>[^\W_{_HAN}]+)")
_MARKDOWN_URL = re.compile(r"\]\([^)]*\)|https?://\S+")


@dataclass(frozen=True)
class _Backend:
    delete: str  # run with (course_id,)
    insert: str  # run with (course_id, *FIELDS)
    search: str  # run with (match, status, limit, offset)
    count: str  # run with (match, status)
    quote: str  # how a token is quoted in a match expression
    and_: str
    or_: str


_SQLITE = _Backend(
    delete="DELETE FROM courses_search WHERE rowid = %s",
    insert=(
        "INSERT INTO courses_search (rowid, title, subtitle, objectives, description, lessons)"
        " VALUES (%s, %s, %s, %s, %s, %s)"
    ),
    search=(
        "SELECT courses_search.rowid FROM courses_search"
        " JOIN courses_course ON courses_course.id = courses_search.rowid"
        " WHERE courses_search MATCH %s AND courses_course.status = %s"
        " ORDER BY bm25(courses_search, 10.0, 4.0, 4.0, 1.0, 1.0),"
        " courses_course.published_at DESC, courses_course.id DESC"
        " LIMIT %s OFFSET %s"
    ),
    count=(
        "SELECT count(*) FROM courses_search"
        " JOIN courses_course ON courses_course.id = courses_search.rowid"
        " WHERE courses_search MATCH %s AND courses_course.status = %s"
    ),
    quote='"',
    and_=" AND ",
    or_=" OR ",
)

_POSTGRES = _Backend(
    delete="DELETE FROM courses_search WHERE course_id = %s",
    insert=(
        "INSERT INTO courses_search (course_id, document) VALUES (%s,"
        " setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B')"
        " || setweight(to_tsvector('simple', %s), 'B') || setweight(to_tsvector('simple', %s), 'C')"
        " || setweight(to_tsvector('simple', %s), 'C'))"
    ),
    search=(
        "SELECT s.course_id FROM courses_search s"
        " CROSS JOIN to_tsquery('simple', %s) AS q"
        " JOIN courses_course c ON c.id = s.course_id"
        " WHERE s.document @@ q AND c.status = %s"
        " ORDER BY ts_rank_cd(s.document, q) DESC, c.published_at DESC, c.id DESC"
        " LIMIT %s OFFSET %s"
    ),
    count=(
        "SELECT count(*) FROM courses_search s"
        " JOIN courses_course c ON c.id = s.course_id"
        " WHERE s.document @@ to_tsquery('simple', %s) AND c.status = %s"
    ),
    quote="'",
    and_=" & ",
    or_=" | ",
)


def _backend() -> _Backend:
    """The one place that depends on the database in use."""
    backends = {"sqlite": _SQLITE, "postgresql": _POSTGRES}
    if connection.vendor not in backends:
        raise NotImplementedError(f"course search supports SQLite and PostgreSQL, not {connection.vendor}")
    return backends[connection.vendor]


# --- Text -> tokens (shared by indexing and queries) -------------------------------------------


def _normalise(text: str) -> str:
    # NFKC folds full-width Latin and digits (Ｐｙｔｈｏｎ -> Python); accents are dropped
    # so "café" and "cafe" meet on both databases.
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text or ""))
    return unicodedata.normalize("NFC", "".join(c for c in text if not unicodedata.combining(c))).lower()


def _words(text: str, *, search_mode: bool) -> list[str]:
    """Chinese runs segmented by jieba; words of other scripts whole; letters and digits only."""
    words: list[str] = []
    for run in _RUN.finditer(text):
        if run.group("han"):
            cut = jieba.cut_for_search(run.group("han")) if search_mode else jieba.cut(run.group("han"))
            words.extend(cut)
        else:
            words.append(run.group("word"))
    return words


def tokenize(text: str) -> list[str]:
    """The index tokens of ``text``: normalised, Chinese in jieba's search mode, in order."""
    return _words(_normalise(text), search_mode=True)


Group = list[tuple[str, ...]]  # alternatives; each alternative is tokens that must all match


def _query_groups(query: str) -> list[Group]:
    """Each query word becomes a group of alternatives; a course must match every group.

    A Chinese word matches itself, or all the dictionary words inside it (search-mode
    indexing stores those too): ``数据分析`` also finds a text segmented as 数据 / 分析.
    """
    groups: list[Group] = []
    for word in _words(_normalise(query[:MAX_QUERY_CHARS]), search_mode=False):
        if word in STOP_WORDS:
            continue
        group: Group = [(word,)]
        inner = tuple(dict.fromkeys(t for t in tokenize(word) if len(t) > 1 and t != word))
        if inner:
            group.append(inner)
        if group not in groups:
            groups.append(group)
    return groups[:MAX_QUERY_WORDS]


def _match_expression(groups: list[Group], backend: _Backend) -> str:
    """``("数据分析" OR ("数据" AND "分析")) AND ("python")`` in the backend's syntax.

    Tokens hold only letters and digits, so quoting them leaves no syntax to inject.
    """
    q = backend.quote

    def alternative(tokens: tuple[str, ...]) -> str:
        return "(" + backend.and_.join(f"{q}{t}{q}" for t in tokens) + ")"

    return backend.and_.join("(" + backend.or_.join(alternative(a) for a in group) + ")" for group in groups)


# --- Index ---------------------------------------------------------------------------------------


def course_document(course: Course) -> dict[str, str]:
    """The searchable text of a course, one space-joined token string per field."""
    lesson_titles = "\n".join(course.lessons.order_by("position", "id").values_list("title", flat=True))
    raw = {
        "title": course.title,
        "subtitle": course.subtitle,
        "objectives": course.objectives,
        "description": _MARKDOWN_URL.sub(" ", course.description),
        "lessons": lesson_titles,
    }
    return {name: " ".join(tokenize(raw[name])) for name in FIELDS}


def course_search_index(course: Course) -> bool:
    """Put a published course into the index (or take any other out). True if indexed.

    Writes only the search table; call it through ``services.course_search_index_update``.
    """
    backend = _backend()
    published = course.status == CourseStatus.PUBLISHED
    document = course_document(course) if published else {}
    with connection.cursor() as cursor:
        cursor.execute(backend.delete, [course.pk])
        if published:
            cursor.execute(backend.insert, [course.pk, *(document[name] for name in FIELDS)])
    return published


def course_search_clear() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM courses_search")


# --- Query ---------------------------------------------------------------------------------------


def course_search(*, query: str, limit: int = 20, offset: int = 0) -> tuple[list[int], int]:
    """Ids of published courses matching ``query``, best first, and how many match in all."""
    groups = _query_groups(query or "")
    if not groups or limit <= 0:
        return [], 0
    backend = _backend()
    match = _match_expression(groups, backend)
    with connection.cursor() as cursor:
        cursor.execute(backend.search, [match, CourseStatus.PUBLISHED.value, limit, max(offset, 0)])
        ids = [row[0] for row in cursor.fetchall()]
        if offset <= 0 and len(ids) < limit:
            return ids, len(ids)
        cursor.execute(backend.count, [match, CourseStatus.PUBLISHED.value])
        total = cursor.fetchone()[0]
    return ids, total
