"""Live event pages: list and detail visibility, RSVP, the meeting link, host tools,
forms with field errors, time zones, hooks on the home and course pages, query budgets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from lyceum.community.models import EventAudience, EventKind, EventStatus, LiveEvent, Registration, RegistrationStatus
from lyceum.community.services import events as services
from lyceum.core.models import Event
from lyceum.learning.tests.factories import make_course

from .test_events_helpers import enroll, make_event, plans_via_hook

pytestmark = pytest.mark.django_db

SECRET = "https://meet.example.net/secret-room-42"


@pytest.fixture
def plans(monkeypatch):
    return plans_via_hook(monkeypatch)


@pytest.fixture
def course(instructor):
    return make_course(instructor=instructor, title="Data analysis 数据分析")


@pytest.fixture
def trio(instructor, course):
    free = make_event(instructor, title="Open lecture", slug="open-lecture")
    members = make_event(instructor, title="Pro seminar", slug="pro-seminar", audience=EventAudience.MEMBERS,
                         access_plans=["pro"], kind=EventKind.SEMINAR)  # fmt: skip
    enrolled = make_event(instructor, title="Enrolled clinic", slug="course-qa", audience=EventAudience.ENROLLED,
                          course=course, kind=EventKind.COURSE_QA)  # fmt: skip
    return free, members, enrolled


# --- list and detail visibility ---------------------------------------------------------------------


def test_visitors_browse_free_and_members_events_but_not_enrolled_only(client, trio):
    response = client.get(reverse("events:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Open lecture" in html and "Pro seminar" in html and "Enrolled clinic" not in html
    assert client.get(reverse("events:detail", args=["open-lecture"])).status_code == 200
    assert client.get(reverse("events:detail", args=["pro-seminar"])).status_code == 200
    assert client.get(reverse("events:detail", args=["course-qa"])).status_code == 404
    assert client.get(reverse("events:ics", args=["course-qa"])).status_code == 404
    page = client.get(reverse("events:detail", args=["open-lecture"])).content.decode()
    assert "Sign in to register" in page and SECRET not in page


def test_enrolled_learners_see_the_course_session(client_for, learner, outsider, course, trio):
    enroll(learner, course)
    assert "Enrolled clinic" in client_for(learner).get(reverse("events:list")).content.decode()
    assert "Enrolled clinic" not in client_for(outsider).get(reverse("events:list")).content.decode()
    assert client_for(outsider).get(reverse("events:detail", args=["course-qa"])).status_code == 404
    assert client_for(learner).get(reverse("events:detail", args=["course-qa"])).status_code == 200


def test_list_filters_by_kind_course_and_past(client, instructor, course):
    make_event(instructor, title="Upcoming seminar", kind=EventKind.SEMINAR)
    make_event(instructor, title="Tuesday drop-in", kind=EventKind.OFFICE_HOURS, course=course)
    make_event(instructor, title="Old lecture", starts_in=-timedelta(days=3), recording_url="https://v.example.net/1")
    make_event(instructor, title="Called off", status=EventStatus.CANCELLED)
    html = client.get(reverse("events:list") + "?kind=seminar").content.decode()
    assert "Upcoming seminar" in html and "Tuesday drop-in" not in html
    html = client.get(reverse("events:list") + f"?course={course.slug}").content.decode()
    assert "Tuesday drop-in" in html and "Upcoming seminar" not in html and "Sessions of the course" in html
    html = client.get(reverse("events:list") + "?when=past").content.decode()
    assert "Old lecture" in html and "Recording available" in html and "Upcoming seminar" not in html
    html = client.get(reverse("events:list") + "?kind=<script>&when=nope&course=x'y").content.decode()
    assert "Upcoming seminar" in html and "Called off" not in html and "<script>" not in html


# --- RSVP and the meeting link -------------------------------------------------------------------------


def test_meeting_link_only_for_registered_attendees_hosts_and_staff(client_for, learner, outsider, instructor,
                                                                    moderator, trio):  # fmt: skip
    free = trio[0]
    for user in (learner, outsider):
        assert SECRET not in client_for(user).get(reverse("events:detail", args=[free.slug])).content.decode()
        assert SECRET.encode() not in client_for(user).get(reverse("events:ics", args=[free.slug])).content
    response = client_for(learner).post(reverse("events:register", args=[free.slug]))
    assert response.status_code == 302
    page = client_for(learner).get(reverse("events:detail", args=[free.slug])).content.decode()
    assert SECRET in page and "re registered" in page
    assert SECRET.encode() in client_for(learner).get(reverse("events:ics", args=[free.slug])).content
    assert SECRET not in client_for(outsider).get(reverse("events:detail", args=[free.slug])).content.decode()
    host_page = client_for(instructor).get(reverse("events:detail", args=[free.slug])).content.decode()
    assert SECRET in host_page and "hosting this event" in host_page and "Host tools" in host_page
    assert SECRET in client_for(moderator).get(reverse("events:detail", args=[free.slug])).content.decode()


def test_waitlisted_people_see_their_place_but_no_link(client_for, instructor, learner, outsider):
    event = make_event(instructor, capacity=1)
    client_for(learner).post(reverse("events:register", args=[event.slug]))
    client_for(outsider).post(reverse("events:register", args=[event.slug]))
    page = client_for(outsider).get(reverse("events:detail", args=[event.slug])).content.decode()
    assert "#1 on the waitlist" in page and SECRET not in page and "Leave the waitlist" in page
    client_for(learner).post(reverse("events:cancel-registration", args=[event.slug]))
    page = client_for(outsider).get(reverse("events:detail", args=[event.slug])).content.decode()
    assert SECRET in page
    assert Registration.objects.get(user=outsider).status == RegistrationStatus.REGISTERED


def test_rsvp_needs_sign_in_and_the_right_standing(client, client_for, learner, outsider, trio, plans):
    free, members, enrolled = trio
    response = client.post(reverse("events:register", args=[free.slug]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client_for(outsider).post(reverse("events:register", args=[members.slug]))
    assert response.status_code == 403 and "for members" in response.content.decode()
    assert client_for(outsider).post(reverse("events:register", args=[enrolled.slug])).status_code == 404
    assert not Registration.objects.exists()
    plans[learner.pk] = {"pro"}
    assert client_for(learner).post(reverse("events:register", args=[members.slug])).status_code == 302
    assert Registration.objects.get(user=learner).status == RegistrationStatus.REGISTERED
    assert client_for(learner).get(reverse("events:register", args=[members.slug])).status_code == 405


def test_members_event_page_invites_non_members_to_join(client_for, outsider, trio):
    page = client_for(outsider).get(reverse("events:detail", args=["pro-seminar"])).content.decode()
    assert "This event is for members" in page and SECRET not in page


# --- times in the viewer's zone -----------------------------------------------------------------------


def test_times_show_in_the_viewer_zone_with_the_host_zone_noted(client_for, instructor):
    start = datetime(2031, 6, 10, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai, 14:00 in Berlin (summer)
    LiveEvent.objects.create(slug="tz", title="TZ", starts_at=start, ends_at=start + timedelta(hours=1),
                             timezone="Asia/Shanghai")  # fmt: skip
    viewer = make_user("berlin@example.org")
    type(viewer).objects.filter(pk=viewer.pk).update(timezone="Europe/Berlin")
    page = client_for(viewer).get(reverse("events:detail", args=["tz"])).content.decode()
    assert "14:00" in page and "Europe/Berlin" in page
    assert "20:00" in page and "Asia/Shanghai" in page
    shanghai = make_user("sh@example.org")
    type(shanghai).objects.filter(pk=shanghai.pk).update(timezone="Asia/Shanghai")
    page = client_for(shanghai).get(reverse("events:detail", args=["tz"])).content.decode()
    assert "20:00" in page and 'data-testid="host-time"' not in page
    singapore = make_user("sg@example.org")  # another zone with the same offset: nothing to add
    type(singapore).objects.filter(pk=singapore.pk).update(timezone="Asia/Singapore")
    page = client_for(singapore).get(reverse("events:detail", args=["tz"])).content.decode()
    assert "20:00" in page and "Asia/Singapore" in page and 'data-testid="host-time"' not in page


# --- create and edit pages --------------------------------------------------------------------------------


def _form(course=None, **overrides):
    day = (timezone.now() + timedelta(days=4)).date()
    data = {
        "title": "Pandas office hours",
        "kind": "office_hours",
        "course": course.pk if course else "",
        "timezone": "Asia/Shanghai",
        "starts_at": f"{day.isoformat()}T20:00",
        "ends_at": f"{day.isoformat()}T21:00",
        "capacity": "20",
        "audience": "free",
        "access_plans": "",
        "meeting_url": "https://meet.example.net/pandas",
        "description": "Bring your notebooks.",
        "hosts": "",
    }
    data.update(overrides)
    return data


def test_instructor_schedules_an_event_from_the_form(client_for, instructor, course):
    client = client_for(instructor)
    assert client.get(reverse("events:new")).status_code == 200
    response = client.post(reverse("events:new"), _form(course))
    assert response.status_code == 302, response.content.decode()[:2000]
    event = LiveEvent.objects.get()
    assert response["Location"] == reverse("events:detail", args=[event.slug])
    assert event.starts_at.astimezone(UTC).hour == 12 and list(event.hosts.all()) == [instructor]
    assert Event.objects.filter(name="event.created").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "This field is required"),
        ({"starts_at": "tomorrow-ish"}, "starts_at", "Enter a date and time"),
        ({"ends_at": "2000-01-01T10:00"}, "ends_at", "end after it starts"),
        ({"capacity": "0"}, "capacity", "greater than or equal to 1"),
        ({"meeting_url": "javascript:alert(1)"}, "meeting_url", "http:// or https://"),
        ({"audience": "members", "access_plans": "Pro Plan!"}, "access_plans", "not a valid plan"),
        ({"hosts": "nobody@example.org"}, "hosts", "No account"),
        ({"timezone": "Mars/Base"}, "timezone", "Select a valid choice"),
    ],
)
def test_form_errors_name_the_field(client_for, instructor, course, overrides, field, message):
    response = client_for(instructor).post(reverse("events:new"), _form(course, **overrides))
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors and message in " ".join(form.errors[field])
    assert not LiveEvent.objects.exists()


def test_learners_cannot_open_the_host_pages(client_for, learner, instructor):
    event = make_event(instructor)
    client = client_for(learner)
    assert client.get(reverse("events:new")).status_code == 403
    assert client.get(reverse("events:edit", args=[event.slug])).status_code == 403
    assert client.get(reverse("events:attendance", args=[event.slug])).status_code == 403
    assert client.post(reverse("events:cancel", args=[event.slug])).status_code == 403
    assert LiveEvent.objects.get().status == EventStatus.SCHEDULED


def test_host_edits_and_cancels(client_for, instructor, course, learner):
    client = client_for(instructor)
    client.post(reverse("events:new"), _form(course))
    event = LiveEvent.objects.get()
    page = client.get(reverse("events:edit", args=[event.slug]))
    assert page.status_code == 200 and 'value="Pandas office hours"' in page.content.decode()
    assert "T20:00" in page.content.decode()  # shown in the host's zone, as entered
    response = client.post(reverse("events:edit", args=[event.slug]), _form(course, title="Pandas clinic"))
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.title == "Pandas clinic"
    client_for(learner).post(reverse("events:register", args=[event.slug]))
    client.post(reverse("events:cancel", args=[event.slug]))
    event.refresh_from_db()
    assert event.status == EventStatus.CANCELLED
    page = client_for(learner).get(reverse("events:detail", args=[event.slug])).content.decode()
    assert "This event was cancelled" in page and "Join the meeting" not in page


def test_attendance_and_recording_page(client_for, instructor, learner, outsider):
    event = make_event(instructor, starts_in=-timedelta(minutes=30), hours=2)
    Registration.objects.create(event=event, user=learner, status=RegistrationStatus.REGISTERED)
    Registration.objects.create(event=event, user=outsider, status=RegistrationStatus.REGISTERED)
    client = client_for(instructor)
    page = client.get(reverse("events:attendance", args=[event.slug]))
    assert page.status_code == 200 and learner.email in page.content.decode()
    url = reverse("events:attendance", args=[event.slug])
    response = client.post(url, {"action": "attendance", "attended": [str(learner.pk)]})
    assert response.status_code == 302
    assert Registration.objects.get(user=learner).attended_at is not None
    assert Registration.objects.get(user=outsider).attended_at is None
    bad = client.post(url, {"action": "recording", "recording_url": "file:///etc/passwd"})
    assert bad.status_code == 200 and "recording_url" in bad.context["recording_form"].errors
    client.post(url, {"action": "recording", "recording_url": "https://v.example.net/r"})
    event.refresh_from_db()
    assert event.recording_url == "https://v.example.net/r"
    assert Event.objects.filter(name="event.recording_added").count() == 1
    assert client.post(reverse("events:attendance", args=[event.slug]), {"attended": ["x"]}).status_code == 200


# --- hooks on the home and course pages -----------------------------------------------------------------


def test_home_page_lists_the_next_events(client, client_for, learner, course, trio):
    html = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="home-events"' in html and "Open lecture" in html and "Enrolled clinic" not in html
    enroll(learner, course)
    assert "Enrolled clinic" in client_for(learner).get(reverse("core:home")).content.decode()


def test_home_page_without_events_shows_no_section(client, db):
    assert 'data-testid="home-events"' not in client.get(reverse("core:home")).content.decode()


def test_course_page_lists_its_sessions(client, client_for, learner, instructor, course, trio):
    make_event(instructor, title="Weekly drop-in", course=course, kind=EventKind.OFFICE_HOURS)
    html = client.get(reverse("learning:course-detail", args=[course.slug])).content.decode()
    assert 'data-testid="course-events"' in html and "Weekly drop-in" in html and "Enrolled clinic" not in html
    enroll(learner, course)
    html = client_for(learner).get(reverse("learning:course-detail", args=[course.slug])).content.decode()
    assert "Enrolled clinic" in html and "Weekly drop-in" in html


# --- query budgets ---------------------------------------------------------------------------------------


def _crowd(instructor, course, n):
    for i in range(n):
        event = make_event(instructor, course=course if i % 2 else None, capacity=5 + i)
        event.hosts.add(make_user(f"cohost{n}-{i}@example.org", "instructor"))
        for j in range(2):
            Registration.objects.create(event=event, user=make_user(f"att{n}-{i}-{j}@example.org"),
                                        status=RegistrationStatus.REGISTERED)  # fmt: skip


def _count_queries(client, url, django_assert_max_num_queries, limit):
    client.get(url)  # warm: the viewer's standing and roles come from the cache after the first page
    with django_assert_max_num_queries(limit) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_and_detail_queries_stay_flat(client_for, learner, instructor, course, django_assert_max_num_queries):
    enroll(learner, course)
    client = client_for(learner)
    _crowd(instructor, course, 2)
    small = _count_queries(client, reverse("events:list"), django_assert_max_num_queries, 30)
    _crowd(instructor, course, 12)
    large = _count_queries(client, reverse("events:list"), django_assert_max_num_queries, 30)
    assert large == small
    event = LiveEvent.objects.order_by("pk").last()
    Registration.objects.create(event=event, user=learner, status=RegistrationStatus.REGISTERED)
    one = _count_queries(client, reverse("events:detail", args=[event.slug]), django_assert_max_num_queries, 30)
    for k in range(6):
        Registration.objects.create(event=event, user=make_user(f"more{k}@example.org"),
                                    status=RegistrationStatus.WAITLISTED, waitlisted_at=timezone.now())  # fmt: skip
        event.hosts.add(make_user(f"host-more{k}@example.org", "instructor"))
    many = _count_queries(client, reverse("events:detail", args=[event.slug]), django_assert_max_num_queries, 30)
    assert many == one
    home_small = _count_queries(client, reverse("core:home"), django_assert_max_num_queries, 30)
    _crowd(instructor, course, 3)
    assert _count_queries(client, reverse("core:home"), django_assert_max_num_queries, 30) == home_small


def test_attendance_page_queries_stay_flat(client_for, instructor, django_assert_max_num_queries):
    event = make_event(instructor, starts_in=-timedelta(minutes=5))
    client = client_for(instructor)
    url = reverse("events:attendance", args=[event.slug])
    Registration.objects.create(event=event, user=make_user("a0@example.org"), status=RegistrationStatus.REGISTERED)
    first = _count_queries(client, url, django_assert_max_num_queries, 30)
    for i in range(1, 10):
        Registration.objects.create(event=event, user=make_user(f"a{i}@example.org"),
                                    status=RegistrationStatus.REGISTERED)  # fmt: skip
    assert _count_queries(client, url, django_assert_max_num_queries, 30) == first


def test_a_fresh_client_session_is_anonymous(db):
    assert Client().get(reverse("events:calendar")).status_code == 302
    assert services  # the module imports cleanly next to the views


def test_hooks_cost_one_query_when_there_is_nothing_to_show(learner, course, django_assert_num_queries):
    from lyceum.community.selectors.events import upcoming_events_for_course_page, upcoming_events_for_home

    learner.roles  # noqa: B018 - the role lookup belongs to the page, not the hook
    with django_assert_num_queries(1):
        assert upcoming_events_for_course_page(course=course, user=learner) == []
    with django_assert_num_queries(1):
        assert upcoming_events_for_home(user=learner) == []


def test_titles_and_descriptions_cannot_inject_markup(client, client_for, operator):
    start = timezone.now() + timedelta(days=2)
    event = services.event_create(
        actor=operator, title='<script>alert("t")</script> Talk', starts_at=start, ends_at=start + timedelta(hours=1),
        timezone_name="Asia/Shanghai", description='Hi <img src=x onerror="alert(1)"> [x](javascript:alert(2))',
    )  # fmt: skip
    for url in (reverse("events:list"), reverse("events:detail", args=[event.slug]), reverse("core:home")):
        html = client.get(url).content.decode()
        assert '<script>alert("t")' not in html and "&lt;script&gt;" in html
        assert "onerror" not in html and "javascript:alert" not in html
