"""Learning-path pages: curated paths and the "plan a path" form, a curated path, my path,
the curated-path studio (operators, instructors) and the prerequisite-cycle report (operators)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lyceum.accounts.decorators import role_required
from lyceum.accounts.models import Role
from lyceum.core.errors import ApplicationError, NotFound
from lyceum.core.forms import form_add_application_error

from . import services_paths
from .forms_paths import CURATED_SLOTS, BudgetForm, CuratedPathForm, GoalForm, StartForm
from .models import CuratedPath

T = "recommendations/paths/"


def _start(request: HttpRequest, form: GoalForm | StartForm, goal: str) -> bool:
    try:
        services_paths.path_start(user=request.user, goal=goal, weekly_minutes=form.cleaned_data.get("weekly_minutes"))
    except ApplicationError as exc:
        form_add_application_error(form, exc)
        return False
    messages.success(request, _("Your learning path is planned."))
    return True


def path_list(request: HttpRequest) -> HttpResponse:
    form = GoalForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if form.is_valid() and _start(request, form, form.cleaned_data["goal"]):
            return redirect("recommendations:path")
    status = 422 if request.method == "POST" else 200
    context = {
        "curated": services_paths.curated_paths_with_steps(),
        "form": form,
        "active": services_paths.path_active(user=request.user),
    }
    return render(request, T + "path_list.html", context, status=status)


def curated_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        path = services_paths.curated_path_get(slug=slug, user=request.user)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    form = StartForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if form.is_valid() and _start(request, form, f"curated:{path.slug}"):
            return redirect("recommendations:path")
    preview = None
    if request.user.is_authenticated:
        try:
            preview = services_paths.plan_for(user=request.user, goal=f"curated:{path.slug}")
        except ApplicationError:
            preview = None
    steps = list(path.steps.select_related("course").order_by("position"))
    active = services_paths.path_active(user=request.user)
    following = active is not None and active.goal == f"curated:{path.slug}"
    status = 422 if request.method == "POST" else 200
    context = {"path": path, "steps": steps, "form": form, "preview": preview, "following": following}
    return render(request, T + "curated_detail.html", context, status=status)


@login_required
def my_path(request: HttpRequest) -> HttpResponse:
    path = services_paths.path_active(user=request.user)
    budget = BudgetForm(initial={"weekly_minutes": path.weekly_minutes if path else None})
    status = 200
    if request.method == "POST":
        if path is None:
            raise Http404
        if request.POST.get("action") == "stop":
            services_paths.path_stop(user=request.user, path=path)
            messages.success(request, _("Your learning path is stopped."))
            return redirect("recommendations:path-list")
        budget = BudgetForm(request.POST)
        if budget.is_valid():
            try:
                services_paths.path_replan(path=path, weekly_minutes=budget.cleaned_data["weekly_minutes"])
            except ApplicationError as exc:
                form_add_application_error(budget, exc)
            else:
                messages.success(request, _("Your schedule is planned again."))
                return redirect("recommendations:path")
        status = 422
    progress = services_paths.path_progress(path=path) if path else None
    return render(request, T + "my_path.html", {"progress": progress, "budget": budget}, status=status)


@role_required(Role.OPERATOR, Role.INSTRUCTOR)
def curated_manage(request: HttpRequest) -> HttpResponse:
    editing: CuratedPath | None = None
    edit_id = request.POST.get("path") or request.GET.get("edit")
    if edit_id:
        editing = CuratedPath.objects.filter(pk=edit_id if str(edit_id).isdigit() else 0).first()
        if editing is None or not services_paths.curated_can_manage(user=request.user, path=editing):
            raise Http404
    initial = {}
    slots = CURATED_SLOTS
    if editing is not None:
        ids = list(editing.steps.order_by("position").values_list("course_id", flat=True))
        slots = max(CURATED_SLOTS, len(ids) + 2)
        initial = {"title": editing.title, "description": editing.description, "is_published": editing.is_published}
        initial.update({f"step_{i}": cid for i, cid in enumerate(ids, start=1)})
    form = CuratedPathForm(
        request.POST if request.method == "POST" else None, initial=initial, slots=slots, editing=editing is not None
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services_paths.curated_path_save(
                    actor=request.user, path=editing, title=form.cleaned_data["title"],
                    slug=form.cleaned_data.get("slug") or "", description=form.cleaned_data["description"],
                    is_published=form.cleaned_data["is_published"], course_ids=form.course_ids(),
                )  # fmt: skip
            except ApplicationError as exc:
                if exc.field == "courses":
                    form.add_error("step_1", exc.message)
                else:
                    form_add_application_error(form, exc)
            else:
                messages.success(request, _("The path “%(title)s” is saved.") % {"title": saved.title})
                return redirect("recommendations:curated-manage")
        status = 422
    paths_ = services_paths.curated_paths_with_steps(published_only=False, user=request.user)
    context = {"paths": paths_, "form": form, "editing": editing}
    return render(request, T + "curated_manage.html", context, status=status)


@role_required(Role.OPERATOR)
def prerequisite_cycles(request: HttpRequest) -> HttpResponse:
    return render(request, T + "cycles.html", {"cycles": services_paths.prerequisite_cycles()})
