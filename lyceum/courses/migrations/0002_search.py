"""Full-text search storage for published courses (see lyceum/courses/search.py).

Not a Django model: SQLite gets an FTS5 virtual table, PostgreSQL a table with a
``tsvector`` column and a GIN index. Both hold text already segmented by jieba and
lower-cased, so the database only splits on spaces.

``courses_search.course_id`` has no foreign key on purpose: Django's ``flush`` (used
between transactional tests) truncates only its own tables, and PostgreSQL refuses to
truncate a table another one references. Searches join ``courses_course`` and keep
published courses only, so an entry left behind by a deleted course is never returned;
``manage.py reindex_courses`` drops such entries.
"""

from django.db import migrations

SQLITE_CREATE = [
    """
    CREATE VIRTUAL TABLE IF NOT EXISTS courses_search USING fts5(
        title, subtitle, objectives, description, lessons,
        tokenize = 'unicode61 remove_diacritics 2'
    )
    """,
]
SQLITE_DROP = ["DROP TABLE IF EXISTS courses_search"]

POSTGRES_CREATE = [
    """
    CREATE TABLE IF NOT EXISTS courses_search (
        course_id bigint PRIMARY KEY,
        document tsvector NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS courses_search_document ON courses_search USING gin (document)",
]
POSTGRES_DROP = ["DROP TABLE IF EXISTS courses_search"]


STATEMENTS = {
    "create": {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE},
    "drop": {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP},
}


def create_search_storage(apps, schema_editor):
    for sql in STATEMENTS["create"].get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def drop_search_storage(apps, schema_editor):
    for sql in STATEMENTS["drop"].get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_search_storage, drop_search_storage),
    ]
