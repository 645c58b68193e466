"""Announce due event reminders (24 h and 1 h before the start)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lyceum.community.services.events import event_reminders_send


class Command(BaseCommand):
    help = (
        "Emit event.reminder_due for registrations whose event starts within 24 hours or within 1 hour "
        "and that have not had that reminder yet (notifications turns them into messages). Safe to run "
        "often and concurrently: each reminder is sent once. In production cron or Celery beat runs it "
        "every few minutes (e.g. */5 * * * * manage.py send_event_reminders)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = event_reminders_send()
        self.stdout.write(f"event reminders sent: 24h: {sent['24h']}, 1h: {sent['1h']}")
