import pytest

from conftest import make_user
from lyceum.engagement.models import PointBalance
from lyceum.engagement.selectors import trust_level


@pytest.mark.parametrize(
    ("lifetime", "trust"), [(0, 0), (49, 0), (50, 1), (199, 1), (200, 2), (600, 3), (1499, 3), (1500, 4), (9000, 4)]
)
def test_trust_level_follows_the_level_from_lifetime_points(learner, lifetime, trust):
    PointBalance.objects.create(user=learner, balance=0, lifetime=lifetime)

    assert trust_level(learner) == trust


def test_a_member_without_points_is_a_newcomer(learner):
    assert trust_level(learner) == 0


def test_staff_count_as_the_highest_trust(moderator, operator):
    assert trust_level(moderator) == 4
    assert trust_level(operator) == 4


def test_anonymous_users_have_no_trust(db):
    from django.contrib.auth.models import AnonymousUser

    assert trust_level(AnonymousUser()) == 0
    assert trust_level(None) == 0


def test_an_instructor_is_not_staff_for_trust(db):
    teacher = make_user("teach@example.com", "instructor")

    assert trust_level(teacher) == 0


def test_trust_levels_for_many_members_agree_with_one_at_a_time(
    learner, outsider, moderator, django_assert_max_num_queries
):
    from lyceum.engagement.selectors import trust_levels

    PointBalance.objects.create(user=learner, balance=0, lifetime=650)
    newcomer = make_user("new@example.org")
    members = [learner, outsider, moderator, newcomer]

    with django_assert_max_num_queries(3):
        many = trust_levels({m.pk for m in members})

    assert many == {m.pk: trust_level(m) for m in members}
    assert many[learner.pk] == 3 and many[moderator.pk] == 4 and many[newcomer.pk] == 0
    assert trust_levels(set()) == {}
