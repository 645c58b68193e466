import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from conftest import PASSWORD, make_user
from lyceum.accounts.models import LearnerProfile, Role, User
from lyceum.accounts.services import SurveyAnswers, learner_profile_save
from lyceum.core.models import Event


def _png(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "navy").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "path", ["/dashboard/", "/welcome/", "/settings/profile/", "/settings/privacy/", "/settings/tokens/"]
)
def test_personal_pages_need_sign_in(client, db, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_dashboard_invites_to_the_survey_until_answered(client_for, learner):
    client = client_for(learner)

    assert b"Answer the survey" in client.get("/dashboard/").content
    learner_profile_save(
        actor=learner, user=learner, answers=SurveyAnswers(["hobby"], {"design": "beginner"}, 3, ["text"], "")
    )
    page = client.get("/dashboard/").content.decode()
    assert "Answer the survey" not in page
    assert "Personal interest" in page


def test_survey_rejects_out_of_range_hours_and_keeps_previous_answers(client_for, learner):
    learner_profile_save(actor=learner, user=learner, answers=SurveyAnswers(["hobby"], {}, 3, [], ""))
    client = client_for(learner)

    response = client.post("/welcome/", {"goals": ["exam"], "weekly_hours": "500"})

    assert response.status_code == 200
    assert b"field-errors" in response.content
    profile = LearnerProfile.objects.get(user=learner)
    assert profile.weekly_hours == 3
    assert [g.goal for g in profile.goals.all()] == ["hobby"]


def test_survey_rejects_a_forged_choice(client_for, learner):
    client = client_for(learner)

    response = client.post("/welcome/", {"goals": ["world_domination"], "topic_data": "guru"})

    assert response.status_code == 200
    assert not LearnerProfile.objects.filter(user=learner).exists()


def test_avatar_upload_accepts_an_image(client_for, learner):
    client = client_for(learner)
    avatar = SimpleUploadedFile("me.png", _png(), content_type="image/png")

    response = client.post("/settings/profile/", {"display_name": "Lena", "timezone": "UTC", "avatar": avatar})

    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.avatar.name.startswith("avatars/")
    assert client.get(learner.avatar.url).status_code == 200


def test_replacing_an_avatar_deletes_the_old_file(client_for, learner, django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    client = client_for(learner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/settings/profile/",
            {
                "display_name": "Lena",
                "timezone": "UTC",
                "avatar": SimpleUploadedFile("a.png", _png(), content_type="image/png"),
            },
        )
    learner.refresh_from_db()
    first = learner.avatar.name
    assert default_storage.exists(first)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/settings/profile/",
            {
                "display_name": "Lena",
                "timezone": "UTC",
                "avatar": SimpleUploadedFile("b.png", _png(), content_type="image/png"),
            },
        )

    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.avatar.name != first and default_storage.exists(learner.avatar.name)
    assert not default_storage.exists(first)


def test_avatar_upload_refuses_a_program_named_png(client_for, learner):
    client = client_for(learner)
    fake = SimpleUploadedFile("me.png", b"MZ\x90\x00" + b"\x00" * 200, content_type="image/png")

    response = client.post("/settings/profile/", {"display_name": "Changed", "timezone": "UTC", "avatar": fake})

    assert response.status_code == 200
    learner.refresh_from_db()
    assert not learner.avatar
    assert learner.display_name == "Lena Learner"


def test_avatar_upload_refuses_an_oversize_image(client_for, learner, settings):
    settings.LYCEUM_MAX_AVATAR_BYTES = 1024
    client = client_for(learner)
    big = SimpleUploadedFile("big.png", _png((400, 400)) + b"\x00" * 2048, content_type="image/png")

    response = client.post("/settings/profile/", {"display_name": "Lena", "timezone": "UTC", "avatar": big})

    assert response.status_code == 200
    assert "larger than" in response.content.decode()
    learner.refresh_from_db()
    assert not learner.avatar


def test_profile_rejects_an_unknown_timezone_and_keeps_the_old_one(client_for, learner):
    client = client_for(learner)

    response = client.post("/settings/profile/", {"display_name": "Lena", "timezone": "Mars/Olympus"})

    assert response.status_code == 200
    learner.refresh_from_db()
    assert learner.timezone == "Asia/Shanghai"


def test_profile_bio_is_sanitised_when_shown(client_for, learner):
    client = client_for(learner)
    client.post(
        "/settings/profile/",
        {"display_name": "Lena", "timezone": "UTC", "bio": "<script>alert('x')</script>**hi**"},
    )

    page = client.get("/settings/profile/").content.decode()

    assert "<script>alert" not in page
    assert "<strong>hi</strong>" in page


def test_data_export_downloads_everything_about_me_and_nothing_about_others(client_for, learner, outsider):
    learner_profile_save(
        actor=learner, user=learner, answers=SurveyAnswers(["exam"], {"languages": "advanced"}, 4, ["audio"], "lunch")
    )
    client = client_for(learner)

    response = client.post("/settings/privacy/export/")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["account"]["email"] == learner.email
    assert data["learner_profile"]["goals"] == ["exam"]
    assert data["learner_profile"]["interests"] == {"languages": "advanced"}
    assert any(a["name"] == "survey.completed" for a in data["activity"])
    assert outsider.email not in response.content.decode()
    assert Event.objects.filter(name="user.data_exported", actor=learner).exists()


def test_data_export_is_post_only(client_for, learner):
    assert client_for(learner).get("/settings/privacy/export/").status_code == 405


def test_delete_account_needs_the_password_and_changes_nothing_without_it(client_for, learner):
    client = client_for(learner)

    response = client.post("/settings/privacy/delete/", {"password": "wrong", "confirm": "on"})

    assert response.status_code == 400
    learner.refresh_from_db()
    assert learner.is_active and learner.email == "learner@example.org"


def test_delete_account_erases_personal_data_and_signs_out(client_for, learner, api_token):
    learner_profile_save(actor=learner, user=learner, answers=SurveyAnswers(["exam"], {}, 4, [], ""))
    key = api_token(learner)
    events_before = Event.objects.filter(actor=learner).count()
    client = client_for(learner)

    response = client.post("/settings/privacy/delete/", {"password": PASSWORD, "confirm": "on"})

    assert response.status_code == 302
    user = User.objects.get(pk=learner.pk)
    assert not user.is_active
    assert user.erased_at is not None
    assert user.email != "learner@example.org" and user.email.endswith("@erased.invalid")
    assert user.display_name != "Lena Learner"
    assert not user.has_usable_password()
    assert not LearnerProfile.objects.filter(user=user).exists()
    assert not user.groups.exists()
    # Activity is kept for aggregates, tied to the anonymised row.
    assert Event.objects.filter(actor=user).count() == events_before + 1
    # Signed out, and API tokens no longer work.
    assert client.get("/dashboard/").status_code == 302
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401
    # The e-mail is free for a new sign-up.
    assert not User.objects.filter(email="learner@example.org").exists()


def test_needs_overview_is_for_operators_only(client, client_for, learner, instructor, operator):
    assert client.get("/operator/needs/").status_code == 302
    assert client_for(learner).get("/operator/needs/").status_code == 403
    assert client_for(instructor).get("/operator/needs/").status_code == 403
    assert client_for(operator).get("/operator/needs/").status_code == 200


def test_needs_overview_counts_answers_per_goal_topic_and_level(client_for, operator, django_assert_max_num_queries):
    for i, (goals, interests) in enumerate(
        [
            (["skill_up"], {"programming": "beginner", "data": "beginner"}),
            (["skill_up", "exam"], {"programming": "advanced"}),
            (["hobby"], {"design": "intermediate"}),
        ]
    ):
        user = make_user(f"l{i}@example.org")
        learner_profile_save(actor=user, user=user, answers=SurveyAnswers(goals, interests, 5, ["video"], ""))
    skipper = make_user("skipper@example.org")
    from lyceum.accounts.services import learner_profile_skip

    learner_profile_skip(user=skipper)
    client = client_for(operator)

    with django_assert_max_num_queries(20):
        response = client.get("/operator/needs/")

    summary = response.context["summary"]
    assert (summary["completed"], summary["skipped"]) == (3, 1)
    goals = {g["key"]: g["count"] for g in summary["goals"]}
    assert goals == {"career_change": 0, "skill_up": 2, "exam": 1, "hobby": 1}
    topics = {t["slug"]: t for t in summary["topics"]}
    assert topics["programming"]["total"] == 2
    assert topics["programming"]["levels"] == {"beginner": 1, "intermediate": 0, "advanced": 1}
    assert topics["design"]["levels"]["intermediate"] == 1


def test_needs_overview_query_count_does_not_grow_with_learners(client_for, operator, django_assert_max_num_queries):
    for i in range(30):
        user = make_user(f"many{i}@example.org")
        learner_profile_save(actor=user, user=user, answers=SurveyAnswers(["hobby"], {"ai": "beginner"}, 2, [], ""))
    client = client_for(operator)

    with django_assert_max_num_queries(20):
        assert client.get("/operator/needs/").status_code == 200


def test_staff_without_two_factor_are_sent_to_set_it_up(client_for, db):
    from lyceum.accounts.services import user_create

    staff = user_create(email="new-op@example.org", display_name="New Op", password=PASSWORD, roles=(Role.OPERATOR,))
    client = client_for(staff)

    response = client.get("/dashboard/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    assert client.get("/api/v1/me").json()["code"] == "mfa_required"
    setup = client.get("/accounts/2fa/totp/activate/", follow=True)
    assert setup.status_code == 200  # reachable (after confirming the password), not a redirect loop


def test_learners_are_not_forced_into_two_factor(client_for, learner):
    assert client_for(learner).get("/dashboard/").status_code == 200


def test_tokens_page_creates_and_revokes_only_my_tokens(client_for, learner, outsider):
    from lyceum.accounts.services import token_create

    theirs, _ = token_create(user=outsider, name="theirs")
    client = client_for(learner)

    created = client.post("/settings/tokens/", {"name": "laptop"})
    assert created.status_code == 200
    assert created.context["new_key"].startswith("lyc_")
    mine = learner.api_tokens.get()
    assert mine.name == "laptop"

    client.post("/settings/tokens/", {"revoke": str(theirs.pk)})
    theirs.refresh_from_db()
    assert theirs.revoked_at is None

    client.post("/settings/tokens/", {"revoke": str(mine.pk)})
    mine.refresh_from_db()
    assert mine.revoked_at is not None


def test_language_choice_is_remembered_on_the_profile(client_for, learner):
    client = client_for(learner)

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/dashboard/"})

    learner.refresh_from_db()
    assert learner.locale == "zh-hans"
    assert Event.objects.filter(name="user.locale_changed", actor=learner).exists()
