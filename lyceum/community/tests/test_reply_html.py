"""``{% reply_html %}`` prints what ``community/spaces/_reply.html`` prints, for every kind of reply
(deleted, hidden, held, accepted, nested, edited, with an avatar, by an erased member, with a name
to escape) and every kind of viewer (its author, the asker, a moderator, a member, a visitor)."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import timezone, translation

from conftest import make_user
from lyceum.accounts.models import User
from lyceum.community.models import HiddenReason, Thread
from lyceum.community.services import spaces as services
from lyceum.community.services.visibility import content_set_hidden

from .spaces_helpers import global_space, make_reply, make_thread

pytestmark = pytest.mark.django_db

REFERENCE = Template(
    '{% for n in rows %}{% include "community/spaces/_reply.html" with x=n.reply nested=False %}'
    '{% for c in n.children %}{% include "community/spaces/_reply.html" with x=c nested=True %}{% endfor %}'
    "{% endfor %}"
)
FAST = Template(
    "{% load community_replies %}{% for n in rows %}{% reply_html n.reply False %}"
    "{% for c in n.children %}{% reply_html c True %}{% endfor %}{% endfor %}"
)


@pytest.fixture
def thread(learner, outsider, moderator):
    global_space()
    odd = make_user("odd@example.org", display_name="Zoë <b>&\"' Smith")
    erased = make_user("gone@example.org", display_name="Gone Soon")
    thread = make_thread(learner, kind="question", title="How?", body="Why?")
    first = make_reply(outsider, thread, "First <answer> & more")
    make_reply(learner, thread, "Thanks", parent=first)
    make_reply(odd, thread, "Odd name", parent=first)
    accepted = make_reply(odd, thread, "The answer")
    services.reply_accept(actor=learner, reply=accepted)
    services.reply_edit(actor=outsider, reply=first, body="First answer, edited")
    services.reply_vote(actor=learner, reply=accepted)
    held = make_reply(outsider, thread, "Held one")
    content_set_hidden(actor=None, obj=held, hidden=True, reason=HiddenReason.HELD)
    hidden = make_reply(odd, thread, "Hidden one")
    content_set_hidden(actor=moderator, obj=hidden, hidden=True, reason=HiddenReason.MODERATOR)
    deleted = make_reply(outsider, thread, "Deleted one")
    services.reply_delete(actor=outsider, reply=deleted)
    make_reply(erased, thread, "By someone erased")
    User.objects.filter(pk=erased.pk).update(is_active=False, erased_at=timezone.now())
    User.objects.filter(pk=odd.pk).update(avatar="avatars/odd.png")
    User.objects.filter(pk=outsider.pk).update(avatar="avatars/out.png", profile_hidden_at=timezone.now())
    return thread


def _both(client: Client, thread: Thread) -> tuple[str, str]:
    response = client.get(f"/community/t/{thread.pk}/")
    assert response.status_code == 200
    context = Context(
        {
            "rows": response.context["reply_rows"],
            "csrf_token": "tok3n",
            "reply_url": response.context["reply_url"],
            "unaccept_url": response.context["unaccept_url"],
            "reply_body_max": response.context["reply_body_max"],
        }
    )
    return REFERENCE.render(context), FAST.render(context)


@pytest.mark.parametrize("who", ["asker", "author", "hidden author", "moderator", "member", "visitor"])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_fast_reply_html_is_the_template(thread, learner, outsider, moderator, client_for, who, language):
    client = {
        "asker": lambda: client_for(learner),
        "author": lambda: client_for(outsider),
        "hidden author": lambda: client_for(User.objects.get(email="odd@example.org")),
        "moderator": lambda: client_for(moderator),
        "member": lambda: client_for(make_user("member@example.org")),
        "visitor": Client,
    }[who]()
    with translation.override(language):
        client.cookies["django_language"] = language
        reference, fast = _both(client, thread)
    assert "First answer, edited" in reference
    assert fast == reference


def test_a_locked_thread_without_the_csrf_token_prints_the_same(thread, learner, moderator, client_for):
    services.thread_lock(actor=moderator, thread=thread, locked=True)
    client = client_for(learner)
    response = client.get(f"/community/t/{thread.pk}/")
    context = Context({"rows": response.context["reply_rows"], "reply_url": "/r/", "unaccept_url": "/u/"})
    assert FAST.render(context) == REFERENCE.render(context)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_blank_reply_box_is_what_the_template_prints(language):
    from lyceum.community.forms_spaces import ReplyForm
    from lyceum.community.views.thread_rows import blank_reply_form_html

    reference = Template(
        '{% include "partials/_field.html" with field=reply_form.body %}\n      {{ reply_form.parent }}'
    )
    with translation.override(language):
        assert blank_reply_form_html() == reference.render(Context({"reply_form": ReplyForm()}))
        assert blank_reply_form_html() == reference.render(Context({"reply_form": ReplyForm()}))  # remembered


def test_a_reply_refused_shows_its_error_in_the_reply_box(thread, learner, client_for):
    response = client_for(learner).post(f"/community/t/{thread.pk}/reply/", {"body": ""})
    assert response.status_code == 422
    assert 'class="field field-invalid"' in response.content.decode()
