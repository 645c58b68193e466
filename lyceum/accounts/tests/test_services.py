import io
import os

import pytest

from conftest import make_user, run_concurrently
from lyceum.accounts.models import LearnerProfile, Role, Topic
from lyceum.accounts.services import (
    SurveyAnswers,
    learner_profile_save,
    role_grant,
    token_authenticate,
    token_create,
    user_create,
    user_erase,
)
from lyceum.core.errors import PermissionDenied, ValidationFailed
from lyceum.core.models import Event


def test_user_create_gives_a_verified_email_and_roles(db):
    user = user_create(email=" New@Example.org ", display_name="New", password="pw-1234567890", roles=("instructor",))

    assert user.email == "new@example.org"
    assert user.roles == {Role.LEARNER, Role.INSTRUCTOR}
    assert user.emailaddress_set.get().verified
    assert Event.objects.filter(name="user.signed_up", actor=user).exists()


def test_user_create_refuses_a_duplicate_email_in_any_case(learner):
    with pytest.raises(ValidationFailed) as exc:
        user_create(email="LEARNER@EXAMPLE.ORG", display_name="Dup", password="pw-1234567890")

    assert exc.value.field == "email"


def test_only_operators_grant_roles(learner, outsider, operator):
    with pytest.raises(PermissionDenied):
        role_grant(actor=learner, user=outsider, role=Role.OPERATOR)
    assert Role.OPERATOR not in type(outsider).objects.get(pk=outsider.pk).roles

    role_grant(actor=operator, user=outsider, role=Role.MODERATOR)
    outsider.refresh_from_db()
    assert outsider.roles == {Role.LEARNER, Role.MODERATOR}


def test_operator_role_opens_the_admin(operator):
    assert operator.is_staff


def test_survey_for_someone_else_is_refused(learner, outsider):
    with pytest.raises(PermissionDenied):
        learner_profile_save(actor=learner, user=outsider, answers=SurveyAnswers([], {}, None, [], ""))

    assert not LearnerProfile.objects.filter(user=outsider).exists()


@pytest.mark.parametrize("hours", [True, 1.5, "3", 81])
def test_weekly_hours_must_be_a_whole_number_in_range(learner, hours):
    with pytest.raises(ValidationFailed) as exc:
        learner_profile_save(actor=learner, user=learner, answers=SurveyAnswers([], {}, hours, [], ""))

    assert exc.value.field == "weekly_hours"


def test_survey_completed_event_says_first_time_once(learner):
    answers = SurveyAnswers(["hobby"], {}, 1, [], "")
    learner_profile_save(actor=learner, user=learner, answers=answers)
    learner_profile_save(actor=learner, user=learner, answers=answers)

    firsts = [e.props["first_time"] for e in Event.objects.filter(name="survey.completed").order_by("id")]
    assert firsts == [True, False]


def test_expired_token_does_not_authenticate(learner):
    from datetime import timedelta

    from django.utils import timezone

    token, key = token_create(user=learner, name="short", expires_in_days=1)
    assert token_authenticate(key=key) == learner

    token.expires_at = timezone.now() - timedelta(seconds=1)
    token.save(update_fields=["expires_at"])
    assert token_authenticate(key=key) is None


def test_erase_someone_else_is_refused_for_non_operators(learner, outsider):
    with pytest.raises(PermissionDenied):
        user_erase(actor=learner, user=outsider)

    outsider.refresh_from_db()
    assert outsider.is_active and outsider.erased_at is None


def test_erase_is_idempotent(learner):
    user_erase(actor=learner, user=learner)
    email = type(learner).objects.get(pk=learner.pk).email

    user_erase(actor=learner, user=learner)

    assert type(learner).objects.get(pk=learner.pk).email == email
    assert Event.objects.filter(name="user.erased").count() == 1


def test_seed_demo_is_deterministic_and_idempotent(db):
    from django.core.management import call_command

    from lyceum.accounts.models import User

    call_command("seed_demo", users=12, seed=7, stdout=io.StringIO())
    first = sorted(User.objects.values_list("email", "display_name", "locale"))
    first_profiles = LearnerProfile.objects.count()
    first_events = Event.objects.count()

    call_command("seed_demo", users=12, seed=7, stdout=io.StringIO())

    assert sorted(User.objects.values_list("email", "display_name", "locale")) == first
    assert LearnerProfile.objects.count() == first_profiles
    assert Event.objects.count() == first_events
    role_accounts = {"operator", "instructor", "moderator", "learner"}
    own = [row for row in first if row[0].split("@")[0] in role_accounts or row[0].startswith("learner0")]
    assert len(own) == 16  # 4 role accounts + 12 learners; later apps' demos add people (instructors)
    assert {"operator@example.com", "instructor@example.com", "moderator@example.com", "learner@example.com"} <= {
        row[0] for row in first
    }
    assert User.objects.get(email="operator@example.com").has_role(Role.OPERATOR)
    assert any(any("\u4e00" <= ch <= "\u9fff" for ch in row[1]) for row in first)  # Chinese names
    assert any(row[1].isascii() for row in first)  # English names


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL: set DATABASE_URL"
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_survey_saves_leave_one_consistent_profile():
    # The topics come from a data migration; an earlier transactional test's flush may have emptied them.
    for slug in ("ai", "data", "design"):
        Topic.objects.get_or_create(slug=slug, defaults={"name_en": slug, "name_zh": slug})
    user = make_user("racer@example.org")
    answers = [
        SurveyAnswers(["exam"], {"ai": "advanced", "data": "advanced"}, 10, ["video"], "morning"),
        SurveyAnswers(["hobby"], {"design": "beginner"}, 2, ["text", "audio"], "night"),
    ]
    errors = run_concurrently(lambda i: learner_profile_save(actor=user, user=user, answers=answers[i]), len(answers))
    assert errors == []
    profile = LearnerProfile.objects.get(user=user)
    stored = (
        [g.goal for g in profile.goals.all()],
        {i.topic.slug: i.level for i in profile.interests.all()},
        profile.weekly_hours,
        sorted(f.format for f in profile.formats.all()),
        profile.study_time,
    )
    expected = [(a.goals, a.interests, a.weekly_hours, sorted(a.formats), a.study_time) for a in answers]
    assert stored in expected  # one whole answer wins; never a mix of both
