"""Study group pages: discover, create, the group page (feed, check-in, goal), join, leave, edit.

All pages need sign-in. Invite-only groups answer 404 to non-members (the invite link
``groups:invite`` is the way in); public groups show their summary to everyone signed in
and their feed to members. Every write goes through ``services.groups``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lyceum.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied, RateLimited
from lyceum.core.forms import form_add_application_error
from lyceum.courses.models import Course

from ..forms_groups import CheckInForm, DiscoverForm, GoalForm, GroupCreateForm, GroupForm, PostForm
from ..models import GroupMembership, StudyGroup
from ..selectors import groups as selectors
from ..services import groups as services


def _get(request: HttpRequest, pk: int) -> tuple[StudyGroup, GroupMembership | None]:
    try:
        return selectors.group_get_for_user(user=request.user, group_id=pk)
    except NotFound as exc:
        raise Http404(_("This group does not exist.")) from exc


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def _refuse(exc: ApplicationError) -> None:
    """Turn a service's refusal into the HTTP answer pages use."""
    if isinstance(exc, NotFound):
        raise Http404(exc.message) from exc
    if isinstance(exc, PermissionDenied):
        raise DjangoPermissionDenied(exc.message) from exc


@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    form = DiscoverForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {
            "q": form.cleaned_data["q"],
            "topic_id": form.cleaned_data["topic"],
            "course_id": form.cleaned_data["course"],
        }
    listing = selectors.group_list_for_discover(user=request.user, page=_page_number(request), **filters)
    return render(
        request,
        "community/groups/group_list.html",
        {
            "form": form,
            "listing": listing,
            "mine": selectors.my_groups(user=request.user),
            "filtered": any(filters.values()),
            "course": Course.objects.filter(pk=filters["course_id"]).only("pk", "title").first()
            if filters.get("course_id")
            else None,
        },
    )


@login_required
def group_new(request: HttpRequest) -> HttpResponse:
    form = GroupCreateForm(request.POST or None, user=request.user, initial={"course": request.GET.get("course")})
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("Your group is ready. Invite people to study with you!"))
            return redirect("groups:detail", pk=group.pk)
    return render(request, "community/groups/group_form.html", {"form": form, "creating": True})


def _render_detail(
    request: HttpRequest,
    pk: int,
    *,
    checkin_form: CheckInForm | None = None,
    post_form: PostForm | None = None,
    status: int = 200,
) -> HttpResponse:
    try:
        page = selectors.group_page(user=request.user, group_id=pk, page=_page_number(request))
    except NotFound as exc:
        raise Http404(_("This group does not exist.")) from exc
    context: dict[str, Any] = {"page": page, "group": page.group}
    if page.is_member:
        context["checkin_form"] = checkin_form or CheckInForm(lessons=page.lessons)
        context["post_form"] = post_form or PostForm()
        context["invite_url"] = request.build_absolute_uri(
            reverse("groups:invite", kwargs={"code": page.group.invite_code})
        )
    return render(request, "community/groups/group_detail.html", context, status=status)


@login_required
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, pk)


@require_POST
@login_required
def group_join(request: HttpRequest, pk: int) -> HttpResponse:
    group, membership = _get(request, pk)
    if membership is None:
        try:
            services.group_join(actor=request.user, group=group)
        except (Conflict, RateLimited) as exc:
            messages.error(request, exc.message)
        except ApplicationError as exc:
            _refuse(exc)
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Welcome to the group! Check in today to start your streak."))
    return redirect("groups:detail", pk=pk)


@login_required
def group_invite(request: HttpRequest, code: str) -> HttpResponse:
    """The invite link: a landing page with a join button; joining needs the code in the URL."""
    try:
        group = selectors.group_get_by_invite(code=code)
    except NotFound as exc:
        raise Http404(_("This invite link is not valid any more.")) from exc
    if GroupMembership.objects.filter(group=group, user=request.user).exists():
        return redirect("groups:detail", pk=group.pk)
    if request.method == "POST":
        try:
            services.group_join(actor=request.user, group=group, invite_code=code)
        except ApplicationError as exc:
            _refuse(exc)
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Welcome to the group! Check in today to start your streak."))
            return redirect("groups:detail", pk=group.pk)
    return render(request, "community/groups/group_invite.html", {"group": group, "code": code})


@require_POST
@login_required
def group_leave(request: HttpRequest, pk: int) -> HttpResponse:
    group, _membership = _get(request, pk)
    try:
        group = services.group_leave(actor=request.user, group=group)
    except ApplicationError as exc:
        _refuse(exc)
        messages.error(request, exc.message)
        return redirect("groups:detail", pk=pk)
    messages.success(request, _("You left %(name)s.") % {"name": group.name})
    return redirect("groups:list")


@require_POST
@login_required
def group_checkin(request: HttpRequest, pk: int) -> HttpResponse:
    group, _membership = _get(request, pk)
    lessons = selectors.group_lessons(group=group)
    form = CheckInForm(request.POST, lessons=lessons)
    if form.is_valid():
        try:
            checkin, created = services.checkin_create(actor=request.user, group=group, **form.cleaned_data)
        except ApplicationError as exc:
            _refuse(exc)
            form_add_application_error(form, exc)
        else:
            if created:
                messages.success(
                    request, _("Checked in: %(n)d minutes today. Keep the streak going!") % {"n": checkin.minutes}
                )
            else:
                messages.success(
                    request, _("Added to today's check-in: %(n)d minutes so far.") % {"n": checkin.minutes}
                )
            return redirect("groups:detail", pk=pk)
    return _render_detail(request, pk, checkin_form=form, status=422)


@require_POST
@login_required
def group_post(request: HttpRequest, pk: int) -> HttpResponse:
    group, _membership = _get(request, pk)
    form = PostForm(request.POST)
    if form.is_valid():
        try:
            services.group_post(actor=request.user, group=group, body=form.cleaned_data["body"])
        except ApplicationError as exc:
            _refuse(exc)
            form_add_application_error(form, exc)
        else:
            return redirect(reverse("groups:detail", kwargs={"pk": pk}) + "#feed")
    return _render_detail(request, pk, post_form=form, status=422)


def _owner_group(request: HttpRequest, pk: int) -> StudyGroup:
    group, _membership = _get(request, pk)
    if group.owner_id != request.user.pk:
        raise DjangoPermissionDenied(_("Only the organiser can do that."))
    return group


@login_required
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = _owner_group(request, pk)
    form = GroupForm(request.POST or None, user=request.user, initial=_details(group))
    if request.method == "POST" and form.is_valid():
        try:
            services.group_update(actor=request.user, group=group, **form.cleaned_data)
        except ApplicationError as exc:
            _refuse(exc)
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("Group details saved."))
            return redirect("groups:edit", pk=pk)
    return _render_edit(request, group, form=form)


def _details(group: StudyGroup) -> dict[str, Any]:
    return {
        "name": group.name,
        "description": group.description,
        "course": group.course_id,
        "topic": group.topic_id,
        "visibility": group.visibility,
        "max_members": group.max_members,
    }


def _render_edit(
    request: HttpRequest, group: StudyGroup, *, form: GroupForm | None = None, goal_form: GoalForm | None = None
) -> HttpResponse:
    members = selectors.group_members(group=group)
    return render(
        request,
        "community/groups/group_form.html",
        {
            "group": group,
            "form": form or GroupForm(user=request.user, initial=_details(group)),
            "goal_form": goal_form
            or GoalForm(
                initial={"weekly_goal_minutes": group.weekly_goal_minutes, "weekly_goal_text": group.weekly_goal_text}
            ),
            "members": members,
            "invite_url": request.build_absolute_uri(reverse("groups:invite", kwargs={"code": group.invite_code})),
            "creating": False,
        },
        status=422 if (form is not None and form.errors) or (goal_form is not None and goal_form.errors) else 200,
    )


@require_POST
@login_required
def group_goal(request: HttpRequest, pk: int) -> HttpResponse:
    group = _owner_group(request, pk)
    form = GoalForm(request.POST)
    if form.is_valid():
        try:
            services.group_goal_set(
                actor=request.user,
                group=group,
                minutes=form.cleaned_data["weekly_goal_minutes"],
                text=form.cleaned_data["weekly_goal_text"],
            )
        except ApplicationError as exc:
            _refuse(exc)
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("This week's goal is set."))
            return redirect("groups:detail" if request.POST.get("next") == "detail" else "groups:edit", pk=pk)
    return _render_edit(request, group, goal_form=form)


@require_POST
@login_required
def group_invite_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    group = _owner_group(request, pk)
    services.group_invite_rotate(actor=request.user, group=group)
    messages.success(request, _("New invite link made; the old one no longer works."))
    return redirect("groups:edit", pk=pk)


@require_POST
@login_required
def group_remove_member(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    group = _owner_group(request, pk)
    try:
        services.group_remove_member(actor=request.user, group=group, user_id=user_id)
    except ApplicationError as exc:
        _refuse(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Member removed."))
    return redirect("groups:edit", pk=pk)
