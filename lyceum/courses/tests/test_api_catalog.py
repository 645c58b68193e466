"""GET /api/v1/courses: the public catalog and search over the API."""

from decimal import Decimal

import pytest

from conftest import make_user
from lyceum.accounts.models import Role
from lyceum.courses.models import CourseStatus

from .catalog_data import category, published_course

pytestmark = pytest.mark.django_db
URL = "/api/v1/courses"


def _bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _titles(response) -> list[str]:
    return [item["title"] for item in response.json()["items"]]


def test_anonymous_callers_get_published_courses(client, instructor):
    # given
    course = published_course(
        title="Data Analysis with pandas",
        subtitle="Clean and reshape",
        category=category("data"),
        tags=("pandas", "python"),
        instructors=(instructor,),
        level="intermediate",
        language="en",
        estimated_hours=Decimal("14.5"),
        is_free=False,
    )
    published_course(title="Draft", status=CourseStatus.DRAFT)

    # when
    response = client.get(URL)

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["id"] == course.pk
    assert item["url"] == f"/courses/{course.slug}/"
    assert item["title"] == "Data Analysis with pandas"
    assert item["subtitle"] == "Clean and reshape"
    assert item["cover_url"] is None
    assert item["category"] == {"slug": "data", "name": "Data"}
    assert sorted(item["tags"]) == ["pandas", "python"]
    assert item["instructors"] == [{"id": instructor.pk, "display_name": "Ada Instructor"}]
    assert (item["level"], item["language"], item["estimated_hours"], item["is_free"]) == (
        "intermediate",
        "en",
        14.5,
        False,
    )
    assert item["published_at"] is not None


def test_signed_in_callers_get_the_same_list(client, learner, api_token):
    published_course(title="One")

    response = client.get(URL, **_bearer(api_token(learner)))

    assert response.status_code == 200
    assert _titles(response) == ["One"]


def test_pages_of_twenty(client):
    for i in range(25):
        published_course(title=f"Course {i:02d}", days_ago=i + 1, index=False)

    first = client.get(URL).json()
    second = client.get(URL, {"page": 2}).json()
    beyond = client.get(URL, {"page": 9}).json()

    assert first["count"] == second["count"] == 25
    assert len(first["items"]) == 20
    assert [i["title"] for i in second["items"]] == [f"Course {i:02d}" for i in range(20, 25)]
    assert beyond["items"] == []


def test_page_size_cannot_exceed_twenty(client):
    for i in range(25):
        published_course(title=f"Course {i}", index=False)

    assert len(client.get(URL, {"page_size": 100}).json()["items"]) == 20
    assert len(client.get(URL, {"page_size": 5}).json()["items"]) == 5


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "design"}, ["UX basics"]),
        ({"tag": "python"}, ["Python intro", "pandas"]),
        ({"level": "advanced"}, ["pandas"]),
        ({"language": "zh-hans"}, ["Python intro"]),
        ({"price": "free"}, ["Python intro", "UX basics"]),
        ({"price": "paid"}, ["pandas"]),
        ({"sort": "popular"}, ["UX basics", "pandas", "Python intro"]),
        ({"sort": "rating"}, ["pandas", "Python intro", "UX basics"]),
        ({"sort": "newest"}, ["Python intro", "pandas", "UX basics"]),
        ({"q": "python"}, ["Python intro"]),
        ({"q": "python", "sort": "relevance"}, ["Python intro"]),
    ],
)
def test_filters_and_sorts(client, params, expected):
    published_course(
        title="Python intro", tags=("python",), language="zh-hans", days_ago=1, enrollment_count=1,
        rating_avg=Decimal("4.5"), rating_count=3,
    )  # fmt: skip
    published_course(
        title="pandas", tags=("python",), level="advanced", is_free=False, language="en", days_ago=2,
        enrollment_count=10, rating_avg=Decimal("4.8"), rating_count=3,
    )  # fmt: skip
    published_course(
        title="UX basics", category=category("design"), language="en", days_ago=3, enrollment_count=30,
        rating_avg=Decimal("3.9"), rating_count=30,
    )  # fmt: skip

    response = client.get(URL, params)

    assert response.status_code == 200
    assert _titles(response) == expected


def test_filter_by_instructor(client, instructor):
    other = make_user("other@example.org", Role.INSTRUCTOR)
    published_course(title="Mine", instructors=(instructor,))
    published_course(title="Theirs", instructors=(other,))

    assert _titles(client.get(URL, {"instructor": instructor.pk})) == ["Mine"]


def test_search_in_chinese_ranked_by_relevance(client):
    in_title = published_course(title="零基础学Python编程入门", days_ago=10)
    in_lessons = published_course(title="编程思维", lessons=("Python 入门练习",), days_ago=1)
    published_course(title="产品经理入门")

    response = client.get(URL, {"q": "Python 入门"})

    assert response.json()["count"] == 2
    assert [i["id"] for i in response.json()["items"]] == [in_title.pk, in_lessons.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "cheapest"}, "sort"),
        ({"level": "guru"}, "level"),
        ({"language": "fr"}, "language"),
        ({"price": "gratis"}, "price"),
        ({"category": "alchemy"}, "category"),
        ({"tag": "nope"}, "tag"),
        ({"instructor": "abc"}, "instructor"),
        ({"instructor": 0}, "instructor"),
        ({"instructor": 987654}, "instructor"),
        ({"page": 0}, "page"),
        ({"page": "two"}, "page"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_filters_are_422_naming_the_field(client, params, field):
    published_course(title="Listed")

    response = client.get(URL, params)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["field"] == field


@pytest.mark.parametrize("query", ['"', "*", "NEAR(", "') OR 1=1 --", "title:python", "python*"])
def test_hostile_search_input_is_harmless(client, query):
    published_course(title="Python basics")

    response = client.get(URL, {"q": query})

    assert response.status_code == 200
    assert response.json()["count"] in (0, 1)


def test_the_list_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    teachers = [make_user(f"teacher{i}@example.org", Role.INSTRUCTOR) for i in range(3)]
    for i in range(30):
        published_course(
            title=f"Course {i}",
            category=category(["data", "design"][i % 2]),
            instructors=(teachers[i % 3], teachers[(i + 1) % 3]),
            tags=(f"tag-{i % 4}", "common"),
        )

    # count, page, instructors, tags
    with django_assert_max_num_queries(4):
        response = client.get(URL)
    assert len(response.json()["items"]) == 20

    # + the search and the tag check
    with django_assert_max_num_queries(6):
        response = client.get(URL, {"q": "course", "tag": "common"})
    assert response.json()["count"] == 30


def test_the_endpoint_is_documented(client, db):
    schema = client.get("/api/v1/openapi.json").json()

    operation = schema["paths"]["/api/v1/courses"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"q", "category", "tag", "level", "language", "price", "instructor", "sort", "page"} <= names
