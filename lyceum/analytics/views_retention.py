"""Churn risk for operators (at-risk learners, what the model learned), retention campaigns, and the
learner's own view of a campaign message (``/me/messages/<pk>/``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lyceum.accounts.decorators import role_required
from lyceum.core.dbrouter import replica_reads
from lyceum.core.errors import ValidationFailed
from lyceum.core.forms import form_add_application_error
from lyceum.core.markdown import render_markdown

from . import campaigns
from .churn.model import latest_model
from .churn.reasons import FEATURE_LABELS, reasons_text
from .forms_retention import AtRiskFilterForm, CampaignForm, SelectionForm
from .models import CampaignGroup, ChurnModel, ChurnScore, RetentionCampaign

PAGE_SIZE = 50
CAMPAIGNS_PAGE_SIZE = 25


def _percent(value: float | None, decimals: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value * 100:.{decimals}f}%"


def _model_summary(model: ChurnModel | None) -> dict[str, Any] | None:
    if model is None:
        return None
    m = model.metrics or {}
    base, top = m.get("base_rate"), m.get("precision_top_decile")
    return {
        "model": model,
        "auc": f"{m['auc']:.2f}" if isinstance(m.get("auc"), int | float) else "—",
        "precision": _percent(top),
        "base_rate": _percent(base),
        "lift": f"{top / base:.1f}" if isinstance(top, int | float) and isinstance(base, int | float) and base else "",
        "metrics": m,
    }


@dataclass(frozen=True)
class AtRiskRow:
    score: ChurnScore
    risk: str
    reasons: list[str]
    last_active: date | None
    active_days: Any
    study_minutes: Any


def _row(score: ChurnScore) -> AtRiskRow:
    features = score.features if isinstance(score.features, dict) else {}
    since = features.get("days_since_active")
    last_active = score.day - timedelta(days=int(since)) if isinstance(since, int | float) else None
    return AtRiskRow(
        score=score,
        risk=_percent(score.probability),
        reasons=reasons_text(score.reasons)[:3],
        last_active=last_active,
        active_days=features.get("active_days_14"),
        study_minutes=features.get("study_minutes_14"),
    )


# --- at-risk learners -------------------------------------------------------------------------------


@role_required("operator")
@replica_reads()  # the churn list: the replica when configured (lag is acceptable here)
def at_risk(request: HttpRequest) -> HttpResponse:
    model = latest_model()
    form = AtRiskFilterForm(request.GET if request.GET else None)
    filters = form.filters()
    context: dict[str, Any] = {"form": form, "summary": _model_summary(model), "filters": filters}
    if model is not None:
        page = Paginator(campaigns.at_risk_list(model=model, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
        context |= {"page": page, "rows": [_row(s) for s in page.object_list], "max_learners": campaigns.MAX_LEARNERS}
    return render(request, "analytics/retention/at_risk.html", context, status=400 if form.errors else 200)


@dataclass(frozen=True)
class CoefficientRow:
    key: str
    label: str
    coefficient: float
    odds: str
    raises: bool
    neutral: bool  # no weight at all (e.g. a feature nobody has a value for yet)
    x: float  # the bar in a 0..200 wide SVG whose zero line is at 100
    width: float


def _coefficients(model: ChurnModel) -> list[CoefficientRow]:
    pairs = [
        (key, float(coef))
        for key, coef in zip(model.features or [], model.coefficients or [], strict=False)
        if isinstance(coef, int | float) and math.isfinite(coef)
    ]
    biggest = max((abs(c) for _k, c in pairs), default=0.0) or 1.0
    rows = []
    for key, coef in sorted(pairs, key=lambda p: (-abs(p[1]), p[0])):
        width = round(abs(coef) / biggest * 98, 1)
        rows.append(
            CoefficientRow(
                key=key, label=str(FEATURE_LABELS.get(key, key)), coefficient=round(coef, 3),
                odds=f"×{math.exp(coef):.2f}", raises=coef > 0, neutral=abs(coef) < 0.0005,
                x=100 if coef > 0 else 100 - width, width=width,
            )
        )  # fmt: skip
    return rows


@role_required("operator")
@replica_reads()
def model_report(request: HttpRequest) -> HttpResponse:
    model = latest_model()
    context: dict[str, Any] = {"summary": _model_summary(model)}
    if model is not None:
        context["coefficients"] = _coefficients(model)
    return render(request, "analytics/retention/model_report.html", context)


# --- campaigns ------------------------------------------------------------------------------------


@role_required("operator")
def campaign_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(campaigns.campaign_list(), CAMPAIGNS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "analytics/retention/campaign_list.html", {"page": page})


def _selection(model: ChurnModel, form: SelectionForm) -> tuple[list[int], dict[str, Any]]:
    """The selected learner ids and the criteria to record with the campaign."""
    filters = form.filters()
    data = getattr(form, "cleaned_data", {})
    criteria: dict[str, Any] = {"model": model.pk, **{k: v for k, v in filters.items() if v not in (None, "")}}
    if data.get("all_matching"):
        ids = list(
            campaigns.at_risk_list(model=model, **filters).values_list("user_id", flat=True)[
                : campaigns.MAX_LEARNERS + 1
            ]
        )
        criteria["selection"] = "all_matching"
    else:
        ids = data.get("user") or []
        criteria["selection"] = "picked"
    return ids, criteria


def _preview(ids: list[int], holdout: Any) -> dict[str, Any]:
    """How many learners the campaign reaches and the expected size of the hold-out group."""
    try:
        share = min(max(int(holdout), 0), campaigns.HOLDOUT_MAX)
    except (TypeError, ValueError):
        share = CampaignForm.base_fields["holdout_percent"].initial
    reach = min(len(ids), campaigns.MAX_LEARNERS)
    expected = round(reach * share / 100)
    return {
        "selected": len(ids),
        "too_many": len(ids) > campaigns.MAX_LEARNERS,
        "holdout": share,
        "expected_holdout": expected,
        "contacted": reach - expected,
    }


@require_http_methods(["GET", "POST"])
@role_required("operator")
def campaign_new(request: HttpRequest) -> HttpResponse:
    """From the at-risk list's selection (ticked ids or "all matching" + the filter) to a sent campaign.

    The selection travels in hidden fields; "preview" re-renders with the values entered (no
    errors yet), "send" validates and calls ``campaign_send``."""
    model = latest_model()
    if model is None:  # nothing to select from: the page explains how to train the model
        return render(request, "analytics/retention/campaign_new.html", {"summary": None})
    selection = SelectionForm(request.POST if request.method == "POST" else request.GET)
    ids, criteria = _selection(model, selection)
    sending = request.method == "POST" and "send" in request.POST
    if sending:
        form = CampaignForm(request.POST)
    else:  # from the list, or "update the preview": the values entered so far, not yet judged
        form = CampaignForm(initial=request.POST.dict() if "preview" in request.POST else None)
    if sending and form.is_valid() and not selection.errors:
        try:
            campaign = campaigns.campaign_send(
                actor=request.user, user_ids=ids, criteria=criteria, **form.service_kwargs()
            )
        except ValidationFailed as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("The campaign was sent."))
            return redirect("analytics:campaign", pk=campaign.pk)
    holdout = request.POST.get("holdout_percent") if request.method == "POST" else None
    context = {
        "summary": _model_summary(model),
        "form": form,
        "selection": selection,
        "criteria": criteria,
        "ids": ids if criteria.get("selection") != "all_matching" else [],
        "reason_label": FEATURE_LABELS.get(criteria.get("reason", ""), ""),
        "max_learners": campaigns.MAX_LEARNERS,
        **_preview(ids, holdout),
    }
    status = 400 if form.errors or selection.errors else 200
    return render(request, "analytics/retention/campaign_new.html", context, status=status)


def _diff_text(diff: campaigns.Difference) -> str:
    if diff.points is None:
        return "—"
    return f"{diff.points:+.1f}"


@role_required("operator")
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(RetentionCampaign.objects.select_related("created_by", "churn_model"), pk=pk)
    results = campaigns.campaign_results(campaign)
    page = Paginator(campaigns.campaign_members(campaign), PAGE_SIZE).get_page(request.GET.get("page"))
    groups = [
        {"result": r, "came_back": _percent(r.came_back_rate, 1), "bought": _percent(r.bought_rate, 1)}
        for r in (results.treatment, results.holdout)
    ]
    differences = [
        {"label": _("Came back"), "diff": results.came_back, "points": _diff_text(results.came_back)},
        {"label": _("Bought"), "diff": results.bought, "points": _diff_text(results.bought)},
    ]
    criteria = campaign.criteria or {}
    context = {
        "campaign": campaign,
        "results": results,
        "groups": groups,
        "differences": differences,
        "page": page,
        "members": [
            {"member": m, "risk": _percent(m.probability), "reasons": reasons_text(m.reasons)[:1]}
            for m in page.object_list
        ],
        "criteria": criteria,
        "reason_label": FEATURE_LABELS.get(criteria.get("reason", ""), ""),
        "body": render_markdown(campaign.message_body),
        "min_group": campaigns.MIN_GROUP_SIZE,
        "TREATMENT": CampaignGroup.TREATMENT,
    }
    return render(request, "analytics/retention/campaign_detail.html", context)


# --- the learner's message ---------------------------------------------------------------------------


@login_required
def offer(request: HttpRequest, pk: int) -> HttpResponse:
    member = campaigns.offer_for_user(user=request.user, campaign_id=pk)
    if member is None:
        raise Http404
    coupon = member.coupon
    now = timezone.now()
    context = {
        "campaign": member.campaign,
        "member": member,
        "coupon": coupon,
        "body": render_markdown(member.campaign.message_body),
        "expired": bool(coupon and coupon.ends_at and coupon.ends_at <= now),
        "used": bool(coupon and coupon.redemption_count >= (coupon.max_redemptions or 1)),
    }
    return render(request, "analytics/retention/offer.html", context)
