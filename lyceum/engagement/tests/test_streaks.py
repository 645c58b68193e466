"""Study days and streaks in the member's own time zone."""

from datetime import UTC, date, datetime, timedelta

import pytest

from conftest import make_user
from lyceum.engagement import selectors, services
from lyceum.engagement.models import BadgeAward, StudyDay
from lyceum.learning.services import enrollment_create, lesson_view_record
from lyceum.learning.tests.factories import make_course


def member_in(email, tz):
    user = make_user(email)
    user.timezone = tz
    user.save(update_fields=["timezone"])
    return user


def test_the_same_instants_are_different_local_days_in_shanghai_and_los_angeles(db):
    shanghai = member_in("sh@example.com", "Asia/Shanghai")
    los_angeles = member_in("la@example.com", "America/Los_Angeles")
    # 2026-03-10 15:00 UTC is 23:00 in Shanghai (the 10th) and 08:00 in Los Angeles (the 10th);
    # 2026-03-11 17:00 UTC is 01:00 on the 12th in Shanghai and 10:00 on the 11th in Los Angeles.
    instants = [datetime(2026, 3, 10, 15, tzinfo=UTC), datetime(2026, 3, 11, 17, tzinfo=UTC)]
    for at in instants:
        services.study_day_record(user=shanghai, at=at)
        services.study_day_record(user=los_angeles, at=at)
    now = datetime(2026, 3, 11, 18, tzinfo=UTC)  # the 12th in Shanghai, the 11th in Los Angeles

    assert set(StudyDay.objects.filter(user=shanghai).values_list("day", flat=True)) == {
        date(2026, 3, 10), date(2026, 3, 12),
    }  # fmt: skip
    assert selectors.streak_for(user=shanghai, now=now).current == 1  # the 11th was missed
    assert selectors.streak_for(user=los_angeles, now=now).current == 2  # the 10th and the 11th


def test_a_missed_day_breaks_the_streak_but_today_not_yet_done_keeps_it(learner):
    base = datetime(2026, 5, 1, 4, tzinfo=UTC)  # noon in Shanghai
    for offset in (0, 1, 2, 4, 5):
        services.study_day_record(user=learner, at=base + timedelta(days=offset))

    on_sixth = selectors.streak_for(user=learner, now=base + timedelta(days=5))
    on_seventh = selectors.streak_for(user=learner, now=base + timedelta(days=6))
    on_eighth = selectors.streak_for(user=learner, now=base + timedelta(days=7))

    assert (on_sixth.current, on_sixth.longest, on_sixth.studied_today) == (2, 3, True)
    assert (on_seventh.current, on_seventh.studied_today) == (2, False)  # today may still come
    assert on_eighth.current == 0


def test_recording_a_day_twice_counts_it_once(learner):
    at = datetime(2026, 5, 1, 4, tzinfo=UTC)
    services.study_day_record(user=learner, at=at)
    services.study_day_record(user=learner, at=at + timedelta(hours=1))

    assert StudyDay.objects.filter(user=learner).count() == 1


def test_viewing_a_lesson_makes_a_study_day(learner, run_events):
    course = make_course(lessons=1)
    enrollment_create(user=learner, course=course, source="free")
    with run_events():
        lesson_view_record(user=learner, lesson=course.lessons.first())

    assert StudyDay.objects.filter(user=learner).count() == 1


def test_seven_days_in_a_row_earn_the_streak_badge(learner, run_events):
    start = datetime(2026, 5, 1, 4, tzinfo=UTC)
    with run_events():
        for offset in range(7):
            services.daily_checkin(actor=learner, at=start + timedelta(days=offset))

    assert BadgeAward.objects.filter(user=learner, badge="streak_7").count() == 1


def test_six_days_do_not(learner, run_events):
    start = datetime(2026, 5, 1, 4, tzinfo=UTC)
    with run_events():
        for offset in range(6):
            services.daily_checkin(actor=learner, at=start + timedelta(days=offset))

    assert not BadgeAward.objects.filter(user=learner, badge="streak_7").exists()


@pytest.mark.parametrize("tz", ["Asia/Shanghai", "America/Los_Angeles"])
def test_the_heatmap_covers_26_weeks_ending_today_in_the_members_zone(db, tz):
    member = member_in(f"heat-{tz[:4].lower()}@example.com", tz)
    now = datetime(2026, 6, 10, 3, tzinfo=UTC)  # Wed 11:00 in Shanghai; Tue 20:00 on the 9th in LA
    services.study_day_record(user=member, at=now)
    services.points_award(user=member, action="daily_checkin", source_key="day:x", at=now)

    heat = selectors.heatmap_for(user=member, now=now)

    cells = [cell for week in heat.weeks for cell in week]
    assert len(heat.weeks) == 26 and all(len(week) == 7 for week in heat.weeks)
    today = date(2026, 6, 10) if tz == "Asia/Shanghai" else date(2026, 6, 9)
    studied = [cell for cell in cells if cell.studied]
    assert [(c.day, c.points) for c in studied] == [(today, 5)]
    assert all(cell.future for cell in cells if cell.day > today)
    assert heat.active_days == 1
