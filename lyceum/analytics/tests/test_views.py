"""The operator dashboard page, against Dashboard objects built here (the rollup selector is
replaced by ``fake_dashboard``, so these tests pin the page, not the figures)."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from django.utils import timezone

from lyceum.analytics import views
from lyceum.analytics.report import CohortRow, CourseRow, Dashboard, FunnelStep, Kpi, Series

pytestmark = pytest.mark.django_db

URL = "/operator/analytics/"
EVIL = "<script>alert(1)</script>"


def _row(n: int, **fields) -> CourseRow:
    base = {
        "course_id": n, "slug": f"course-{n}", "title": f"Course {n}", "enrollments": 10 * n,
        "completion_rate": 0.1 * n, "rating_avg": 3.0 + n / 10, "rating_count": n, "revenue": 19900 * n,
        "refunds": 0, "currency": "CNY",
    }  # fmt: skip
    base.update(fields)
    return CourseRow(**base)


def make_dashboard(start: date, end: date, **overrides) -> Dashboard:
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    fields = {
        "start": start,
        "end": end,
        "kpis": [
            Kpi(
                key="UPT",
                name="Engagement (UPT)",
                definition="Mean over days of active learners / learners.",
                value=0.05,
                previous=0.04,
                unit="ratio",
            ),
            Kpi(
                key="CER",
                name="Completion (CER)",
                definition="Completed / started 30+ days ago.",
                value=0.2,
                previous=0.25,
                unit="ratio",
            ),
            Kpi(
                key="USAT",
                name="Satisfaction (USAT)",
                definition="Reviews rated 4+ / all reviews.",
                value=None,
                previous=None,
                unit="ratio",
            ),
            Kpi(
                key="RSI",
                name="Revenue (RSI)",
                definition="Paid totals minus refunds.",
                value=400000,
                previous=400000,
                unit="money",
                currency="CNY",
            ),
        ],
        "series": [
            Series(key="dau", label="DAU", points=[(d, float(i % 7)) for i, d in enumerate(days)]),
            Series(key="wau", label="WAU", points=[(d, 10.0) for d in days]),
            Series(key="mau", label="MAU", points=[(d, 30.0) for d in days]),
            Series(key="revenue", label="Revenue", unit="money", currency="CNY", points=[(d, 19900.0) for d in days]),
            Series(key="enrollments", label="Enrollments", points=[(d, 3.0) for d in days]),
            Series(key="completions", label="Completions", points=[(d, 1.0) for d in days]),
        ],
        "cohorts": [
            CohortRow(start=start, size=20, retention=[1.0, 0.5]),
            CohortRow(start=start, size=5, retention=[1.0]),
        ],
        "funnel": [
            FunnelStep(key="visit", label="Visit", count=100),
            FunnelStep(key="signup", label="Sign-up", count=40),
            FunnelStep(key="enroll", label="Enroll", count=20),
            FunnelStep(key="purchase", label="Purchase", count=5),
            FunnelStep(key="complete", label="Complete", count=2),
        ],
        "courses": [_row(1), _row(2, title=EVIL, rating_avg=None), _row(3)],
        "extras": {"dau_mau": 0.2, "nps": 31, "churn_base": 41, "revenue_CNY": 123456, "buyers_CNY": 3, "cer_days": 30},
        "definitions": {"dau_mau": "Mean DAU over MAU.", "funnel": "People per step.", "cohorts": "Weekly cohorts."},
    }
    fields.update(overrides)
    return Dashboard(**fields)


@pytest.fixture
def fake_dashboard(monkeypatch):
    calls = []

    def load(*, start, end, course_ids=None):
        calls.append((start, end, course_ids))
        return make_dashboard(start, end)

    monkeypatch.setattr(views, "_load_dashboard", load)
    return calls


def test_visitors_sign_in_and_learners_and_instructors_are_refused(
    client, client_for, learner, instructor, fake_dashboard
):
    assert client.get(URL).status_code == 302
    assert client_for(learner).get(URL).status_code == 403
    assert client_for(instructor).get(URL).status_code == 403
    assert client_for(learner).get("/operator/analytics/courses.csv").status_code == 403
    assert client_for(instructor).get("/operator/analytics/courses.csv").status_code == 403
    assert client.get("/operator/analytics/courses.csv").status_code == 302
    assert fake_dashboard == []


def test_operator_sees_kpis_with_definitions_changes_and_real_charts(client_for, operator, fake_dashboard):
    response = client_for(operator).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    today = timezone.localdate()
    assert fake_dashboard == [(today - timedelta(days=29), today, None)]
    assert "Mean over days of active learners / learners." in html
    assert "▲ 25%" in html and "change-up" in html  # 0.05 against 0.04
    assert "▼ 20%" in html and "change-down" in html  # 0.2 against 0.25
    assert "change-flat" in html  # RSI unchanged
    assert "¥4,000.00" in html
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 4  # 3 line charts + funnel
    assert "heat-5" in html and "→ 40%" in html
    assert "style=" not in html.split("<main", 1)[1]
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "DAU/MAU" in html and "20%" in html
    assert "¥1,234.56" in html and "Buyers</dt>" in html  # per-currency extras, one currency: no suffix
    assert "Mean DAU over MAU." in html and "People per step." in html and "Weekly cohorts." in html
    assert "4100%" not in html and "Cer days" not in html  # unknown keys are not shown as if they were figures


def test_every_chart_is_well_formed_svg(client_for, operator, fake_dashboard):
    html = client_for(operator).get(URL).content.decode()
    pos = 0
    while (start := html.find("<svg xmlns", pos)) != -1:
        end = html.index("</svg>", start) + len("</svg>")
        ET.fromstring(html[start:end])
        pos = end


@pytest.mark.parametrize(("query", "days"), [("?period=7", 7), ("?period=90", 90), ("?period=bogus", 30), ("", 30)])
def test_presets(client_for, operator, fake_dashboard, query, days):
    response = client_for(operator).get(URL + query)
    start, end, _ = fake_dashboard[0]
    assert (end - start).days + 1 == days
    assert response.status_code == (400 if "bogus" in query else 200)


def test_custom_period(client_for, operator, fake_dashboard):
    response = client_for(operator).get(URL + "?period=custom&start=2026-01-01&end=2026-01-31")
    assert response.status_code == 200
    assert fake_dashboard == [(date(2026, 1, 1), date(2026, 1, 31), None)]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?period=custom&start=2026-02-01&end=2026-01-01", "The start must be on or before the end."),
        ("?period=custom&start=2024-01-01&end=2025-12-31", "Choose at most 366 days."),
        ("?period=custom&start=not-a-date&end=2026-01-01", "Enter a valid date."),
        ("?period=custom&start=2026-01-01", "Choose an end date."),
        ("?period=custom&start=2026-01-01&end=2999-01-01", "The period cannot end in the future."),
    ],
)
def test_bad_periods_are_form_errors_not_500(client_for, operator, fake_dashboard, query, message):
    response = client_for(operator).get(URL + query)
    assert response.status_code == 400
    assert message in response.content.decode()
    start, end, _ = fake_dashboard[0]  # the page still shows the last 30 days
    assert end == timezone.localdate() and (end - start).days == 29


def _titles(html: str) -> list[str]:
    table = html.split('data-testid="course-table"', 1)[1].split("</table>", 1)[0]
    return [cell.split("</a>", 1)[0].rsplit(">", 1)[1] for cell in table.split('<td><a href="')[1:]]


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("", ["Course 3", "&lt;script&gt;alert(1)&lt;/script&gt;", "Course 1"]),  # most enrollments first
        ("enrollments", ["Course 1", "&lt;script&gt;alert(1)&lt;/script&gt;", "Course 3"]),
        ("-rating", ["Course 3", "Course 1", "&lt;script&gt;alert(1)&lt;/script&gt;"]),  # no rating goes last
        ("rating", ["Course 1", "Course 3", "&lt;script&gt;alert(1)&lt;/script&gt;"]),
        ("title", ["&lt;script&gt;alert(1)&lt;/script&gt;", "Course 1", "Course 3"]),
        ("-bogus", ["Course 3", "&lt;script&gt;alert(1)&lt;/script&gt;", "Course 1"]),
    ],
)
def test_course_table_sorts_by_get_param(client_for, operator, fake_dashboard, sort, order):
    response = client_for(operator).get(URL + (f"?sort={sort}" if sort else ""))
    assert response.status_code == 200
    assert _titles(response.content.decode()) == order


def test_empty_dashboard_renders_no_data_states(client_for, operator, monkeypatch):
    monkeypatch.setattr(
        views,
        "_load_dashboard",
        lambda *, start, end, course_ids=None: Dashboard(
            start=start, end=end, kpis=[], series=[], cohorts=[], funnel=[]
        ),
    )
    response = client_for(operator).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("No data yet.") >= 5 and "No courses yet." in html
    assert "NaN" not in html


def test_without_the_rollup_selector_the_page_says_not_ready(client_for, operator, monkeypatch):
    monkeypatch.setattr(views, "_load_dashboard", lambda **kw: None)
    response = client_for(operator).get(URL)
    assert response.status_code == 200
    assert 'data-testid="not-ready"' in response.content.decode()


def test_courses_csv(client_for, operator, fake_dashboard):
    response = client_for(operator).get("/operator/analytics/courses.csv?period=custom&start=2026-01-01&end=2026-01-31")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="courses-20260101-20260131.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["course_id", "slug", "title"]
    assert rows[1] == ["3", "course-3", "Course 3", "30", "0.3000", "3.30", "3", "CNY", "59700", "0"]
    bad = client_for(operator).get("/operator/analytics/courses.csv?period=<script>x</script>")
    assert bad.status_code == 400 and bad["Content-Type"].startswith("text/plain")  # the error names the bad value


def test_chinese_page(client_for, operator, fake_dashboard):
    client = client_for(operator)
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()


def test_dashboard_query_budget(client_for, operator, fake_dashboard, django_assert_max_num_queries):
    client = client_for(operator)
    client.get(URL)
    with django_assert_max_num_queries(12):
        assert client.get(URL).status_code == 200


# --- with the real rollups ----------------------------------------------------------------------


def test_real_rollups_render_escaped_and_within_a_query_budget(
    client_for, operator, learner, django_assert_max_num_queries
):
    from django.core.management import call_command

    from lyceum.learning.services import enrollment_create
    from lyceum.learning.tests.factories import make_course

    course = make_course(title=EVIL, slug="evil-course")
    enrollment_create(user=learner, course=course)
    call_command("rollup_analytics", stdout=io.StringIO())
    client = client_for(operator)
    client.get(URL)
    with django_assert_max_num_queries(25):
        response = client.get(URL + "?period=90")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="not-ready"' not in html
    assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "NaN" not in html and "nan%" not in html
    pos = 0
    while (start := html.find("<svg xmlns", pos)) != -1:
        end = html.index("</svg>", start) + len("</svg>")
        ET.fromstring(html[start:end])
        pos = end
    assert pos > 0
