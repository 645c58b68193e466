from django.core.management.base import BaseCommand

from lyceum.accounts.services import roles_sync_permissions


class Command(BaseCommand):
    help = "Give each role group the model permissions it needs (idempotent; run after migrate)."

    def handle(self, *args: object, **options: object) -> None:
        counts = roles_sync_permissions()
        for role, n in counts.items():
            self.stdout.write(f"{role}: {n} permissions")
