"""What each reply of the thread page shows besides its stored HTML, decided once in Python.

The thread page used to work this out in the template: five includes, up to seven ``{% url %}``
and a dozen permission comparisons per reply, about three quarters of a millisecond of CPU per
reply. Here every URL is reversed once per page and formatted per reply, and every per-reply
decision (who may edit, delete, accept, report, reply, vote) is a plain value the flat
``{% reply_html %}`` prints (``templatetags/community_replies.py``, the same HTML as ``_reply.html``
without the template engine). Nothing here is cached across requests: all of it depends on the viewer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.template import engines
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from ..models import Reply, Thread, ThreadKind
from ..selectors.spaces import ThreadPage


def url_pattern(name: str) -> str:
    """``reverse(name, pk)`` as a format string: reversed once, then ``.format(pk)`` per row."""
    head, tail = reverse(name, args=[0]).rsplit("/0/", 1)
    return head.replace("{", "{{").replace("}", "}}") + "/{}/" + tail.replace("{", "{{").replace("}", "}}")


@dataclass(frozen=True)
class _PageUrls:
    member: str
    vote: str
    history: str
    accept: str
    edit: str
    delete: str

    @classmethod
    def build(cls) -> _PageUrls:
        """Reversed once per process, URL configuration, script prefix and language."""
        key = (get_urlconf(), get_script_prefix(), get_language())
        urls = _URLS.get(key)
        if urls is None:
            urls = _URLS[key] = cls._reverse()
        return urls

    @classmethod
    def _reverse(cls) -> _PageUrls:
        return cls(
            member=url_pattern("accounts:member"),
            vote=url_pattern("community:reply-vote"),
            history=url_pattern("community:reply-history"),
            accept=url_pattern("community:reply-accept"),
            edit=url_pattern("community:reply-edit"),
            delete=url_pattern("community:reply-delete"),
        )


_URLS: dict[tuple[Any, str, str | None], _PageUrls] = {}

# The reply box of a page without a submitted form: the same for everyone (per language), printed
# as thread.html's ``{% include "partials/_field.html" with field=reply_form.body %}`` and
# ``{{ reply_form.parent }}`` would (a bound form, with its errors, is rendered by the template).
_BLANK_FORM_SOURCE = '{% include "partials/_field.html" with field=reply_form.body %}\n      {{ reply_form.parent }}'
_BLANK_FORMS: dict[str | None, SafeString] = {}


def blank_reply_form_html() -> SafeString:
    language = get_language()
    html = _BLANK_FORMS.get(language)
    if html is None:
        from ..forms_spaces import ReplyForm

        rendered = engines["django"].from_string(_BLANK_FORM_SOURCE).render({"reply_form": ReplyForm()})
        html = _BLANK_FORMS[language] = mark_safe(rendered)  # noqa: S308  (the template's own output)
    return html


def _row(r: Reply, *, thread: Thread, tp: ThreadPage, uid: int | None, voted: set[int], urls: _PageUrls,
         can_accept: bool) -> dict[str, Any]:  # fmt: skip
    author = r.author
    pk = r.pk
    row: dict[str, Any] = {"r": r, "pk": pk, "accepted": pk == thread.accepted_reply_id, "deleted": r.deleted_at}
    if r.deleted_at:
        return row  # the page prints only "This reply was deleted."
    own = uid is not None and r.author_id == uid
    name = author.get_short_name()
    shows_avatar = bool(author.avatar) and (not author.profile_hidden_at or author.pk == uid)
    row.update(
        avatar_url=author.avatar.url if shows_avatar else "",
        initial=name[:1].upper(),
        name=name,
        member_url=urls.member.format(author.pk) if author.is_active and not author.erased_at else "",
        by_asker=r.author_id == thread.author_id,
        history_url=urls.history.format(pk) if r.edited_at else "",
        hidden=r.hidden_at,
        own=own,
        vote_url=urls.vote.format(pk),
        voted=pk in voted,
        vote_disabled=uid is None or own,
        accept_url=urls.accept.format(pk) if can_accept else "",
        edit_url=urls.edit.format(pk) if own or tp.can_moderate else "",
        delete_url=urls.delete.format(pk) if own or tp.can_moderate else "",
        report_url=f"/report/reply/{pk}/" if uid is not None and not own else "",
        reply_parent=r.parent_id or pk if tp.can_reply and not r.hidden_at else None,
        mention="" if r.author_id == uid else f"@{author.display_name.replace(' ', '')} ",
    )
    return row


def reply_rows(*, user: Any, thread: Thread, tp: ThreadPage) -> list[dict[str, Any]]:
    """``[{"reply": row, "children": [row, ...]}, ...]`` for ``tp.nodes``, in order."""
    uid = user.pk if getattr(user, "is_authenticated", False) else None
    voted = {pk for kind, pk in tp.my_votes if kind == "reply"}
    urls = _PageUrls.build()
    can_accept = tp.can_accept and thread.kind == ThreadKind.QUESTION

    def row(r: Reply) -> dict[str, Any]:
        return _row(r, thread=thread, tp=tp, uid=uid, voted=voted, urls=urls, can_accept=can_accept)

    return [{"reply": row(n.reply), "children": [row(c) for c in n.children]} for n in tp.nodes]
