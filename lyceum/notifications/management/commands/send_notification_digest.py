from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lyceum.notifications.services import digest_send


class Command(BaseCommand):
    help = (
        "Send the daily notification digest to members who chose it (at most one per member and UTC day), "
        "and catch-up e-mails for notifications whose immediate e-mail did not go out. Run it daily in "
        "production from cron or Celery beat (task lyceum.notifications.tasks.digest_send_task); "
        "running it again the same day sends nothing new to digest members."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = digest_send()
        self.stdout.write(f"{count} digest e-mail(s) sent")
