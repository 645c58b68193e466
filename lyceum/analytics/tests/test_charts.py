from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from django.utils import translation

from lyceum.analytics import charts
from lyceum.analytics.report import CohortRow, FunnelStep, Series

SVG = "{http://www.w3.org/2000/svg}"
EVIL = '<script>alert("x")</script> & Co'


def _days(n: int, start: date = date(2026, 3, 1)) -> list[date]:
    return [start + timedelta(days=i) for i in range(n)]


def _svg(markup: str) -> ET.Element:
    """The chart's <svg> parsed as XML (fails the test if it is not well-formed)."""
    start, end = markup.index("<svg"), markup.index("</svg>") + len("</svg>")
    return ET.fromstring(markup[start:end])


def _figure(markup: str) -> ET.Element:
    """The whole figure (SVG and the numbers table) is well-formed XML too."""
    return ET.fromstring(str(markup))


# --- nice numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "step"),
    [(0.7, 1), (1, 1), (1.3, 2), (2.2, 2.5), (3, 5), (7, 10), (12, 20), (240, 250), (0.03, 0.05), (0, 1)],
)
def test_nice_step(raw, step):
    assert charts.nice_step(raw) == pytest.approx(step)


def test_nice_ticks_start_at_zero_and_cover_the_maximum():
    assert charts.nice_ticks(0, 87) == [0, 25, 50, 75, 100]
    assert charts.nice_ticks(3, 7, integer=True) == [0, 2, 4, 6, 8]
    assert charts.nice_ticks(0, 0) == [0, 0.25, 0.5, 0.75, 1]
    assert charts.nice_ticks(0, 2, integer=True) == [0, 1, 2]
    assert charts.nice_ticks(-30, 90) == [-50, 0, 50, 100]
    assert charts.nice_ticks(0, 0.3) == [0, 0.1, 0.2, 0.3]  # no 0.30000000000000004


def test_formats():
    assert charts.format_percent(0.25) == "25%"
    assert charts.format_percent(0.1234) == "12.3%"
    assert charts.format_percent(0.19999999) == "20%"  # rounded, not truncated
    assert charts.format_percent(None) == "—"
    assert charts.format_percent(float("nan")) == "—"
    assert charts.format_money(123456, "CNY") == "¥1,234.56"
    assert charts.format_money(None, "CNY") == "—"
    assert charts.format_value(0.5, "ratio") == "50%"
    assert charts.format_value(1200, "count") == "1,200"
    assert charts.format_value(None, "count") == "—"


def test_clip_counts_chinese_characters_double():
    assert charts._clip("abc", 5) == "abc"
    assert charts._clip("abcdefgh", 5) == "abcde…"
    assert charts._clip("数据分析入门课程", 6) == "数据分…"


# --- line chart -------------------------------------------------------------------------------


def test_line_chart_is_valid_svg_with_one_polyline_per_series_and_dated_ticks():
    days = _days(30)
    dau = Series(key="dau", label="DAU", points=[(d, float(i)) for i, d in enumerate(days)])
    wau = Series(key="wau", label="WAU", points=[(d, float(i * 3)) for i, d in enumerate(days)])
    markup = charts.line_chart([dau, wau], title="Active learners")
    svg = _svg(markup)
    _figure(markup)
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "Active learners"
    assert len(svg.findall(f".//{SVG}polyline")) == 2
    assert len(svg.findall(f".//{SVG}circle")) == 60
    ticks = [t.text for t in svg.iter(f"{SVG}text")]
    assert "0" in ticks and "100" in ticks  # y axis 0..100 for a maximum of 87
    assert "Mar 1" in ticks and "Mar 30" in ticks
    assert "NaN" not in markup and "nan" not in markup
    assert "<details" in markup and "March 30, 2026" in markup  # the numbers table


def test_line_chart_money_ticks_are_major_units_with_the_symbol():
    days = _days(3)
    revenue = Series(
        key="revenue",
        label="Revenue",
        unit="money",
        currency="CNY",
        points=list(zip(days, [0, 19900, 45000], strict=True)),
    )
    markup = charts.line_chart([revenue], title="Revenue")
    ticks = [t.text for t in _svg(markup).iter(f"{SVG}text")]
    assert ticks[:4] == ["¥0", "¥200", "¥400", "¥600"]
    assert "¥450.00" in markup  # table and tooltips show the exact amount


def test_line_chart_one_day_and_gaps_do_not_crash():
    one = Series(key="dau", label="DAU", points=[(date(2026, 1, 1), 4.0)])
    _svg(charts.line_chart([one], title="t"))
    gappy = Series(key="dau", label="DAU", points=list(zip(_days(4), [1.0, float("nan"), None, 3.0], strict=True)))
    markup = charts.line_chart([gappy], title="t")
    assert "NaN" not in markup and "nan" not in markup
    assert len(_svg(markup).findall(f".//{SVG}circle")) == 2


@pytest.mark.parametrize(
    "series",
    [[], [Series(key="dau", label="DAU", points=[])], [Series(key="x", label="x", points=[(date(2026, 1, 1), None)])]],
)
def test_line_chart_without_data_says_so(series):
    markup = charts.line_chart(series, title="Active learners")
    assert "No data yet." in markup and "<svg" not in markup


def test_all_zero_line_still_draws():
    flat = Series(key="dau", label="DAU", points=[(d, 0.0) for d in _days(7)])
    svg = _svg(charts.line_chart([flat], title="t"))
    assert len(svg.findall(f".//{SVG}polyline")) == 1


def test_labels_are_escaped_everywhere():
    evil = Series(key="x", label=EVIL, points=[(d, 1.0) for d in _days(3)])
    outputs = [
        charts.line_chart([evil, evil], title=EVIL),
        charts.bar_chart([(EVIL, 3)], title=EVIL),
        charts.hbar_chart([(EVIL, [1, 2])], title=EVIL, series=[EVIL, "b"]),
        charts.funnel_chart([FunnelStep(key="visit", label=EVIL, count=3)], title=EVIL),
        charts.cohort_table([CohortRow(start=date(2026, 1, 5), size=3, retention=[1.0])], title=EVIL),
    ]
    for markup in outputs:
        assert "<script>" not in markup
        assert "&lt;script&gt;" in markup
        _figure(markup)


def test_chinese_date_ticks():
    with translation.override("zh-hans"):
        markup = charts.line_chart([Series(key="d", label="日活", points=[(d, 1.0) for d in _days(2)])], title="日活")
    assert "3月1日" in markup


# --- bars, funnel, cohort ---------------------------------------------------------------------


def test_bar_chart_draws_a_bar_per_item():
    items = [("0–9%", 4), ("10–19%", 0), ("90–100%", 11)]
    markup = charts.bar_chart(items, title="Progress")
    svg = _svg(markup)
    assert len(svg.findall(f".//{SVG}rect")) == 3
    heights = [float(r.get("height")) for r in svg.iter(f"{SVG}rect")]
    assert heights[1] == 0 and heights[2] > heights[0] > 0
    assert all(math.isfinite(h) for h in heights)


def test_bar_chart_all_zero_is_empty():
    assert "No data yet." in charts.bar_chart([("1", 0), ("2", 0)], title="Ratings")
    assert "No data yet." in charts.bar_chart([], title="Ratings")


def test_hbar_chart_scales_to_the_maximum_and_keeps_full_labels_in_titles():
    long = "A very long lesson title that will not fit on the left of the chart"
    markup = charts.hbar_chart([(long, [10, 5]), ("Short", [5, 0])], title="Drop-off", series=["Reached", "Completed"])
    svg = _svg(markup)
    bars = [r for r in svg.iter(f"{SVG}rect") if "bar" in r.get("class", "").split()]
    widths = [float(b.get("width")) for b in bars]
    assert widths[0] == pytest.approx(2 * widths[1]) and widths[0] == pytest.approx(2 * widths[2]) and widths[3] == 0
    assert long in markup  # in a <title>, the visible text is clipped
    assert "…" in markup


def test_hbar_ratio_with_fixed_maximum():
    markup = charts.hbar_chart(
        [("Q1", [0.5]), ("Q2", [None])], title="Right", series=["Right"], unit="ratio", maximum=1
    )
    assert "50%" in markup and "—" in markup
    _figure(markup)


def test_funnel_shows_step_conversions():
    steps = [
        FunnelStep(key="visit", label="Visit", count=200),
        FunnelStep(key="signup", label="Sign-up", count=50),
        FunnelStep(key="enroll", label="Enroll", count=20),
        FunnelStep(key="purchase", label="Purchase", count=0),
        FunnelStep(key="complete", label="Complete", count=0),
    ]
    markup = charts.funnel_chart(steps, title="Funnel")
    svg = _svg(markup)
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "→ 25%" in texts and "→ 40%" in texts and "→ 0%" in texts
    assert "NaN" not in markup and "nan" not in markup  # 0 → 0 is not a division by zero
    assert "No data yet." in charts.funnel_chart([FunnelStep(key="visit", label="Visit", count=0)], title="F")


def test_cohort_triangle_shades_cells_with_classes_not_styles():
    rows = [
        CohortRow(start=date(2026, 3, 2), size=40, retention=[1.0, 0.45, 0.3]),
        CohortRow(start=date(2026, 3, 9), size=0, retention=[None, None]),
        CohortRow(start=date(2026, 3, 16), size=12, retention=[0.96]),
    ]
    markup = charts.cohort_table(rows, title="Cohorts")
    table = _figure(markup)
    assert "style=" not in markup
    cells = [td for td in table.iter("td") if "cohort-cell" in td.get("class", "")]
    assert len(cells) == 9  # 3 rows × 3 weeks, the missing ones blank
    assert [c.get("class").split()[-1] for c in cells[:3]] == ["heat-10", "heat-4", "heat-3"]
    assert cells[1].text == "45%"
    assert cells[-1].get("class").endswith("heat-na") and cells[-1].text is None


def test_cohort_without_learners_is_empty():
    assert "No data yet." in charts.cohort_table([], title="Cohorts")
    assert "No data yet." in charts.cohort_table([CohortRow(start=date(2026, 1, 5), size=0, retention=[])], title="C")


def test_heat_class_bounds():
    assert charts.heat_class(0) == "heat-0"
    assert charts.heat_class(1.2) == "heat-10"
    assert charts.heat_class(None) == "heat-na"
    assert charts.heat_class(float("nan")) == "heat-na"
