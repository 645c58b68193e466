"""Community pages: spaces, threads, replies, search, course Q&A and bookmarks.

Views parse input, call one service or selector and render. A space or thread the viewer may
not read is a 404 (never a hint that it exists). Every POST works without JavaScript; votes,
follows and bookmarks also answer JSON when asked (``Accept: application/json``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lyceum.core.errors import ApplicationError, NotFound
from lyceum.core.forms import form_add_application_error
from lyceum.core.markdown import render_markdown
from lyceum.core.ratelimit import client_ip

from .. import access
from ..forms_spaces import ReplyForm, SpaceForm, ThreadEditForm, ThreadForm
from ..models import Reply, Space, SpaceKind, Thread, ThreadKind
from ..selectors import spaces as selectors
from ..services import spaces as services
from .thread_rows import blank_reply_form_html, reply_rows


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _thread_or_404(request: HttpRequest, pk: int) -> Thread:
    try:
        return selectors.thread_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _reply_or_404(request: HttpRequest, pk: int) -> Reply:
    try:
        return selectors.reply_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _space_or_404(request: HttpRequest, slug: str) -> Space:
    try:
        return selectors.space_get(user=request.user, slug=slug)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _thread_url(thread_id: int, reply_id: int | None = None) -> str:
    url = reverse("community:thread", args=[thread_id])
    return f"{url}?reply={reply_id}#reply-{reply_id}" if reply_id else url


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(default)


def _action_error(request: HttpRequest, exc: ApplicationError, default: str) -> HttpResponse:
    if isinstance(exc, NotFound):
        raise Http404(exc.message) from exc
    if _wants_json(request):
        return JsonResponse(exc.as_dict(), status=exc.status)
    messages.error(request, exc.message)
    return _back(request, default)


# --- home, spaces, lists ----------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    spaces = selectors.spaces_readable(user=request.user)
    return render(
        request,
        "community/spaces/home.html",
        {
            "spaces": spaces,
            "recent": selectors.threads_recent(user=request.user),
            "is_operator": access.standing(request.user).operator,
            "teaches": bool(access.standing(request.user).instructed_course_ids),
        },
    )


@require_GET
def space_detail(request: HttpRequest, slug: str) -> HttpResponse:
    space = _space_or_404(request, slug)
    errors: list[str] = []
    try:
        sort, kind, tag = selectors.thread_filters_clean(
            sort=request.GET.get("sort", ""), kind=request.GET.get("kind", ""), tag=request.GET.get("tag", "")
        )
    except ApplicationError as exc:
        errors.append(exc.message)
        sort, kind, tag = "latest", "", ""
    page = selectors.thread_list(
        user=request.user, space=space, sort=sort, kind=kind, tag=tag, page=request.GET.get("page")
    )
    return render(
        request,
        "community/spaces/space.html",
        {
            "space": space,
            "page": page,
            "threads": page.object_list,
            "sort": sort,
            "kind": kind,
            "tag": tag,
            "errors": errors,
            "kinds": ThreadKind.choices,
            "can_post": access.can_start_thread(request.user, space),
            "is_operator": access.standing(request.user).operator,
            "rules_html": render_markdown(space.rules) if space.rules else "",
        },
    )


def _thread_kinds(user: Any, space: Space) -> list[str]:
    return [k for k in ThreadKind.values if access.can_start_thread(user, space, k)]


@login_required
def thread_new(request: HttpRequest, slug: str) -> HttpResponse:
    space = _space_or_404(request, slug)
    kinds = _thread_kinds(request.user, space)
    if not kinds:
        messages.error(request, _("You cannot start threads in this space."))
        return redirect("community:space", slug=space.slug)
    form = ThreadForm(request.POST or None, kinds=kinds, initial={"kind": request.GET.get("kind", "discussion")})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            thread = services.thread_create(actor=request.user, space=space, **form.cleaned_data)
        except ApplicationError as exc:
            if isinstance(exc, NotFound):
                raise Http404(exc.message) from exc
            form_add_application_error(form, exc)
            status = exc.status
        else:
            return redirect("community:thread", pk=thread.pk)
    elif request.method == "POST":
        status = 422
    return render(
        request, "community/spaces/thread_form.html", {"space": space, "form": form, "editing": False}, status=status
    )


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    results = selectors.search_threads(user=request.user, query=query, page=page)
    if results.query:
        services.community_search_record(actor=request.user, query=results.query, results=results.total)
    return render(request, "community/spaces/search.html", {"results": results, "q": results.query})


@login_required
@require_GET
def qa(request: HttpRequest) -> HttpResponse:
    course = request.GET.get("course", "")[:120]
    page = selectors.qa_unanswered(user=request.user, page=request.GET.get("page"), course_slug=course)
    teaches = bool(access.standing(request.user).instructed_course_ids)
    context = {"page": page, "threads": page.object_list, "teaches": teaches, "course": course}
    return render(request, "community/spaces/qa.html", context)


@login_required
@require_GET
def bookmarks(request: HttpRequest) -> HttpResponse:
    page = selectors.bookmarks_for(user=request.user, page=request.GET.get("page"))
    return render(request, "community/spaces/bookmarks.html", {"page": page, "threads": page.object_list})


# --- one thread -------------------------------------------------------------------------------------


def _thread_context(
    request: HttpRequest,
    thread: Thread,
    page: Any,
    reply_form: ReplyForm | None = None,
    bundle: selectors.ThreadBundle | None = None,
) -> dict:
    replies, found = (bundle.replies, bundle.found) if bundle is not None else (None, None)
    tp = selectors.thread_page(user=request.user, thread=thread, page=page, replies=replies, found=found)
    return {
        "tp": tp,
        "reply_rows": reply_rows(user=request.user, thread=thread, tp=tp),
        "tags": bundle.tags if bundle is not None else selectors.thread_tags(thread=thread),
        "reply_url": reverse("community:thread-reply", args=[thread.pk]),
        "unaccept_url": reverse("community:thread-unaccept", args=[thread.pk]),
        "thread": thread,
        "space": thread.space,
        "voted_thread": ("thread", thread.pk) in tp.my_votes,
        "reply_form": reply_form or ReplyForm(),
        "reply_form_html": blank_reply_form_html() if reply_form is None else "",
        "reply_body_max": ReplyForm.base_fields["body"].max_length,
    }


@require_GET
def thread_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        bundle = selectors.thread_bundle_for_page(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    thread = bundle.thread
    page: Any = request.GET.get("page")
    reply_id = request.GET.get("reply", "")
    if reply_id.isdigit():
        page = selectors.reply_page_number(thread=thread, reply_id=int(reply_id))
    viewer = "" if request.user.is_authenticated else (request.session.session_key or client_ip(request))
    services.thread_view(actor=request.user, thread=thread, viewer_key=viewer, known=bundle.found)
    return render(request, "community/spaces/thread.html", _thread_context(request, thread, page, bundle=bundle))


@login_required
def thread_edit(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread_or_404(request, pk)
    if not services.can_edit(request.user, thread.author_id, thread.space):
        raise Http404(_("Not found."))
    initial = {"title": thread.title, "body": thread.body, "tags": ", ".join(t.name for t in thread.tags.all())}
    form = ThreadEditForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.thread_edit(actor=request.user, thread=thread, **form.cleaned_data)
        except ApplicationError as exc:
            form_add_application_error(form, exc)
            status = exc.status
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect("community:thread", pk=thread.pk)
    return render(
        request,
        "community/spaces/thread_form.html",
        {"space": thread.space, "thread": thread, "form": form, "editing": True},
        status=status,
    )


@require_GET
def thread_history(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread_or_404(request, pk)
    return render(
        request,
        "community/spaces/history.html",
        {"thread": thread, "target": thread, "revisions": selectors.thread_revisions(thread=thread)},
    )


@require_POST
@login_required
def thread_reply(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread_or_404(request, pk)
    form = ReplyForm(request.POST)
    status = 422
    if form.is_valid():
        parent = None
        if form.cleaned_data.get("parent"):
            parent = selectors.reply_in_thread(thread=thread, pk=form.cleaned_data["parent"])
            if parent is None:
                form.add_error(None, _("That reply no longer exists."))
        if not form.errors:
            try:
                reply = services.reply_create(
                    actor=request.user, thread=thread, body=form.cleaned_data["body"], parent=parent
                )
            except ApplicationError as exc:
                if isinstance(exc, NotFound):
                    raise Http404(exc.message) from exc
                form_add_application_error(form, exc)
                status = exc.status
            else:
                return redirect(_thread_url(thread.pk, reply.pk))
    context = _thread_context(request, thread, request.GET.get("page"), reply_form=form)
    return render(request, "community/spaces/thread.html", context, status=status)


def _toggle_response(request: HttpRequest, default: str, **data: Any) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(data)
    return _back(request, default)


@require_POST
@login_required
def thread_vote(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread_or_404(request, pk)
    try:
        voted, score = services.thread_vote(actor=request.user, thread=thread)
    except ApplicationError as exc:
        return _action_error(request, exc, _thread_url(thread.pk))
    return _toggle_response(request, _thread_url(thread.pk), voted=voted, score=score)


@require_POST
@login_required
def reply_vote(request: HttpRequest, pk: int) -> HttpResponse:
    reply = _reply_or_404(request, pk)
    try:
        voted, score = services.reply_vote(actor=request.user, reply=reply)
    except ApplicationError as exc:
        return _action_error(request, exc, _thread_url(reply.thread_id, reply.pk))
    return _toggle_response(request, _thread_url(reply.thread_id, reply.pk), voted=voted, score=score)


@require_POST
@login_required
def thread_follow(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread_or_404(request, pk)
    try:
        if request.POST.get("action") == "unfollow":
            following = services.thread_unfollow(actor=request.user, thread=thread)
        else:
            following = services.thread_follow(actor=request.user, thread=thread)
    except ApplicationError as exc:
        return _action_error(request, exc, _thread_url(thread.pk))
    return _toggle_response(request, _thread_url(thread.pk), following=following)


@require_POST
@login_required
def thread_bookmark(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread_or_404(request, pk)
    try:
        bookmarked = services.thread_bookmark(actor=request.user, thread=thread)
    except ApplicationError as exc:
        return _action_error(request, exc, _thread_url(thread.pk))
    return _toggle_response(request, _thread_url(thread.pk), bookmarked=bookmarked)


@require_POST
@login_required
def thread_delete(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread_or_404(request, pk)
    try:
        services.thread_delete(actor=request.user, thread=thread)
    except ApplicationError as exc:
        return _action_error(request, exc, _thread_url(thread.pk))
    messages.success(request, _("The thread was deleted."))
    return redirect("community:space", slug=thread.space.slug)


def _thread_action(request: HttpRequest, pk: int, act: Callable[[Thread], object]) -> HttpResponse:
    """A moderation-style POST on a thread: run ``act``, then back to the thread (errors as messages)."""
    thread = _thread_or_404(request, pk)
    try:
        act(thread)
    except ApplicationError as exc:
        return _action_error(request, exc, _thread_url(thread.pk))
    return redirect(_thread_url(thread.pk))


@require_POST
@login_required
def thread_pin(request: HttpRequest, pk: int) -> HttpResponse:
    pinned = request.POST.get("action") != "unpin"
    return _thread_action(request, pk, lambda t: services.thread_pin(actor=request.user, thread=t, pinned=pinned))


@require_POST
@login_required
def thread_lock(request: HttpRequest, pk: int) -> HttpResponse:
    locked = request.POST.get("action") != "unlock"
    return _thread_action(request, pk, lambda t: services.thread_lock(actor=request.user, thread=t, locked=locked))


@require_POST
@login_required
def thread_unaccept(request: HttpRequest, pk: int) -> HttpResponse:
    return _thread_action(request, pk, lambda t: services.reply_unaccept(actor=request.user, thread=t))


# --- replies ----------------------------------------------------------------------------------------


@require_GET
def reply_detail(request: HttpRequest, pk: int) -> HttpResponse:
    reply = _reply_or_404(request, pk)
    return redirect(_thread_url(reply.thread_id, reply.pk))


def _reply_action(request: HttpRequest, pk: int, act: Callable[[Reply], object], done: str) -> HttpResponse:
    """A POST on a reply: run ``act``, say ``done``, back to the reply (errors as messages)."""
    reply = _reply_or_404(request, pk)
    back = _thread_url(reply.thread_id, reply.pk)
    try:
        act(reply)
    except ApplicationError as exc:
        return _action_error(request, exc, back)
    messages.success(request, done)
    return redirect(back)


@require_POST
@login_required
def reply_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _reply_action(
        request, pk, lambda r: services.reply_accept(actor=request.user, reply=r), _("Marked as the accepted answer.")
    )


@require_POST
@login_required
def reply_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _reply_action(
        request, pk, lambda r: services.reply_delete(actor=request.user, reply=r), _("The reply was deleted.")
    )


@login_required
def reply_edit(request: HttpRequest, pk: int) -> HttpResponse:
    reply = _reply_or_404(request, pk)
    if not services.can_edit(request.user, reply.author_id, reply.thread.space):
        raise Http404(_("Not found."))
    form = ReplyForm(request.POST or None, initial={"body": reply.body})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.reply_edit(actor=request.user, reply=reply, body=form.cleaned_data["body"])
        except ApplicationError as exc:
            form_add_application_error(form, exc)
            status = exc.status
        else:
            return redirect(_thread_url(reply.thread_id, reply.pk))
    return render(
        request,
        "community/spaces/reply_form.html",
        {"reply": reply, "thread": reply.thread, "form": form},
        status=status,
    )


@require_GET
def reply_history(request: HttpRequest, pk: int) -> HttpResponse:
    reply = _reply_or_404(request, pk)
    return render(
        request,
        "community/spaces/history.html",
        {"thread": reply.thread, "target": reply, "revisions": selectors.reply_revisions(reply=reply)},
    )


@require_POST
@login_required
def preview(request: HttpRequest) -> JsonResponse:
    """Markdown → the sanitised HTML a post would show (mentions are highlighted once posted)."""
    body = request.POST.get("body", "")[: ReplyForm.base_fields["body"].max_length or 20_000]
    return JsonResponse({"html": str(render_markdown(body))})


@require_GET
def mention_suggest(request: HttpRequest, slug: str) -> JsonResponse:
    """``?q=Ad`` → people who can read the space, for ``@`` autocompletion (readers only)."""
    if not request.user.is_authenticated:
        raise Http404(_("Not found."))
    space = _space_or_404(request, slug)
    people = selectors.mention_suggestions(user=request.user, space=space, prefix=request.GET.get("q", ""))
    return JsonResponse({"results": people})


# --- spaces (operators) -----------------------------------------------------------------------------


def _operator_only(request: HttpRequest) -> None:
    if not access.standing(request.user).operator:
        raise Http404(_("Not found."))


@login_required
def space_new(request: HttpRequest) -> HttpResponse:
    _operator_only(request)
    form = SpaceForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            space = services.space_create(
                actor=request.user,
                name=data["name"],
                description=data["description"],
                rules=data["rules"],
                kind=data["kind"],
                course=data["course"],
                access_courses=list(data["access_courses"]),
                access_plans=data["access_plans"],
                post_policy=data["post_policy"],
                position=data["position"] or 0,
            )
        except ApplicationError as exc:
            form_add_application_error(form, exc)
            status = exc.status
        else:
            return redirect("community:space", slug=space.slug)
    return render(request, "community/spaces/space_form.html", {"form": form, "space": None}, status=status)


@login_required
def space_edit(request: HttpRequest, slug: str) -> HttpResponse:
    _operator_only(request)
    try:
        space = selectors.space_get_for_operator(slug=slug)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    initial = {
        "name": space.name, "description": space.description, "rules": space.rules, "kind": space.kind,
        "course": space.course, "access_courses": list(space.access_courses.all()),
        "access_plans": ", ".join(space.access_plans), "post_policy": space.post_policy, "position": space.position,
        "archived": space.archived_at is not None,
    }  # fmt: skip
    form = SpaceForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["position"] = data["position"] or 0
        data["access_courses"] = list(data["access_courses"])
        if data["kind"] != SpaceKind.COURSE:
            data.pop("course")
        try:
            services.space_update(actor=request.user, space=space, **data)
        except ApplicationError as exc:
            form_add_application_error(form, exc)
            status = exc.status
        else:
            messages.success(request, _("The space is saved."))
            return redirect("community:space", slug=space.slug)
    return render(request, "community/spaces/space_form.html", {"form": form, "space": space}, status=status)
