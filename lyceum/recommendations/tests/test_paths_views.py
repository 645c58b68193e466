"""Learning-path pages: permissions, forms, query budgets, Chinese rendering."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from lyceum.recommendations import services_paths as svc
from lyceum.recommendations.models import CuratedPath, LearningPath, PathStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def curated(operator, chain):
    return svc.curated_path_save(actor=operator, title="Become an analyst", course_ids=[chain[1].pk])


def test_path_list_shows_curated_paths_and_the_form(client_for, learner, curated):
    response = client_for(learner).get("/paths/")
    assert response.status_code == 200
    assert "Become an analyst" in response.content.decode()
    assert Client().get("/paths/").status_code == 200


def test_plan_form_starts_a_path(client_for, learner, chain):
    response = client_for(learner).post("/paths/", {"course": chain[1].pk, "weekly_minutes": 90})
    assert response.status_code == 302 and response["Location"] == "/me/path/"
    path = LearningPath.objects.get(user=learner)
    assert path.weekly_minutes == 90 and path.goal == f"course:{chain[1].pk}"


@pytest.mark.parametrize(
    "data",
    [{}, {"course": "999999"}, {"course": "abc"}, {"topic": "nope", "level": "beginner"}, {"weekly_minutes": "-3"}],
)
def test_plan_form_bad_input_is_a_form_error(client_for, learner, chain, data):
    response = client_for(learner).post("/paths/", data)
    assert response.status_code == 422
    assert response.context["form"].errors
    assert not LearningPath.objects.exists()


def test_topic_without_courses_at_level_is_a_form_error(client_for, learner, chain):
    from lyceum.accounts.models import Topic

    Topic.objects.get_or_create(slug="data", defaults={"name_en": "Data", "name_zh": "数据"})
    response = client_for(learner).post("/paths/", {"topic": "data", "level": "advanced"})
    assert response.status_code == 422
    assert response.context["form"].errors
    assert not LearningPath.objects.exists()


def test_anonymous_post_goes_to_sign_in(chain, curated):
    assert Client().post("/paths/", {"course": chain[1].pk}).status_code == 302
    assert Client().post(f"/paths/{curated.slug}/", {}).status_code == 302
    assert not LearningPath.objects.exists()


def test_curated_detail_and_start(client_for, learner, curated):
    client = client_for(learner)
    page = client.get(f"/paths/{curated.slug}/")
    assert page.status_code == 200 and "Start this path" in page.content.decode()
    response = client.post(f"/paths/{curated.slug}/", {"weekly_minutes": ""})
    assert response.status_code == 302
    assert LearningPath.objects.get(user=learner).goal == f"curated:{curated.slug}"
    assert "You are following this path." in client.get(f"/paths/{curated.slug}/").content.decode()


def test_unpublished_curated_path_is_404_for_learners(client_for, learner, operator, curated):
    curated.is_published = False
    curated.save()
    assert client_for(learner).get(f"/paths/{curated.slug}/").status_code == 404
    assert client_for(operator).get(f"/paths/{curated.slug}/").status_code == 200
    assert client_for(learner).get("/paths/no-such/").status_code == 404


def test_my_path_needs_sign_in_and_shows_the_plan(client_for, learner, chain):
    assert Client().get("/me/path/").status_code == 302
    assert client_for(learner).get("/me/path/").status_code == 200  # none yet: an empty state
    svc.path_start(user=learner, goal=f"course:{chain[1].pk}", weekly_minutes=120)
    body = client_for(learner).get("/me/path/").content.decode()
    assert "Basics" in body and "Analysis" in body and "Week 3" in body


def test_my_path_query_budget(client_for, learner, chain, django_assert_max_num_queries):
    svc.path_start(user=learner, goal=f"course:{chain[1].pk}", weekly_minutes=120)
    client = client_for(learner)
    with django_assert_max_num_queries(8):
        assert client.get("/me/path/").status_code == 200


def test_budget_form_replans_and_rejects_bad_input(client_for, learner, chain):
    path = svc.path_start(user=learner, goal=f"course:{chain[1].pk}", weekly_minutes=120)
    client = client_for(learner)
    for bad in ["", "abc", "5", "999999"]:
        response = client.post("/me/path/", {"action": "budget", "weekly_minutes": bad})
        assert response.status_code == 422
    path.refresh_from_db()
    assert path.weekly_minutes == 120 and path.replanned_at is None
    assert client.post("/me/path/", {"action": "budget", "weekly_minutes": "300"}).status_code == 302
    path.refresh_from_db()
    assert path.weekly_minutes == 300 and path.plan["total_weeks"] == 1


def test_stop_button(client_for, learner, chain):
    path = svc.path_start(user=learner, goal=f"course:{chain[1].pk}")
    assert client_for(learner).post("/me/path/", {"action": "stop"}).status_code == 302
    path.refresh_from_db()
    assert path.status == PathStatus.ABANDONED


def test_post_without_a_path_is_404(client_for, learner):
    assert client_for(learner).post("/me/path/", {"action": "stop"}).status_code == 404


def test_csrf_is_enforced(learner, chain):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    assert client.post("/paths/", {"course": chain[1].pk}).status_code == 403
    assert not LearningPath.objects.exists()


def test_dashboard_and_home_show_the_next_step(client_for, learner, chain, django_assert_max_num_queries):
    client = client_for(learner)
    assert "Your learning path" not in client.get("/dashboard/").content.decode()
    svc.path_start(user=learner, goal=f"course:{chain[1].pk}")
    with django_assert_max_num_queries(12):
        body = client.get("/dashboard/").content.decode()
    assert "Your learning path" in body and "Next step:" in body and "Basics" in body
    assert "Your learning path" in client.get("/").content.decode()


def test_dashboard_section_costs_two_queries(learner, chain, django_assert_num_queries):
    from lyceum.recommendations.hooks_paths import next_step_section

    svc.path_start(user=learner, goal=f"course:{chain[1].pk}")
    with django_assert_num_queries(2):
        sections = next_step_section(user=learner)
    assert sections[0]["progress"].next_step.course_id == chain[0].pk


@pytest.mark.parametrize(("persona", "status"), [("learner", 403), ("instructor", 200), ("operator", 200)])
def test_studio_permissions(client_for, request, persona, status):
    user = request.getfixturevalue(persona)
    assert client_for(user).get("/studio/paths/").status_code == status


def test_studio_anonymous_redirects():
    assert Client().get("/studio/paths/").status_code == 302


def test_studio_learner_post_changes_nothing(client_for, learner, chain):
    response = client_for(learner).post("/studio/paths/", {"title": "X", "step_1": chain[0].pk})
    assert response.status_code == 403
    assert not CuratedPath.objects.exists()


def test_studio_create_and_edit(client_for, instructor, chain):
    client = client_for(instructor)
    response = client.post(
        "/studio/paths/",
        {"title": "Data path", "description": "d", "is_published": "on", "step_1": chain[1].pk, "step_3": chain[0].pk},
    )
    assert response.status_code == 302
    path = CuratedPath.objects.get()
    assert list(path.steps.values_list("course_id", flat=True)) == [chain[1].pk, chain[0].pk]
    assert client.get(f"/studio/paths/?edit={path.pk}").status_code == 200
    response = client.post("/studio/paths/", {"path": path.pk, "title": "Renamed", "step_1": chain[0].pk})
    assert response.status_code == 302
    path.refresh_from_db()
    assert path.title == "Renamed" and not path.is_published and path.steps.count() == 1


def test_studio_bad_input(client_for, operator, instructor, chain, curated):
    client = client_for(operator)
    assert client.post("/studio/paths/", {"title": "", "step_1": chain[0].pk}).status_code == 422
    assert client.post("/studio/paths/", {"title": "No steps"}).status_code == 422
    assert client.post("/studio/paths/", {"title": "T", "step_1": "abc"}).status_code == 422
    assert client.get("/studio/paths/?edit=abc").status_code == 404
    # an instructor cannot edit an operator's path
    assert client_for(instructor).get(f"/studio/paths/?edit={curated.pk}").status_code == 404
    assert CuratedPath.objects.count() == 1


@pytest.mark.parametrize(("persona", "status"), [("learner", 403), ("instructor", 403), ("operator", 200)])
def test_cycles_page_is_for_operators(client_for, request, persona, status):
    user = request.getfixturevalue(persona)
    assert client_for(user).get("/operator/paths/cycles/").status_code == status


def test_cycles_page_lists_cycles_with_edit_links(client_for, operator, chain):
    basics, analysis = chain
    basics.prerequisites.add(analysis)
    body = client_for(operator).get("/operator/paths/cycles/").content.decode()
    assert f"/studio/courses/{basics.pk}/edit/" in body and f"/studio/courses/{analysis.pk}/edit/" in body


@pytest.mark.parametrize("url", ["/paths/", "/me/path/", "/studio/paths/", "/operator/paths/cycles/", "/dashboard/"])
def test_pages_render_in_chinese(client_for, operator, chain, curated, url):
    svc.path_start(user=operator, goal=f"course:{chain[1].pk}")
    client = client_for(operator)
    with translation.override("zh-hans"):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert 'lang="zh' in response.content.decode()
    assert client.get(f"/paths/{curated.slug}/", HTTP_ACCEPT_LANGUAGE="zh-hans").status_code == 200
