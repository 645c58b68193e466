from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lyceum.analytics.churn.model import train
from lyceum.core.errors import ValidationFailed


class Command(BaseCommand):
    help = (
        "Train the churn-risk model on the platform's history (time-based split), print its held-out "
        "ROC-AUC and precision at the top decile, and score today's active learners."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=date.fromisoformat, help="last day of history to use (default: yesterday)")
        parser.add_argument(
            "--shuffle-labels", action="store_true",
            help="sanity check: evaluate on randomly permuted labels (AUC should be near 0.5); stores nothing",
        )  # fmt: skip
        parser.add_argument("--seed", type=int, default=0, help="random seed of --shuffle-labels")
        parser.add_argument("--step-days", type=int, default=7, help="days between training snapshots (default 7)")

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["step_days"] <= 30:
            raise CommandError("--step-days must be between 1 and 30")
        began = time.perf_counter()
        try:
            result = train(
                as_of=options["as_of"], shuffle_labels=options["shuffle_labels"], seed=options["seed"],
                step_days=options["step_days"],
            )  # fmt: skip
        except ValidationFailed as exc:
            raise CommandError(str(exc.message)) from exc
        m = result.metrics
        seconds = time.perf_counter() - began
        self.stdout.write(
            f"held-out {m['test_from']}..{m['test_to']}: ROC-AUC {m['auc']:.3f}, "
            f"precision at top decile {m['precision_top_decile']:.3f} (base rate {m['base_rate']:.3f}); "
            f"train {m['n_train']} learner-snapshots ({m['positives_train']} churned) "
            f"{m['train_from']}..{m['train_to']}, test {m['n_test']} ({m['positives_test']} churned)"
            + (" [shuffled labels]" if m["shuffled"] else "")
        )
        if result.model is not None:
            self.stdout.write(f"model {result.model.pk}: {result.model.scored} learner(s) scored in {seconds:.1f} s")
