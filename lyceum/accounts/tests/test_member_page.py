"""Issue 8 for accounts: the profile text is screened when it changes (a held profile keeps its
bio and avatar from others), and the public member page ``/members/<id>/``."""

from __future__ import annotations

import pytest
from django.utils import timezone

from conftest import make_user
from lyceum.accounts.models import User
from lyceum.accounts.services import profile_set_hidden, user_update_profile
from lyceum.core import hooks
from lyceum.core.errors import PermissionDenied
from lyceum.core.models import Event

pytestmark = pytest.mark.django_db


def test_a_changed_bio_is_screened_and_a_held_one_hides_the_profile(learner, screen_as):
    calls = screen_as("hold")

    user_update_profile(actor=learner, user=learner, display_name=learner.display_name, bio="加V信 abc123")

    learner.refresh_from_db()
    assert learner.bio == "加V信 abc123" and learner.profile_hidden_at is not None
    assert calls[0]["kind"] == "profile" and "abc123" in calls[0]["text"]
    assert Event.objects.get(name="user.profile_updated").props["screen"]["action"] == "hold"


def test_saving_unchanged_text_is_not_screened(learner, screen_as):
    calls = screen_as("hold")

    user_update_profile(actor=learner, user=learner, display_name=learner.display_name, bio=learner.bio, locale="en")

    learner.refresh_from_db()
    assert calls == [] and learner.profile_hidden_at is None


def test_a_raising_provider_is_a_form_error_and_nothing_changes(client_for, learner, screen_raises):
    screen_raises(PermissionDenied("You are muted until tomorrow.", code="muted"))
    old_bio = learner.bio

    response = client_for(learner).post(
        "/settings/profile/", {"display_name": "Lena", "timezone": "UTC", "bio": "new bio"}
    )

    assert response.status_code == 200 and "You are muted until tomorrow." in response.content.decode()
    assert User.objects.get(pk=learner.pk).bio == old_bio


def test_member_page_shows_name_joined_and_sanitised_bio(client_for, learner, outsider):
    User.objects.filter(pk=learner.pk).update(bio="**Data** person <script>alert(1)</script>")

    response = client_for(outsider).get(f"/members/{learner.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert learner.display_name in page and "Member since" in page
    assert "<strong>Data</strong>" in page and "<script>alert" not in page
    assert f'href="/report/profile/{learner.pk}/"' in page


def test_member_page_is_for_signed_in_members(client, learner):
    response = client.get(f"/members/{learner.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_erased_inactive_or_unknown_members_are_404(client_for, learner, outsider):
    gone = make_user("gone@example.org", display_name="Gone")
    User.objects.filter(pk=gone.pk).update(erased_at=timezone.now())
    off = make_user("off@example.org", display_name="Off")
    User.objects.filter(pk=off.pk).update(is_active=False)
    client = client_for(outsider)

    assert client.get(f"/members/{gone.pk}/").status_code == 404
    assert client.get(f"/members/{off.pk}/").status_code == 404
    assert client.get("/members/999999/").status_code == 404


def test_a_hidden_profile_keeps_bio_from_others_but_not_from_its_owner_or_staff(
    client_for, learner, outsider, moderator
):
    User.objects.filter(pk=learner.pk).update(bio="Secret spam bio")
    profile_set_hidden(actor=moderator, user=learner, hidden=True)

    other = client_for(outsider).get(f"/members/{learner.pk}/").content.decode()
    own = client_for(learner).get(f"/members/{learner.pk}/").content.decode()
    staff = client_for(moderator).get(f"/members/{learner.pk}/").content.decode()

    assert "Secret spam bio" not in other and "This profile is hidden by the moderators." in other
    assert "Secret spam bio" in own and "hidden from other members" in own
    assert "Secret spam bio" in staff and "This profile is hidden from members." in staff


def test_sections_from_the_hook_are_rendered(client_for, learner, outsider):
    def provider(*, member, viewer):
        return [{"template": "community/partials/_hidden_badge.html", "text": f"{member.pk} seen by {viewer.pk}"}]

    saved = list(hooks._providers.get("member_profile.sections", []))
    hooks._providers["member_profile.sections"] = [provider]
    try:
        response = client_for(outsider).get(f"/members/{learner.pk}/")
    finally:
        hooks._providers["member_profile.sections"] = saved

    assert [s["text"] for s in response.context["sections"]] == [f"{learner.pk} seen by {outsider.pk}"]
