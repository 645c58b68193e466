"""Points page (check-in, ledger, badges, streak heat-map), rewards, leaderboards, and the
operator's rewards. Thin: parse → selector/service → render/redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lyceum.accounts.decorators import role_required
from lyceum.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from lyceum.core.forms import form_add_application_error

from . import selectors, services
from .forms import LeaderboardForm, RewardForm
from .models import PointBalance


@login_required
def points_page(request: HttpRequest) -> HttpResponse:
    summary = selectors.points_summary(user=request.user)
    return render(request, "engagement/points.html", {"summary": summary})


@login_required
@require_POST
def checkin(request: HttpRequest) -> HttpResponse:
    _checkin, created = services.daily_checkin(actor=request.user)
    if created:
        messages.success(request, _("Checked in for today. See you tomorrow!"))
    else:
        messages.info(request, _("You have already checked in today."))
    return redirect("engagement:points")


@login_required
def reward_list(request: HttpRequest) -> HttpResponse:
    balance = PointBalance.objects.filter(user=request.user).values_list("balance", flat=True).first() or 0
    return render(
        request,
        "engagement/reward_list.html",
        {
            "rewards": selectors.rewards_for_members(),
            "balance": balance,
            "redemptions": selectors.my_redemptions(user=request.user),
        },
    )


@login_required
@require_POST
def reward_redeem_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        redemption = services.reward_redeem(actor=request.user, reward_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("engagement:rewards")
    code = redemption.coupon.code if redemption.coupon else ""
    messages.success(request, _("Redeemed! Your coupon code: %(code)s") % {"code": code})
    return redirect("engagement:rewards")


@login_required
def leaderboards(request: HttpRequest) -> HttpResponse:
    form = LeaderboardForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "engagement/leaderboards.html", {"form": form, "board": None}, status=422)
    data = form.cleaned_data if form.is_bound else {}
    try:
        board = selectors.leaderboard(
            viewer=request.user, period=data.get("period") or "week", course=data.get("course"),
            group=data.get("group"),
        )  # fmt: skip
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc
    except ValidationFailed as exc:
        form_add_application_error(form, exc)
        return render(request, "engagement/leaderboards.html", {"form": form, "board": None}, status=422)
    scopes = selectors.leaderboard_scopes(viewer=request.user)
    return render(request, "engagement/leaderboards.html", {"form": form, "board": board, "scopes": scopes})


@role_required("operator")
def operator_rewards(request: HttpRequest) -> HttpResponse:
    return render(request, "engagement/operator_rewards.html", {"rewards": selectors.rewards_for_operators()})


@role_required("operator")
@require_http_methods(["GET", "POST"])
def operator_reward_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    reward = None
    if pk is not None:
        try:
            reward = selectors.reward_get_for_operator(actor=request.user, reward_id=pk)
        except NotFound as exc:
            raise Http404(exc.message) from exc
    initial = {}
    if reward is not None:
        initial = {
            f: getattr(reward, f)
            for f in ("title_en", "title_zh", "points_cost", "percent_off", "amount_off", "currency", "valid_days")
        } | {"stock": reward.stock, "is_active": reward.is_active}
    form = RewardForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.reward_save(actor=request.user, reward=reward, **form.cleaned_data)
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("Reward saved."))
            return redirect("engagement:operator-rewards")
    status = 422 if request.method == "POST" else 200
    return render(request, "engagement/operator_reward_form.html", {"form": form, "reward": reward}, status=status)
