"""Demo analytics: fold every demo event into the rollups, then train the churn-risk model on
them. Runs last (analytics is the last app with a demo), so the dashboards and the at-risk list
open on the whole demo history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from lyceum.core.errors import ValidationFailed


def seed(ctx: Any) -> None:
    from .churn.model import train
    from .models import ChurnModel
    from .rollup import platform_tz, rollup_run

    result = rollup_run(full=True)
    ctx.stdout.write(f"analytics: {result.events} events rolled up over {result.days} days")
    latest = ChurnModel.objects.order_by("-trained_at", "-id").first()
    if latest is not None and latest.as_of >= ctx.now.astimezone(platform_tz()).date() - timedelta(days=1):
        ctx.stdout.write(f"analytics: churn model {latest.pk} is current (ROC-AUC {latest.metrics.get('auc')})")
        return  # a rerun the same day changes nothing
    try:
        trained = train()
    except ValidationFailed as exc:  # a tiny demo (--users 5) has too little history: say so, go on
        ctx.stdout.write(f"analytics: churn model not trained ({exc.message})")
        return
    m = trained.metrics
    scored = trained.model.scored if trained.model else 0
    ctx.stdout.write(
        f"analytics: churn model held-out ROC-AUC {m['auc']:.3f}, precision at top decile "
        f"{m['precision_top_decile']:.3f} (base rate {m['base_rate']:.3f}); {scored} learners scored"
    )
