from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lyceum.core.errors import ValidationFailed
from lyceum.moderation.detection.classifier import train


class Command(BaseCommand):
    help = (
        "Train the spam/ad text classifier on the shipped seed set plus moderators' decisions "
        "(resolved queue cases: hidden or deleted spam, approved posts), print precision, recall and "
        "F1 on a stratified held-out 25 %, and store the model as the active one (the five newest older "
        "ones are kept, inactive). Every process scores with it from its next post on."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=0, help="random seed of the held-out split (default 0)")
        parser.add_argument(
            "--shuffle-labels", action="store_true",
            help="sanity check: evaluate on randomly permuted labels (F1 should drop to chance); stores nothing",
        )  # fmt: skip
        parser.add_argument(
            "--seed-set-only",
            action="store_true",
            help="train on the shipped seed set only, ignoring moderators' decisions",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        began = time.perf_counter()
        try:
            result = train(
                seed=options["seed"], shuffle_labels=options["shuffle_labels"], use_cases=not options["seed_set_only"]
            )
        except ValidationFailed as exc:
            raise CommandError(str(exc.message)) from exc
        m = result.metrics
        self.stdout.write(
            f"held-out: precision {m['precision']:.3f}, recall {m['recall']:.3f}, F1 {m['f1']:.3f} "
            f"(test {m['n_test']} posts, {m['spam_test']} spam; train {m['n_train']}, {m['spam_train']} spam); "
            f"examples: {m['seed_examples']} seed + {m['case_examples']} from moderators' decisions"
            + (" [shuffled labels]" if m["shuffled"] else "")
        )
        if result.model is not None:
            seconds = time.perf_counter() - began
            self.stdout.write(f"spam model {result.model.pk} is active ({seconds:.1f} s)")
        else:
            self.stdout.write("nothing stored")
