"""Compile locale/*/LC_MESSAGES/*.po to .mo with polib: no system gettext needed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile the project's .po catalogs to .mo (pure Python, works without GNU gettext)."

    def handle(self, *args: Any, **options: Any) -> None:
        compiled = 0
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                try:
                    catalog = polib.pofile(str(po_path))
                except (OSError, ValueError) as exc:
                    raise CommandError(f"{po_path}: {exc}") from exc
                catalog.save_as_mofile(str(mo_path))
                compiled += 1
                self.stdout.write(
                    f"compiled {po_path.relative_to(settings.BASE_DIR)} ({catalog.percent_translated()}% translated)"
                )
        if not compiled:
            self.stdout.write("translations up to date")
