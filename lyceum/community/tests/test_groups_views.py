"""Study group pages, per persona: owner, member, outsider."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import make_user
from lyceum.community.models import CheckIn, GroupMembership, GroupPost, StudyGroup
from lyceum.community.services.groups import checkin_create, group_create, group_join, group_post
from lyceum.learning.tests.factories import make_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(instructor):
    return make_course(instructor=instructor)


@pytest.fixture
def group(learner, course):
    return group_create(actor=learner, name="Python 晨读", course=course, weekly_goal_text="Finish module 1")


@pytest.fixture
def secret(learner):
    return group_create(actor=learner, name="Secret circle", visibility="invite")


def test_pages_need_sign_in(client, group):
    for url in [
        reverse("groups:list"),
        reverse("groups:new"),
        reverse("groups:detail", args=[group.pk]),
        reverse("groups:invite", args=[group.invite_code]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"] or "login" in response["Location"]


def test_list_shows_public_and_my_groups_not_others_invite_only(client_for, learner, outsider, group, secret):
    body = client_for(outsider).get(reverse("groups:list")).content.decode()
    assert "Python 晨读" in body
    assert "Secret circle" not in body

    body = client_for(learner).get(reverse("groups:list")).content.decode()
    assert "Secret circle" in body


def test_list_search_and_bad_filters_never_500(client_for, outsider, group):
    client = client_for(outsider)
    assert "Python 晨读" in client.get(reverse("groups:list"), {"q": "晨读"}).content.decode()
    assert "Python 晨读" not in client.get(reverse("groups:list"), {"q": "nothing-like-it"}).content.decode()
    for params in [{"topic": "abc"}, {"course": "x"}, {"page": "-3"}, {"page": "zz"}]:
        assert client.get(reverse("groups:list"), params).status_code == 200


def test_create_page_makes_a_group(client_for, outsider, course):
    client = client_for(outsider)
    assert client.get(reverse("groups:new")).status_code == 200

    response = client.post(
        reverse("groups:new"),
        {"name": "SQL 夜读", "description": "Evenings", "visibility": "public", "max_members": 8,
         "course": course.pk, "topic": "", "weekly_goal_minutes": 150, "weekly_goal_text": ""},
    )  # fmt: skip

    group = StudyGroup.objects.get(name="SQL 夜读")
    assert response.status_code == 302
    assert response["Location"] == reverse("groups:detail", args=[group.pk])
    assert group.owner == outsider and group.weekly_goal_minutes == 150


def test_create_page_shows_field_errors(client_for, outsider):
    response = client_for(outsider).post(
        reverse("groups:new"),
        {"name": "x", "visibility": "public", "max_members": 500, "weekly_goal_minutes": 10},
    )
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"max_members"}
    assert StudyGroup.objects.count() == 0


def test_member_sees_feed_checkin_widget_and_streaks(client_for, learner, group):
    checkin_create(actor=learner, group=group, minutes=40, note="finished lesson 3")
    group_post(actor=learner, group=group, body="**Welcome** everyone")

    response = client_for(learner).get(reverse("groups:detail", args=[group.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "<strong>Welcome</strong>" in body
    assert "finished lesson 3" in body
    assert f'action="{reverse("groups:checkin", args=[group.pk])}"' in body
    assert "Finish module 1" in body
    assert group.invite_code in body


def test_public_group_outsider_sees_summary_but_not_feed(client_for, learner, outsider, group):
    group_post(actor=learner, group=group, body="members only chatter")

    response = client_for(outsider).get(reverse("groups:detail", args=[group.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Python 晨读" in body
    assert "members only chatter" not in body
    assert group.invite_code not in body
    assert f'action="{reverse("groups:join", args=[group.pk])}"' in body


def test_invite_only_group_is_404_for_outsiders_everywhere(client_for, outsider, secret):
    client = client_for(outsider)
    assert client.get(reverse("groups:detail", args=[secret.pk])).status_code == 404
    assert client.post(reverse("groups:join", args=[secret.pk])).status_code == 404
    assert client.post(reverse("groups:checkin", args=[secret.pk]), {"minutes": 10}).status_code == 404
    assert client.post(reverse("groups:post", args=[secret.pk]), {"body": "hi"}).status_code == 404
    assert client.get(reverse("groups:edit", args=[secret.pk])).status_code == 404
    assert not GroupMembership.objects.filter(user=outsider).exists()
    assert CheckIn.objects.count() == 0 and GroupPost.objects.count() == 0


def test_outsider_cannot_post_or_check_in_to_a_public_group(client_for, outsider, group):
    client = client_for(outsider)
    assert client.post(reverse("groups:checkin", args=[group.pk]), {"minutes": 10}).status_code == 403
    assert client.post(reverse("groups:post", args=[group.pk]), {"body": "hi"}).status_code == 403
    assert client.get(reverse("groups:edit", args=[group.pk])).status_code == 403
    assert CheckIn.objects.count() == 0 and GroupPost.objects.count() == 0


def test_join_and_leave_public_group(client_for, outsider, group):
    client = client_for(outsider)
    response = client.post(reverse("groups:join", args=[group.pk]))
    assert response.status_code == 302
    assert GroupMembership.objects.filter(group=group, user=outsider).exists()

    response = client.post(reverse("groups:leave", args=[group.pk]))
    assert response["Location"] == reverse("groups:list")
    assert not GroupMembership.objects.filter(group=group, user=outsider).exists()


def test_join_a_full_group_shows_a_message(client_for, learner, group):
    StudyGroup.objects.filter(pk=group.pk).update(max_members=2)
    group_join(actor=make_user("second@example.org"), group=group)
    late = make_user("late@example.org")

    response = client_for(late).post(reverse("groups:join", args=[group.pk]), follow=True)

    assert "This group is full" in response.content.decode()
    assert not GroupMembership.objects.filter(user=late).exists()


def test_invite_link_landing_and_join(client_for, outsider, secret):
    client = client_for(outsider)
    url = reverse("groups:invite", args=[secret.invite_code])
    assert "Secret circle" in client.get(url).content.decode()

    response = client.post(url)

    assert response["Location"] == reverse("groups:detail", args=[secret.pk])
    assert GroupMembership.objects.filter(group=secret, user=outsider).exists()
    assert client.get(url)["Location"] == reverse("groups:detail", args=[secret.pk])


def test_wrong_invite_code_is_404(client_for, outsider, secret):
    response = client_for(outsider).post(reverse("groups:invite", args=["not-a-real-code"]))
    assert response.status_code == 404
    assert not GroupMembership.objects.filter(user=outsider).exists()


def test_checkin_form_errors_are_shown_on_the_page(client_for, learner, group):
    client = client_for(learner)
    other = make_course()

    response = client.post(reverse("groups:checkin", args=[group.pk]), {"minutes": "0"})
    assert response.status_code == 422
    assert response.context["checkin_form"].errors.keys() == {"minutes"}
    response = client.post(reverse("groups:checkin", args=[group.pk]), {"minutes": "1441"})
    assert response.status_code == 422
    response = client.post(
        reverse("groups:checkin", args=[group.pk]), {"minutes": "30", "lesson": other.lessons.first().pk}
    )
    assert response.status_code == 422
    assert "lesson" in response.context["checkin_form"].errors
    assert CheckIn.objects.count() == 0

    lesson = group.course.lessons.order_by("position")[2]
    response = client.post(
        reverse("groups:checkin", args=[group.pk]), {"minutes": "40", "note": "finished lesson 3", "lesson": lesson.pk}
    )
    assert response.status_code == 302
    assert CheckIn.objects.get().lesson == lesson


def test_post_injection_is_neutralised(client_for, learner, group):
    client = client_for(learner)
    client.post(
        reverse("groups:post", args=[group.pk]), {"body": '<script>alert("x")</script><img src=x onerror=alert(1)>'}
    )

    body = client.get(reverse("groups:detail", args=[group.pk])).content.decode()
    assert '<script>alert("x")' not in body
    assert "onerror" not in body


def test_group_name_and_note_injection_is_escaped(client_for, learner):
    group = group_create(actor=learner, name="<script>alert(1)</script>", description="<img src=x onerror=alert(2)>")
    checkin_create(actor=learner, group=group, minutes=5, note="<b>bold</b>")

    body = client_for(learner).get(reverse("groups:detail", args=[group.pk])).content.decode()
    list_body = client_for(learner).get(reverse("groups:list")).content.decode()
    for page in (body, list_body):
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in body
    assert "<b>bold</b>" not in body


def test_owner_edits_sets_goal_rotates_invite_and_removes(client_for, learner, outsider, group):
    group_join(actor=outsider, group=group)
    client = client_for(learner)
    assert client.get(reverse("groups:edit", args=[group.pk])).status_code == 200

    client.post(
        reverse("groups:edit", args=[group.pk]),
        {"name": "Renamed", "visibility": "invite", "max_members": 10, "course": group.course_id},
    )
    client.post(reverse("groups:goal", args=[group.pk]), {"weekly_goal_minutes": 200, "weekly_goal_text": "Module 2"})
    old = group.invite_code
    client.post(reverse("groups:invite-rotate", args=[group.pk]))
    client.post(reverse("groups:remove-member", args=[group.pk, outsider.pk]))

    group.refresh_from_db()
    assert (group.name, group.visibility, group.max_members) == ("Renamed", "invite", 10)
    assert (group.weekly_goal_minutes, group.weekly_goal_text) == (200, "Module 2")
    assert group.invite_code != old
    assert not GroupMembership.objects.filter(group=group, user=outsider).exists()


def test_member_who_is_not_owner_cannot_manage(client_for, outsider, group):
    group_join(actor=outsider, group=group)
    client = client_for(outsider)
    old = group.invite_code
    assert client.post(reverse("groups:goal", args=[group.pk]), {"weekly_goal_minutes": 5}).status_code == 403
    assert client.post(reverse("groups:invite-rotate", args=[group.pk])).status_code == 403
    remove = reverse("groups:remove-member", args=[group.pk, group.owner_id])
    assert client.post(remove).status_code == 403
    assert GroupMembership.objects.filter(group=group, user_id=group.owner_id).exists()
    group.refresh_from_db()
    assert (group.weekly_goal_minutes, group.invite_code) == (120, old)


def test_detail_and_list_pages_query_counts_are_constant(client_for, learner, group, django_assert_max_num_queries):
    client = client_for(learner)
    checkin_create(actor=learner, group=group, minutes=30)
    group_post(actor=learner, group=group, body="first")
    group_create(actor=learner, name="Another")
    client.get(reverse("groups:detail", args=[group.pk]))  # warm session and caches
    with django_assert_max_num_queries(30) as small:
        client.get(reverse("groups:detail", args=[group.pk]))
    with django_assert_max_num_queries(30) as small_list:
        client.get(reverse("groups:list"))
    for i in range(8):
        member = make_user(f"m{i}@example.org")
        group_join(actor=member, group=group)
        checkin_create(actor=member, group=group, minutes=10 + i)
        group_post(actor=member, group=group, body=f"post {i}")
        group_create(actor=member, name=f"Group {i}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("groups:detail", args=[group.pk]))
    assert response.status_code == 200
    with django_assert_max_num_queries(len(small_list.captured_queries)):
        client.get(reverse("groups:list"))
