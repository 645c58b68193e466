from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lyceum.commerce.services.orders import order_expire_stale


class Command(BaseCommand):
    help = "Mark pending orders past their expiry time as expired (run every few minutes)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = order_expire_stale()
        self.stdout.write(f"{count} order(s) expired")
