"""The catalog page /courses/: browse, filter, sort and search published courses."""

from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import make_user
from lyceum.accounts.models import Role
from lyceum.courses.models import Course, CourseStatus
from lyceum.courses.selectors import CatalogFilters, catalog_filters_clean, course_list_for_catalog

from .catalog_data import category, published_course

pytestmark = pytest.mark.django_db
URL = "/courses/"


def _titles(response) -> list[str]:
    return [course.title for course in response.context["courses"]]


def test_the_catalog_url_is_named():
    assert reverse("courses:catalog") == URL


@pytest.mark.parametrize("persona", [None, "learner", "instructor", "operator"])
def test_everyone_sees_published_courses_only(client, client_for, persona, request):
    # given
    published_course(title="Visible course")
    for status in (CourseStatus.DRAFT, CourseStatus.IN_REVIEW, CourseStatus.ARCHIVED):
        published_course(title=f"Hidden {status}", status=status)
    browser = client_for(request.getfixturevalue(persona)) if persona else client

    # when
    response = browser.get(URL)

    # then
    assert response.status_code == 200
    assert _titles(response) == ["Visible course"]
    assert b"Hidden" not in response.content


def test_a_course_card_shows_what_a_learner_needs(client, instructor):
    # given
    course = published_course(
        title="Data Analysis with pandas",
        subtitle="Clean, reshape and summarise",
        category=category("data"),
        level="intermediate",
        estimated_hours=Decimal("12.5"),
        is_free=False,
        instructors=(instructor,),
    )

    # when
    html = client.get(URL).content.decode()

    # then
    assert f'href="/courses/{course.slug}/"' in html
    assert "Data Analysis with pandas" in html
    assert "Clean, reshape and summarise" in html
    assert "Ada Instructor" in html
    assert f'href="/courses/?instructor={instructor.pk}"' in html
    assert "Intermediate" in html
    assert "12.5 h" in html
    assert "For sale" in html
    assert 'data-tone="data"' in html  # the generated cover placeholder
    assert "style=" not in html  # CSP: no inline styles


def test_newest_first_by_default_and_other_sorts(client):
    old = published_course(title="Old", days_ago=30, enrollment_count=50, rating_avg=Decimal("4.1"), rating_count=9)
    new = published_course(title="New", days_ago=1, enrollment_count=5, rating_avg=Decimal("4.9"), rating_count=2)
    mid = published_course(title="Mid", days_ago=10, enrollment_count=20, rating_avg=Decimal("4.9"), rating_count=8)

    assert _titles(client.get(URL)) == [new.title, mid.title, old.title]
    assert _titles(client.get(URL, {"sort": "popular"})) == [old.title, mid.title, new.title]
    assert _titles(client.get(URL, {"sort": "rating"})) == [mid.title, new.title, old.title]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "design"}, ["UX basics"]),
        ({"tag": "python"}, ["Python intro", "pandas"]),
        ({"level": "advanced"}, ["pandas"]),
        ({"language": "zh-hans"}, ["Python intro"]),
        ({"price": "free"}, ["Python intro", "UX basics"]),
        ({"price": "paid"}, ["pandas"]),
        ({"tag": "python", "price": "paid", "level": "advanced"}, ["pandas"]),
        ({"category": "design", "price": "paid"}, []),
    ],
)
def test_filters(client, params, expected):
    published_course(title="Python intro", tags=("python",), language="zh-hans", days_ago=1)
    published_course(
        title="pandas", tags=("python", "data"), level="advanced", is_free=False, language="en", days_ago=2
    )
    published_course(title="UX basics", category=category("design"), language="en", days_ago=3)

    response = client.get(URL, params)

    assert response.status_code == 200
    assert _titles(response) == expected
    assert response.context["errors"] == {}


def test_filter_by_instructor(client, instructor):
    other = make_user("other@example.org", Role.INSTRUCTOR, display_name="Other Teacher")
    published_course(title="Ada's", instructors=(instructor,))
    published_course(title="Shared", instructors=(other, instructor))
    published_course(title="Other's", instructors=(other,))

    response = client.get(URL, {"instructor": instructor.pk})

    assert sorted(_titles(response)) == ["Ada's", "Shared"]
    assert "Ada Instructor" in response.content.decode()  # shown as an active filter


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "cheapest"}, "sort"),
        ({"level": "guru"}, "level"),
        ({"language": "klingon"}, "language"),
        ({"price": "0"}, "price"),
        ({"category": "alchemy"}, "category"),
        ({"tag": "nope"}, "tag"),
        ({"instructor": "abc"}, "instructor"),
        ({"instructor": "99999999"}, "instructor"),
        ({"instructor": "9" * 40}, "instructor"),
    ],
)
def test_bad_filters_are_ignored_with_a_message_not_a_500(client, params, field):
    published_course(title="Still listed")

    response = client.get(URL, params)

    assert response.status_code == 200
    assert field in response.context["errors"]
    assert "Some filters were not understood" in response.content.decode()
    assert _titles(response) == ["Still listed"]


def test_a_too_long_search_is_cut_with_a_message(client):
    published_course(title="Python")

    response = client.get(URL, {"q": "python " + "x" * 300})

    assert response.status_code == 200
    assert list(response.context["errors"]) == ["q"]
    assert len(response.context["filters"].q) == 200


def test_a_bad_filter_does_not_drop_the_good_ones(client):
    published_course(title="Free one")
    published_course(title="Paid one", is_free=False)

    response = client.get(URL, {"price": "free", "sort": "cheapest"})

    assert _titles(response) == ["Free one"]
    assert list(response.context["errors"]) == ["sort"]


def test_an_instructor_without_published_courses_is_not_a_valid_filter(instructor):
    published_course(title="Draft", instructors=(instructor,), status=CourseStatus.DRAFT)

    filters, errors = catalog_filters_clean({"instructor": str(instructor.pk)})

    assert filters.instructor is None
    assert [e.field for e in errors] == ["instructor"]


def test_search_on_the_page_ranks_by_relevance(client):
    in_description = published_course(title="Charts", description="Plotting with matplotlib.", days_ago=1)
    in_title = published_course(title="Matplotlib in depth", days_ago=20)
    published_course(title="Unrelated", days_ago=2)

    response = client.get(URL, {"q": "matplotlib"})

    assert _titles(response) == [in_title.title, in_description.title]
    assert response.context["filters"].effective_sort == "relevance"
    assert "Courses matching “matplotlib”" in response.content.decode()


def test_search_in_chinese_on_the_page(client):
    published_course(title="零基础学Python编程入门", language="zh-hans")
    published_course(title="产品经理入门", language="zh-hans")

    response = client.get(URL, {"q": "Python 入门"})

    assert _titles(response) == ["零基础学Python编程入门"]


def test_search_combines_with_filters_and_sorts(client):
    free = published_course(title="SQL basics", days_ago=5)
    paid = published_course(title="SQL advanced", is_free=False, days_ago=1)

    assert _titles(client.get(URL, {"q": "sql", "price": "paid"})) == [paid.title]
    assert _titles(client.get(URL, {"q": "sql", "sort": "newest"})) == [paid.title, free.title]


def test_a_search_without_results_says_so(client):
    published_course(title="Something")

    response = client.get(URL, {"q": "quantum"})

    assert response.status_code == 200
    assert _titles(response) == []
    assert "No course matches “quantum”" in response.content.decode()


@pytest.mark.parametrize("query", ['"', "NEAR(", "') OR 1=1 --", "*", "<script>alert(1)</script>"])
def test_hostile_search_input_is_harmless_on_the_page(client, query):
    published_course(title="Python")

    response = client.get(URL, {"q": query})

    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content


def test_pages_of_twenty(client):
    for i in range(45):
        published_course(title=f"Course {i:02d}", days_ago=i + 1, index=False)

    first = client.get(URL)
    third = client.get(URL, {"page": 3})
    beyond = client.get(URL, {"page": 99})
    junk = client.get(URL, {"page": "abc"})

    assert len(first.context["courses"]) == 20
    assert _titles(third) == ["Course 40", "Course 41", "Course 42", "Course 43", "Course 44"]
    assert _titles(beyond) == _titles(third)  # past the end: the last page
    assert _titles(junk) == _titles(first)
    assert 'href="?page=2"' in first.content.decode()


def test_pagination_keeps_the_filters(client):
    for i in range(25):
        published_course(title=f"Free {i}", index=False)

    html = client.get(URL, {"price": "free", "sort": "newest"}).content.decode()

    assert 'href="?price=free&amp;sort=newest&amp;page=2"' in html


def test_the_catalog_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    # given many courses, each with several instructors, tags and a category
    teachers = [make_user(f"teacher{i}@example.org", Role.INSTRUCTOR) for i in range(4)]
    for i in range(30):
        published_course(
            title=f"Course {i}",
            category=category(["programming", "data", "design"][i % 3]),
            instructors=(teachers[i % 4], teachers[(i + 1) % 4]),
            tags=(f"tag-{i % 5}", f"tag-{i % 7}", "common"),
        )

    # when / then: count, page, instructors, tags, categories, popular tags
    with django_assert_max_num_queries(6):
        response = client.get(URL)
    assert len(response.context["courses"]) == 20

    with django_assert_max_num_queries(11):  # + the search, one check per filter, the catalog.searched event
        response = client.get(URL, {"q": "course", "category": "data", "tag": "common", "instructor": teachers[0].pk})
    assert response.status_code == 200
    assert len(response.context["courses"]) > 0


def test_the_selector_prefetches_instructors_in_order(django_assert_num_queries, instructor):
    second = make_user("second@example.org", Role.INSTRUCTOR, display_name="Second")
    published_course(title="Two teachers", instructors=(instructor, second))

    courses = list(course_list_for_catalog(filters=CatalogFilters()))

    with django_assert_num_queries(0):
        assert [link.user.display_name for link in courses[0].instructor_list] == ["Ada Instructor", "Second"]
        assert courses[0].category is None


def test_nothing_published_yet(client):
    Course.objects.all().delete()

    response = client.get(URL)

    assert response.status_code == 200
    assert "No courses are published yet." in response.content.decode()


def test_a_search_is_recorded_once_with_its_query_and_result_count(client_for, learner):
    # given
    from lyceum.core.models import Event

    for i in range(25):
        published_course(title=f"Python basics {i}")
    browser = client_for(learner)

    # when: the first page, then the second page of the same search, then browsing without a query
    browser.get(URL, {"q": "python"})
    browser.get(URL, {"q": "python", "page": 2})
    browser.get(URL)

    # then
    searched = list(Event.objects.filter(name="catalog.searched").values("actor_id", "props"))
    assert searched == [{"actor_id": learner.pk, "props": {"query": "python", "results": 25}}]
