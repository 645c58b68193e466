"""The "Your interests" page and /api/v1/me/interests: own data only, corrections, bad input."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.translation import override

from lyceum.accounts.models import LearnerProfile, Topic, TopicInterest
from lyceum.core import events
from lyceum.core.models import Event
from lyceum.courses.models import Category
from lyceum.learning.models import Enrollment
from lyceum.learning.tests.factories import make_course
from lyceum.recommendations.interests import effective_interests
from lyceum.recommendations.models import InterestOverride, OverrideAction
from lyceum.recommendations.profile import profile_rebuild

pytestmark = pytest.mark.django_db
URL = "/me/interests/"


def topic(slug: str) -> Topic:
    return Topic.objects.get(slug=slug)


def given_a_profile(user) -> None:
    """Survey: data (beginner); studied 45 minutes of a design course today."""
    profile = LearnerProfile.objects.create(user=user, completed_at=timezone.now())
    TopicInterest.objects.create(profile=profile, topic=topic("data"))
    cat = Category.objects.get_or_create(
        slug="ux", defaults={"name_en": "UX", "name_zh": "交互", "topic": topic("design")}
    )[0]
    course = make_course(category=cat, title="Design for Everyone")
    Enrollment.objects.create(user=user, course=course, source="free")
    start = timezone.now() - timedelta(hours=1)
    for minutes in (0, 15, 30, 45):
        events.emit("lesson.viewed", actor=user, at=start + timedelta(minutes=minutes), course=course.pk)
    profile_rebuild(user_ids=[user.pk])


# --------------------------------------------------------------------------- page


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.post(URL, {"action": "add", "topic": "data"}).status_code == 302
    assert not InterestOverride.objects.exists()


def test_the_page_shows_my_topics_with_why(client_for, learner, outsider):
    # given
    given_a_profile(learner)
    given_a_profile(outsider)
    InterestOverride.objects.create(user=outsider, topic=topic("finance"), action=OverrideAction.ADD)

    # when
    response = client_for(learner).get(URL)

    # then: design (enrolled + study) and data (survey), with reasons; nothing of the outsider's
    html = response.content.decode()
    assert response.status_code == 200
    names = [row.topic.slug for row in response.context["profile"].rows]
    assert names == ["data", "design"]
    assert "From your needs survey (Beginner)" in html
    assert "You studied 45 min of Design in the last month" in html
    assert "You enrolled in Design for Everyone" in html
    assert "Finance" not in "".join(r.topic.name_en for r in response.context["profile"].rows)


def test_the_page_renders_in_chinese(client_for, learner):
    given_a_profile(learner)
    learner.locale = "zh-hans"
    learner.save(update_fields=["locale"])

    html = client_for(learner).get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "你的兴趣" in html
    assert "数据分析" in html
    assert "来自你的需求调查" in html
    assert "Your interests" not in html


def test_an_empty_profile_says_how_to_start(client_for, learner):
    html = client_for(learner).get(URL).content.decode()
    assert "We do not know your interests yet" in html


@pytest.mark.parametrize("action", ["hide", "add"])
def test_hiding_and_adding_a_topic(client_for, learner, action):
    # given
    given_a_profile(learner)
    browser = client_for(learner)

    # when
    response = browser.post(URL, {"action": action, "topic": "ai" if action == "add" else "data"})

    # then
    assert response.status_code == 302
    interests = effective_interests([learner.pk])[learner.pk]
    if action == "add":
        assert interests[topic("ai").pk] == 1.0
    else:
        assert topic("data").pk not in interests
        assert [t.slug for t in browser.get(URL).context["profile"].hidden] == ["data"]
    event = Event.objects.get(name="interests.updated")
    assert (event.actor_id, event.props[action]) == (learner.pk, ["ai" if action == "add" else "data"])


def test_reset_brings_a_hidden_topic_back(client_for, learner):
    given_a_profile(learner)
    InterestOverride.objects.create(user=learner, topic=topic("data"), action=OverrideAction.HIDE)

    client_for(learner).post(URL, {"action": "reset", "topic": "data"})

    assert topic("data").pk in effective_interests([learner.pk])[learner.pk]
    assert not InterestOverride.objects.exists()


@pytest.mark.parametrize(
    "data", [{"action": "add", "topic": "no-such-topic"}, {"action": "explode", "topic": "data"}, {"action": "add"}]
)
def test_bad_input_is_a_form_error_and_changes_nothing(client_for, learner, data):
    response = client_for(learner).post(URL, data)

    assert response.status_code == 422
    assert response.context["form"].errors
    assert not InterestOverride.objects.exists()
    assert not Event.objects.filter(name="interests.updated").exists()


def test_the_forms_need_csrf(learner):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(learner)

    assert browser.post(URL, {"action": "add", "topic": "ai"}).status_code == 403
    assert not InterestOverride.objects.exists()


# --------------------------------------------------------------------------- API


def test_api_needs_authentication(api):
    assert api()("get", "/me/interests").status_code == 401
    assert api()("patch", "/me/interests", {"add": ["ai"]}).status_code == 401
    assert not InterestOverride.objects.exists()


def test_api_returns_only_my_profile(api, learner, outsider):
    given_a_profile(learner)
    InterestOverride.objects.create(user=outsider, topic=topic("finance"), action=OverrideAction.ADD)

    body = api(learner)("get", "/me/interests").json()

    assert [t["slug"] for t in body["topics"]] == ["data", "design"]
    assert body["topics"][0]["sources"] == {"survey": pytest.approx(1.0, abs=1e-3)}
    assert body["topics"][0]["reasons"] == ["from your needs survey (Beginner)"]
    assert body["hidden"] == []
    assert [t["slug"] for t in api(outsider)("get", "/me/interests").json()["topics"]] == ["finance"]


def test_api_patch_hides_adds_and_resets(api, learner):
    given_a_profile(learner)
    call = api(learner)

    response = call("patch", "/me/interests", {"hide": ["design"], "add": ["ai", "writing"]})

    assert response.status_code == 200
    body = response.json()
    assert {t["slug"] for t in body["topics"]} == {"ai", "data", "writing"}
    assert [t["slug"] for t in body["hidden"]] == ["design"]
    after = call("patch", "/me/interests", {"reset": ["design", "writing"]}).json()
    assert {t["slug"] for t in after["topics"]} == {"ai", "data", "design"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"hide": ["nope"]}, "hide"),
        ({"add": ["data", "unknown-topic"]}, "add"),
        ({"reset": ["x"]}, "reset"),
        ({"hide": ["data"], "add": ["data"]}, "add"),
        ({}, "topic"),
        ({"add": "data"}, "add"),
    ],
)
def test_api_patch_rejects_bad_input_with_the_field(api, learner, body, field):
    response = api(learner)("patch", "/me/interests", body)

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert not InterestOverride.objects.exists()


def test_reasons_follow_the_language(learner):
    from lyceum.recommendations.profile import interest_profile_for

    given_a_profile(learner)
    with override("zh-hans"):
        rows = interest_profile_for(user=learner).rows
        assert rows[0].topic.name == "数据分析"
        assert rows[0].reasons[0].startswith("来自你的需求调查")
