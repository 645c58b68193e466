from __future__ import annotations

import os
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


class Command(BaseCommand):
    help = (
        "Offline evaluation (leave-last-out): HR@k, NDCG@k, coverage and cold-start HR@k of the hybrid, "
        "each component alone and the popularity baseline, on our data or on a CSV file "
        "user_id,item_id,timestamp[,weight]."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--csv", help="interactions file: user_id,item_id,timestamp[,weight] (header optional)")
        parser.add_argument("--k", type=int, default=10, help="list length (default 10)")
        parser.add_argument("--cold-k", type=int, default=1, help="cold start: at most this many training interactions")

    def handle(self, *args: Any, **options: Any) -> None:
        from lyceum.recommendations.engine import evaluation
        from lyceum.recommendations.engine.data import CsvError, load_csv

        k, cold_k = options["k"], options["cold_k"]
        if not 1 <= k <= 100:
            raise CommandError("--k must be between 1 and 100")
        if not 0 <= cold_k <= 100:
            raise CommandError("--cold-k must be between 0 and 100")
        began = time.perf_counter()
        if options["csv"]:
            try:
                data = load_csv(options["csv"])
            except CsvError as exc:
                raise CommandError(f"{options['csv']}:\n{exc}") from None
            # no catalogue: content and topic components have nothing to read (n/a)
            report = evaluation.evaluate(data, k=k, cold_k=cold_k)
        else:
            report = evaluation.evaluate_database(k=k, cold_k=cold_k)
        self.stdout.write(evaluation.format_table(report))
        self.stdout.write(f"total {time.perf_counter() - began:.1f} s")
