"""The whole walk: sign up -> verify e-mail -> needs survey -> profile edit."""

import re

from django.core import mail

from lyceum.accounts.models import LearnerProfile, Role, User
from lyceum.core.models import Event

SIGNUP = {
    "display_name": "Mei 美",
    "email": "Mei@Example.org",
    "password1": "a-long-and-unusual-passphrase",
    "password2": "a-long-and-unusual-passphrase",
}


def _confirmation_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_sign_up_verify_survey_and_edit_profile(client, db):
    # Sign up: account created as a learner, not signed in until the e-mail is verified.
    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 302
    user = User.objects.get(email="mei@example.org")
    assert user.display_name == "Mei 美"
    assert user.roles == {Role.LEARNER}
    assert Event.objects.filter(name="user.signed_up", actor=user).count() == 1
    assert len(mail.outbox) == 1
    assert client.get("/dashboard/").status_code == 302  # not signed in yet

    # Verify: the link from the e-mail confirms and signs in, then the survey comes first.
    link = _confirmation_link(mail.outbox[0])
    response = client.post(link)
    assert response.status_code == 302
    assert response["Location"] == "/welcome/"
    assert Event.objects.filter(name="user.email_verified", actor=user).exists()
    assert Event.objects.filter(name="user.signed_in", actor=user).exists()

    # Survey.
    page = client.get("/welcome/")
    assert page.status_code == 200
    assert b"What do you want to learn?" in page.content
    response = client.post(
        "/welcome/",
        {
            "goals": ["career_change", "skill_up"],
            "topic_programming": "beginner",
            "topic_data": "intermediate",
            "formats": ["video", "live"],
            "weekly_hours": "6",
            "study_time": "evening",
        },
    )
    assert response.status_code == 302
    profile = LearnerProfile.objects.get(user=user)
    assert profile.completed_at is not None
    assert sorted(g.goal for g in profile.goals.all()) == ["career_change", "skill_up"]
    assert {i.topic.slug: i.level for i in profile.interests.all()} == {
        "programming": "beginner",
        "data": "intermediate",
    }
    assert sorted(f.format for f in profile.formats.all()) == ["live", "video"]
    assert (profile.weekly_hours, profile.study_time) == (6, "evening")
    assert Event.objects.filter(name="survey.completed", actor=user).count() == 1

    # Later edit of the survey replaces the answers.
    client.post("/welcome/", {"goals": ["exam"], "topic_ai": "advanced", "weekly_hours": "2"})
    profile.refresh_from_db()
    assert [g.goal for g in profile.goals.all()] == ["exam"]
    assert {i.topic.slug: i.level for i in profile.interests.all()} == {"ai": "advanced"}
    assert list(profile.formats.all()) == []

    # Profile edit.
    response = client.post(
        "/settings/profile/",
        {"display_name": "Mei Lin", "bio": "I *love* data", "locale": "zh-hans", "timezone": "Asia/Shanghai"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.bio, user.locale) == ("Mei Lin", "I *love* data", "zh-hans")
    page = client.get("/settings/profile/")
    assert "<em>love</em>" in page.content.decode()


def test_sign_in_goes_to_the_survey_until_it_is_answered_or_skipped(client, learner):
    from conftest import PASSWORD

    response = client.post("/accounts/login/", {"login": learner.email, "password": PASSWORD})
    assert response["Location"] == "/welcome/"

    client.post("/welcome/skip/")
    client.post("/accounts/logout/")
    response = client.post("/accounts/login/", {"login": learner.email, "password": PASSWORD})
    assert response["Location"] == "/dashboard/"
    assert LearnerProfile.objects.get(user=learner).skipped_at is not None


def test_sign_up_with_an_existing_email_in_other_case_creates_no_second_account(client, learner):
    data = {**SIGNUP, "email": "LEARNER@example.org"}

    client.post("/accounts/signup/", data)

    assert User.objects.filter(email__iexact="learner@example.org").count() == 1


def test_sign_up_form_errors_are_shown_not_500(client, db):
    response = client.post("/accounts/signup/", {"email": "not-an-email", "password1": "x", "password2": "y"})

    assert response.status_code == 200
    assert User.objects.count() == 0
    assert b"errorlist" in response.content or b"field-errors" in response.content


def test_repeated_failed_sign_ins_are_rate_limited(client, learner):
    from conftest import PASSWORD

    for _ in range(5):
        response = client.post("/accounts/login/", {"login": learner.email, "password": "wrong-password"})
        assert response.status_code == 200

    # Even the right password is refused while the account is cooling down.
    response = client.post("/accounts/login/", {"login": learner.email, "password": PASSWORD})

    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert client.get("/dashboard/").status_code == 302


def test_password_reset_sends_a_link(client, learner):
    response = client.post("/accounts/password/reset/", {"email": learner.email})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_password_change_requires_the_old_password(client_for, learner):
    from conftest import PASSWORD

    client = client_for(learner)
    bad = client.post(
        "/accounts/password/change/",
        {"oldpassword": "nope", "password1": "another-long-passphrase", "password2": "another-long-passphrase"},
    )
    assert bad.status_code == 200
    learner.refresh_from_db()
    assert learner.check_password(PASSWORD)

    good = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "another-long-passphrase", "password2": "another-long-passphrase"},
    )
    assert good.status_code == 302
    learner.refresh_from_db()
    assert learner.check_password("another-long-passphrase")


def test_password_errors_are_in_chinese_for_chinese_visitors(client, db):
    response = client.post(
        "/accounts/signup/",
        {"display_name": "美", "email": "mei@example.org", "password1": "short", "password2": "short"},
        HTTP_ACCEPT_LANGUAGE="zh-CN",
    )

    assert response.status_code == 200
    assert "密码太短，至少需要 10 个字符。" in response.content.decode()
    assert not User.objects.filter(email="mei@example.org").exists()
