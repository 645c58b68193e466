"""``manage.py reindex_courses``: rebuild the course search index from scratch."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lyceum.courses.services import course_search_reindex_all


class Command(BaseCommand):
    help = "Rebuild the full-text search index of published courses."

    def handle(self, *args: Any, **options: Any) -> None:
        indexed = course_search_reindex_all()
        self.stdout.write(self.style.SUCCESS(f"{indexed} published courses indexed for search."))
