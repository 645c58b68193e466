from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lyceum.commerce.services.memberships import membership_expire_due


class Command(BaseCommand):
    help = "Expire memberships whose period has ended and remove the access they gave (run hourly)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = membership_expire_due()
        self.stdout.write(f"{count} membership(s) expired")
