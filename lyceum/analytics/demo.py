"""Demo analytics: fold every demo event into the rollups. Runs last (analytics is the last app
with a demo), so the dashboards open on the whole demo history."""

from __future__ import annotations

from typing import Any


def seed(ctx: Any) -> None:
    from .rollup import rollup_run

    result = rollup_run(full=True)
    ctx.stdout.write(f"analytics: {result.events} events rolled up over {result.days} days")
