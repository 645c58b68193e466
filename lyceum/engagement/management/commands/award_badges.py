"""Award the monthly badge: the previous calendar month's top contributor."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lyceum.engagement.services import top_contributor_award


class Command(BaseCommand):
    help = (
        "Give the “Top contributor of the month” badge to whoever earned the most points from community "
        "actions in the previous calendar month (platform time zone). Safe to run often: once per month."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        award = top_contributor_award()
        if award is None:
            self.stdout.write("top contributor: nothing to award")
        else:
            self.stdout.write(f"top contributor {award.period}: user {award.user_id}")
