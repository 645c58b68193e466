"""``manage.py pages_invalidate``: retire every cached public page and ETag (run after a deploy
that changes templates; content changes invalidate by themselves through events)."""

from typing import Any

from django.core.management.base import BaseCommand

from lyceum.core.cache_pages import pages_invalidate


class Command(BaseCommand):
    help = "Retire every cached anonymous page and ETag (after a deploy that changes templates)."

    def handle(self, *args: Any, **options: Any) -> None:
        pages_invalidate()
        self.stdout.write("cached pages retired")
