"""Full-text search storage for community threads (see lyceum/community/search.py), and the
global space every fresh install starts with.

Same pattern as ``courses.0002_search``: SQLite gets an FTS5 virtual table, PostgreSQL a
table with a ``tsvector`` column and a GIN index; both hold text already segmented by jieba.
``community_search.thread_id`` has no foreign key on purpose (Django's ``flush`` truncates
only its own tables); searches join ``community_thread`` and drop deleted threads.
"""

from django.db import migrations

SQLITE_CREATE = [
    """
    CREATE VIRTUAL TABLE IF NOT EXISTS community_search USING fts5(
        title, tags, body, replies,
        tokenize = 'unicode61 remove_diacritics 2'
    )
    """,
]
SQLITE_DROP = ["DROP TABLE IF EXISTS community_search"]

POSTGRES_CREATE = [
    """
    CREATE TABLE IF NOT EXISTS community_search (
        thread_id bigint PRIMARY KEY,
        document tsvector NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS community_search_document ON community_search USING gin (document)",
]
POSTGRES_DROP = ["DROP TABLE IF EXISTS community_search"]

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


def create_global_space(apps, schema_editor):
    Space = apps.get_model("community", "Space")
    Space.objects.get_or_create(
        slug="general",
        defaults={
            "name": "Community",
            "description": "Questions, ideas and introductions for everyone on Lyceum. 欢迎来到社区！",
            "rules": "Be kind, stay on topic, no spam or advertising. Share code in fenced blocks.",
            "kind": "global",
            "post_policy": "members",
            "position": 0,
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_search_storage, drop_search_storage),
        migrations.RunPython(create_global_space, migrations.RunPython.noop),
    ]
