"""Full-text search over community threads (title, tags, body and replies), English and Chinese.

The text pipeline is the course search's (``lyceum.courses.search``): NFKC + accent folding,
lower case, Chinese runs segmented by jieba, user queries reduced to quoted letter/digit
tokens. Storage comes from migration ``0002_search``: an FTS5 table on SQLite, a ``tsvector``
with a GIN index on PostgreSQL; ``_backend()`` is the only code that knows which.

Results are always filtered in SQL to live (not deleted) threads of the spaces the caller
passes, so a search never reveals a thread in a space its reader cannot open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection

from lyceum.courses.search import _match_expression, _query_groups, tokenize

from .models import Thread

FIELDS = ("title", "tags", "body", "replies")
REPLIES_INDEXED = 300  # the first replies of a very long thread are enough to find it
_MARKDOWN_URL = re.compile(r"\]\([^)]*\)|https?://\S+")


@dataclass(frozen=True)
class _Backend:
    delete: str
    insert: str
    search: str  # format with {spaces}; run with (match, *space_ids, limit, offset)
    count: str
    quote: str
    and_: str
    or_: str


_SQLITE = _Backend(
    delete="DELETE FROM community_search WHERE rowid = %s",
    insert="INSERT INTO community_search (rowid, title, tags, body, replies) VALUES (%s, %s, %s, %s, %s)",
    search=(
        "SELECT t.id FROM community_search s JOIN community_thread t ON t.id = s.rowid"
        " WHERE community_search MATCH %s AND t.deleted_at IS NULL{spaces}"
        " ORDER BY bm25(community_search, 10.0, 5.0, 2.0, 1.0), t.last_activity_at DESC, t.id DESC"
        " LIMIT %s OFFSET %s"
    ),
    count=(
        "SELECT count(*) FROM community_search s JOIN community_thread t ON t.id = s.rowid"
        " WHERE community_search MATCH %s AND t.deleted_at IS NULL{spaces}"
    ),
    quote='"',
    and_=" AND ",
    or_=" OR ",
)

_POSTGRES = _Backend(
    delete="DELETE FROM community_search WHERE thread_id = %s",
    insert=(
        "INSERT INTO community_search (thread_id, document) VALUES (%s,"
        " setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B')"
        " || setweight(to_tsvector('simple', %s), 'C') || setweight(to_tsvector('simple', %s), 'D'))"
    ),
    search=(
        "SELECT t.id FROM community_search s CROSS JOIN to_tsquery('simple', %s) AS q"
        " JOIN community_thread t ON t.id = s.thread_id"
        " WHERE s.document @@ q AND t.deleted_at IS NULL{spaces}"
        " ORDER BY ts_rank_cd(s.document, q) DESC, t.last_activity_at DESC, t.id DESC"
        " LIMIT %s OFFSET %s"
    ),
    count=(
        "SELECT count(*) FROM community_search s JOIN community_thread t ON t.id = s.thread_id"
        " WHERE s.document @@ to_tsquery('simple', %s) AND t.deleted_at IS NULL{spaces}"
    ),
    quote="'",
    and_=" & ",
    or_=" | ",
)


def _backend() -> _Backend:
    backends = {"sqlite": _SQLITE, "postgresql": _POSTGRES}
    if connection.vendor not in backends:
        raise NotImplementedError(f"community search supports SQLite and PostgreSQL, not {connection.vendor}")
    return backends[connection.vendor]


def _tokens(text: str) -> str:
    return " ".join(tokenize(_MARKDOWN_URL.sub(" ", text or "")))


def thread_document(thread: Thread) -> dict[str, str]:
    replies = thread.replies.filter(deleted_at__isnull=True, hidden_at__isnull=True).order_by("created_at", "id")
    reply_text = "\n".join(replies.values_list("body", flat=True)[:REPLIES_INDEXED])
    tags = " ".join(f"{t.name} {t.slug}" for t in thread.tags.all())
    return {
        "title": _tokens(thread.title),
        "tags": _tokens(tags),
        "body": _tokens(thread.body),
        "replies": _tokens(reply_text),
    }


def thread_search_index(thread: Thread) -> bool:
    """Put a live thread into the index (or take a deleted or hidden one out). True if indexed."""
    backend = _backend()
    live = thread.deleted_at is None and thread.hidden_at is None
    document = thread_document(thread) if live else {}
    with connection.cursor() as cursor:
        cursor.execute(backend.delete, [thread.pk])
        if live:
            cursor.execute(backend.insert, [thread.pk, *(document[name] for name in FIELDS)])
    return live


def thread_search_clear() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM community_search")


def thread_search_reindex_all() -> int:
    """Rebuild the whole index (for a ``reindex_community`` command); returns how many are indexed."""
    thread_search_clear()
    indexed = 0
    for thread in (
        Thread.objects.filter(deleted_at__isnull=True, hidden_at__isnull=True)
        .prefetch_related("tags")
        .iterator(chunk_size=200)
    ):
        indexed += thread_search_index(thread)
    return indexed


def thread_search(
    *, query: str, space_ids: list[int] | None, limit: int = 20, offset: int = 0
) -> tuple[list[int], int]:
    """Ids of live threads matching ``query`` in ``space_ids`` (None: every space), best first."""
    groups = _query_groups(query or "")
    if not groups or limit <= 0 or space_ids == []:
        return [], 0
    backend = _backend()
    match = _match_expression(groups, backend)  # type: ignore[arg-type]
    spaces_sql, space_params = "", []
    if space_ids is not None:
        spaces_sql = " AND t.space_id IN (" + ", ".join(["%s"] * len(space_ids)) + ")"
        space_params = [int(pk) for pk in space_ids]
    with connection.cursor() as cursor:
        cursor.execute(backend.search.format(spaces=spaces_sql), [match, *space_params, limit, max(offset, 0)])
        ids = [row[0] for row in cursor.fetchall()]
        if offset <= 0 and len(ids) < limit:
            return ids, len(ids)
        cursor.execute(backend.count.format(spaces=spaces_sql), [match, *space_params])
        total = cursor.fetchone()[0]
    return ids, total
