"""``manage.py seed_demo``: a deterministic demo community.

Each app that contributes demo data has a ``demo.py`` with ``seed(ctx)``; they run in
INSTALLED_APPS order, so later apps (courses, commerce, community...) build on the
users created by accounts. Running the command twice changes nothing.
"""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.test.utils import override_settings
from django.utils import timezone


@dataclass
class DemoContext:
    users: int
    rng: random.Random
    now: Any
    stdout: Any
    style: Any
    data: dict[str, Any] = field(default_factory=dict)

    def progress(self, iterable: Any, desc: str, total: int | None = None) -> Any:
        from tqdm import tqdm

        return tqdm(iterable, desc=desc, total=total, unit="", leave=True, ncols=80, file=self.stdout._out)


class Command(BaseCommand):
    help = "Create (or complete) the deterministic demo community. Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, default=200, help="number of demo learners (default 200)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["users"] < 0:
            self.stderr.write("--users must be 0 or more")
            raise SystemExit(2)
        ctx = DemoContext(
            users=options["users"],
            rng=random.Random(options["seed"]),
            now=timezone.now(),
            stdout=self.stdout,
            style=self.style,
        )
        # Demo members have example.com addresses: the mails their notifications trigger go
        # nowhere (the development console backend would print hundreds of them over the output).
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            for app_config in apps.get_app_configs():
                if not app_config.name.startswith("lyceum."):
                    continue
                try:
                    module = importlib.import_module(f"{app_config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app_config.name}.demo":
                        raise
                    continue
                module.seed(ctx)
        self.stdout.write(self.style.SUCCESS("Demo community ready."))
        for line in ctx.data.get("sign_ins", []):
            self.stdout.write(line)
