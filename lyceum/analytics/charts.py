"""Server-side charts: small SVG (and one HTML table) builders for the analytics pages.

Every builder returns ``SafeString`` markup that we generate ourselves; each label that
comes from data (course titles, lesson titles, question prompts) is escaped. No inline
``style`` (the CSP forbids it): colours come from CSS classes in ``static/css/analytics.css``.
Each chart is a ``<figure>`` with an SVG ``role="img"`` and ``<title>``, plus a
``<details>`` table of the numbers for screen readers and for anyone who wants them.
Native SVG ``<title>`` elements on points and bars give hover tooltips without JavaScript.
Empty or undefined data renders a "No data yet" note, never a crash or ``NaN``.
"""

from __future__ import annotations

import itertools
import math
import unicodedata
from collections.abc import Sequence
from datetime import date

from django.utils.formats import date_format, get_format, number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from lyceum.commerce.templatetags.commerce_money import SYMBOLS, ZERO_DECIMAL, money

from .report import CohortRow, FunnelStep, Series

_ids = itertools.count(1)

WIDTH = 560  # viewBox width: charts scale to their card, so text stays near its CSS size
SERIES_CLASSES = 6  # series-0 .. series-5 in analytics.css


# --- numbers ----------------------------------------------------------------------------------


def _finite(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def nice_step(raw: float) -> float:
    """The "nice" step (1, 2, 2.5, 5 × 10ⁿ) at or above ``raw``."""
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    exponent = math.floor(math.log10(raw))
    base = 10.0**exponent
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        if raw <= factor * base * (1 + 1e-9):
            return factor * base
    return 10.0 * base  # pragma: no cover - the loop always returns


def nice_ticks(low: float, high: float, *, count: int = 4, integer: bool = False) -> list[float]:
    """Axis ticks covering ``[low, high]`` (always including 0) at a nice step."""
    low, high = min(low, 0.0), max(high, 0.0)
    if high - low <= 0:
        high = low + 1.0
    step = nice_step((high - low) / max(count, 1))
    if integer:
        step = max(1.0, math.ceil(step))
    first = math.floor(low / step + 1e-9) * step
    last = math.ceil(high / step - 1e-9) * step
    n = round((last - first) / step)
    return [round(first + i * step, 10) for i in range(n + 1)]


def format_number(value: float | None, *, decimals: int | None = None) -> str:
    number = _finite(value)
    if number is None:
        return "—"
    if decimals is None:
        decimals = 0 if number == int(number) else (1 if abs(number) >= 10 else 2)
    return number_format(round(number, decimals), decimal_pos=decimals, use_l10n=True, force_grouping=True)


def format_percent(value: float | None, *, decimals: int = 1) -> str:
    number = _finite(value)
    if number is None:
        return "—"
    text = number_format(round(number * 100, decimals), decimal_pos=decimals, use_l10n=True)
    if decimals and text.endswith("0" * decimals):  # 20.0 % → 20 %
        text = text[: -(decimals + 1)]
    return f"{text}%"


def format_money(minor: float | None, currency: str) -> str:
    number = _finite(minor)
    if number is None:
        return "—"
    return money(round(number), currency or "CNY")


def format_value(value: float | None, unit: str, currency: str = "") -> str:
    """A figure as the dashboards show it: ratios as percentages, money from minor units."""
    if unit == "ratio":
        return format_percent(value)
    if unit == "money":
        return format_money(value, currency)
    return format_number(value)


def _axis_label(value: float, unit: str, currency: str, step: float) -> str:
    if unit == "ratio":
        return format_percent(value, decimals=0 if step >= 0.01 else 1)
    if unit == "money":  # ticks are in major units; whole amounts drop the cents
        code = (currency or "CNY").upper()
        symbol = SYMBOLS.get(code, code + " ")
        decimals = 0 if step >= 1 else 2
        sign = "-" if value < 0 else ""
        return f"{sign}{symbol}{format_number(abs(value), decimals=decimals)}"
    return format_number(value, decimals=0 if step >= 1 else (1 if step >= 0.1 else 2))


# --- text -------------------------------------------------------------------------------------


def _clip(text: str, width: int = 28) -> str:
    """Shorten a label to about ``width`` columns (CJK characters count double)."""
    used = 0
    for i, char in enumerate(text):
        used += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
        if used > width:
            return text[:i].rstrip() + "…"
    return text


def short_date(day: date) -> str:
    """ "Aug 28" / "8月28日": the locale's month-day format with an abbreviated month name."""
    return date_format(day, str(get_format("MONTH_DAY_FORMAT")).replace("F", "M").replace("m", "n"))


def _n(value: float) -> str:
    """A coordinate for SVG attributes (never NaN)."""
    return f"{value:.1f}".rstrip("0").rstrip(".") if math.isfinite(value) else "0"


def _text(cls: str, x: float, y: float, content: str, anchor: str = "start") -> str:
    """An SVG text element; ``content`` is escaped."""
    return f'<text class="{cls}" x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}">{escape(content)}</text>'


# (gettext calls stay out of f-strings: xgettext does not see them there)


def _empty(title: str) -> SafeString:
    empty = _("No data yet.")
    return mark_safe(  # noqa: S308 - our markup; the title is escaped
        f'<figure class="chart chart-empty"><figcaption class="chart-title">{escape(title)}</figcaption>'
        f'<p class="empty">{escape(empty)}</p></figure>'
    )


def _data_table(caption: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in header)
    body = "".join(
        "<tr>"
        + f'<th scope="row">{escape(r[0])}</th>'
        + "".join(f'<td class="num">{escape(c)}</td>' for c in r[1:])
        + "</tr>"
        for r in rows
    )
    show = _("Show the numbers")
    return (
        f'<details class="chart-data"><summary>{escape(show)}</summary>'
        f'<div class="table-wrap"><table class="table"><caption class="visually-hidden">{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div></details>"
    )


def _legend(labels: Sequence[str]) -> str:
    if len(labels) < 2:
        return ""
    items = "".join(
        f'<li><span class="swatch series-{i % SERIES_CLASSES}" aria-hidden="true"></span>{escape(label)}</li>'
        for i, label in enumerate(labels)
    )
    return f'<ul class="chart-legend">{items}</ul>'


def _figure(title: str, svg: str, legend: str, table: str, testid: str) -> SafeString:
    return mark_safe(  # noqa: S308 - generated here, every label escaped
        f'<figure class="chart" data-chart="{escape(testid)}">'
        f'<figcaption class="chart-title">{escape(title)}</figcaption>{legend}{svg}{table}</figure>'
    )


def _svg_open(width: int, height: int, title: str, desc: str = "") -> tuple[str, str]:
    uid = f"chart-{next(_ids)}"
    desc_el = f'<desc id="{uid}-d">{escape(desc)}</desc>' if desc else ""
    described = f' aria-describedby="{uid}-d"' if desc else ""
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{uid}-t"{described} focusable="false">'
        f'<title id="{uid}-t">{escape(title)}</title>{desc_el}'
    )
    return head, "</svg>"


# --- line chart -------------------------------------------------------------------------------


def line_chart(series: Sequence[Series], *, title: str, height: int = 240, width: int = WIDTH) -> SafeString:
    """Daily lines sharing one y axis (all series should have the same unit)."""
    lines = [s for s in series if s.points]
    values = [v for s in lines for _d, raw in s.points if (v := _finite(raw)) is not None]
    if not lines or not values:
        return _empty(title)
    unit, currency = lines[0].unit, lines[0].currency
    scale = 100.0 if unit == "money" and currency.upper() not in ZERO_DECIMAL else 1.0
    days = sorted({d for s in lines for d, _v in s.points})
    index = {d: i for i, d in enumerate(days)}
    ticks = nice_ticks(min(values) / scale, max(values) / scale, integer=unit == "count")
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    labels = [_axis_label(t, unit, currency, step) for t in ticks]
    left = 14 + 8 * max(len(lbl) for lbl in labels)
    right, top, bottom = 16, 12, 30
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(i: int) -> float:
        return left + (plot_w / 2 if len(days) == 1 else i * plot_w / (len(days) - 1))

    def y(v: float) -> float:
        return top + plot_h * (1 - (v / scale - ticks[0]) / (ticks[-1] - ticks[0]))

    head, tail = _svg_open(width, height, title)
    parts = [head, '<g class="axis">']
    for tick, label in zip(ticks, labels, strict=True):
        ty = y(tick * scale)
        cls = "gridline zero" if tick == 0 else "gridline"
        parts.append(f'<line class="{cls}" x1="{left}" x2="{width - right}" y1="{_n(ty)}" y2="{_n(ty)}"/>')
        parts.append(f'<text class="tick" x="{left - 6}" y="{_n(ty + 4)}" text-anchor="end">{escape(label)}</text>')
    n_labels = min(len(days), 6)
    chosen = sorted({round(i * (len(days) - 1) / max(n_labels - 1, 1)) for i in range(n_labels)})
    for i in chosen:
        anchor = "start" if i == 0 and len(days) > 1 else ("end" if i == len(days) - 1 and len(days) > 1 else "middle")
        text = short_date(days[i])
        parts.append(f'<text class="tick" x="{_n(x(i))}" y="{height - 8}" text-anchor="{anchor}">{escape(text)}</text>')
    parts.append("</g>")
    for n, s in enumerate(lines):
        cls = f"series-{n % SERIES_CLASSES}"
        segments: list[list[str]] = [[]]
        dots = []
        for d, raw in sorted(s.points):
            v = _finite(raw)
            if v is None:
                segments.append([])
                continue
            px, py = x(index[d]), y(v)
            segments[-1].append(f"{_n(px)},{_n(py)}")
            tip = f"{date_format(d, 'DATE_FORMAT')} · {s.label}: {format_value(v, s.unit, s.currency)}"
            dots.append(f'<circle class="dot" cx="{_n(px)}" cy="{_n(py)}" r="5"><title>{escape(tip)}</title></circle>')
        parts.append(f'<g class="line {cls}">')
        for seg in segments:
            if len(seg) > 1:
                parts.append(f'<polyline points="{" ".join(seg)}"/>')
        parts.append("".join(dots))
        parts.append("</g>")
    parts.append(tail)
    header = [_("Date"), *(s.label for s in lines)]
    by_day = [{d: _finite(v) for d, v in s.points} for s in lines]
    rows = [
        [
            date_format(d, "DATE_FORMAT"),
            *(format_value(m.get(d), s.unit, s.currency) for m, s in zip(by_day, lines, strict=True)),
        ]
        for d in days
    ]
    return _figure(title, "".join(parts), _legend([s.label for s in lines]), _data_table(title, header, rows), "line")


# --- vertical bars ----------------------------------------------------------------------------


def bar_chart(
    items: Sequence[tuple[str, float | None]],
    *,
    title: str,
    unit: str = "count",
    currency: str = "",
    height: int = 220,
    width: int = WIDTH,
) -> SafeString:
    """One bar per category (histograms, rating distributions)."""
    values = [_finite(v) for _l, v in items]
    if not items or all(v is None for v in values) or all(not v for v in values):
        return _empty(title)
    clean = [v or 0.0 for v in values]
    ticks = nice_ticks(min(clean), max(clean), integer=unit == "count")
    step = ticks[1] - ticks[0]
    labels = [_axis_label(t, unit, currency, step) for t in ticks]
    left = 14 + 8 * max(len(lbl) for lbl in labels)
    right, top, bottom = 12, 18, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    slot = plot_w / len(items)
    bar_w = max(2.0, slot * 0.7)

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - ticks[0]) / (ticks[-1] - ticks[0]))

    head, tail = _svg_open(width, height, title)
    parts = [head, '<g class="axis">']
    for tick, label in zip(ticks, labels, strict=True):
        ty = y(tick)
        parts.append(f'<line class="gridline" x1="{left}" x2="{width - right}" y1="{_n(ty)}" y2="{_n(ty)}"/>')
        parts.append(f'<text class="tick" x="{left - 6}" y="{_n(ty + 4)}" text-anchor="end">{escape(label)}</text>')
    parts.append('</g><g class="bars series-0">')
    every = max(1, math.ceil(len(items) / 12))
    for i, ((label, _raw), v) in enumerate(zip(items, clean, strict=True)):
        cx = left + slot * (i + 0.5)
        y0, y1 = y(0), y(v)
        shown = format_value(v, unit, currency)
        parts.append(
            f'<rect class="bar" x="{_n(cx - bar_w / 2)}" y="{_n(min(y0, y1))}" width="{_n(bar_w)}" '
            f'height="{_n(abs(y0 - y1))}"><title>{escape(label)}: {escape(shown)}</title></rect>'
        )
        if len(items) <= 12 and v:
            parts.append(_text("value", cx, min(y0, y1) - 4, shown, "middle"))
        if i % every == 0:
            parts.append(_text("tick", cx, height - 8, _clip(label, 12), "middle"))
    parts.append("</g>" + tail)
    rows = [[label, format_value(v, unit, currency)] for (label, _r), v in zip(items, clean, strict=True)]
    return _figure(title, "".join(parts), "", _data_table(title, ["", _("Value")], rows), "bar")


# --- horizontal bars --------------------------------------------------------------------------


def hbar_chart(
    rows: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    series: Sequence[str],
    unit: str = "count",
    maximum: float | None = None,
    width: int = WIDTH,
    zero_is_data: bool = False,
) -> SafeString:
    """Horizontal bars, one group per row (lesson drop-off: reached and completed; quiz items).

    All-zero rows render the empty state unless ``zero_is_data`` (a quiz nobody answered right)."""
    values = [_finite(v) for _l, vs in rows for v in vs]
    if not rows or all(v is None for v in values) or (not zero_is_data and not any(values)):
        return _empty(title)
    top_value = maximum if maximum is not None else max((v for v in values if v is not None), default=0.0)
    top_value = top_value or 1.0
    label_w, value_w, right = (260 if width >= 800 else 200), 64, 8
    bar_h, gap = 14, 10
    group_h = bar_h * len(series) + gap
    height = group_h * len(rows) + 8
    plot_w = width - label_w - value_w - right
    head, tail = _svg_open(width, height, title)
    parts = [head]
    for r, (label, vs) in enumerate(rows):
        gy = 4 + r * group_h
        parts.append(
            f'<text class="label" x="{label_w - 8}" y="{_n(gy + bar_h * len(series) / 2 + 4)}" text-anchor="end">'
            f"<title>{escape(label)}</title>{escape(_clip(label, 36 if width >= 800 else 28))}</text>"
        )
        for k, raw in enumerate(vs):
            v = _finite(raw)
            by = gy + k * bar_h
            bar_len = 0.0 if v is None else max(0.0, min(1.0, v / top_value)) * plot_w
            shown = format_value(v, unit)
            parts.append(
                f'<rect class="track" x="{label_w}" y="{_n(by + 1)}" width="{_n(plot_w)}" height="{bar_h - 2}"/>'
            )
            parts.append(
                f'<rect class="bar series-{k % SERIES_CLASSES}" x="{label_w}" y="{_n(by + 1)}" width="{_n(bar_len)}" '
                f'height="{bar_h - 2}"><title>{escape(label)} · {escape(series[k])}: {escape(shown)}</title></rect>'
            )
            parts.append(
                f'<text class="value" x="{label_w + plot_w + 6}" y="{_n(by + bar_h - 3)}">{escape(shown)}</text>'
            )
    parts.append(tail)
    table_rows = [[label, *(format_value(_finite(v), unit) for v in vs)] for label, vs in rows]
    return _figure(title, "".join(parts), _legend(series), _data_table(title, ["", *series], table_rows), "hbar")


# --- funnel -----------------------------------------------------------------------------------


def funnel_chart(steps: Sequence[FunnelStep], *, title: str, width: int = WIDTH) -> SafeString:
    """Horizontal bars scaled to the first step, with the conversion from the step before."""
    if not steps or not any(s.count for s in steps):
        return _empty(title)
    first = max(steps[0].count, max(s.count for s in steps), 1)
    label_w, right = min(round(width * 0.3), 180), 110
    bar_h, gap = 26, 12
    height = len(steps) * (bar_h + gap) + 4
    plot_w = width - label_w - right
    head, tail = _svg_open(width, height, title)
    parts = [head]
    table = []
    previous: int | None = None
    for i, step in enumerate(steps):
        by = 4 + i * (bar_h + gap)
        bar_len = max(0.0, step.count / first) * plot_w
        conversion = step.count / previous if previous else None
        overall = step.count / steps[0].count if steps[0].count else None
        conv_text = format_percent(conversion) if conversion is not None else ""
        mid = by + bar_h / 2 + 5
        parts.append(_text("label", label_w - 10, mid, _clip(step.label, 20), "end"))
        parts.append(f'<rect class="track" x="{label_w}" y="{by}" width="{_n(plot_w)}" height="{bar_h}" rx="4"/>')
        tip = f"{step.label}: {format_number(step.count)}" + (f" · {conv_text}" if conv_text else "")
        parts.append(
            f'<rect class="bar funnel-{i % SERIES_CLASSES}" x="{label_w}" y="{by}" width="{_n(bar_len)}" '
            f'height="{bar_h}" rx="4">'
            f"<title>{escape(tip)}</title></rect>"
        )
        parts.append(_text("value", label_w + plot_w + 8, mid, format_number(step.count)))
        if conv_text:
            parts.append(_text("conversion", width - 4, mid, f"→ {conv_text}", "end"))
        table.append([step.label, format_number(step.count), conv_text or "—", format_percent(overall)])
        previous = step.count
    parts.append(tail)
    header = ["", _("Count"), _("From previous step"), _("From first step")]
    return _figure(title, "".join(parts), "", _data_table(title, header, table), "funnel")


# --- cohort triangle --------------------------------------------------------------------------


def heat_class(share: float | None) -> str:
    value = _finite(share)
    if value is None:
        return "heat-na"
    return f"heat-{max(0, min(10, round(value * 10)))}"


def cohort_table(rows: Sequence[CohortRow], *, title: str) -> SafeString:
    """Weekly sign-up cohorts (rows) by weeks since sign-up (columns), cells shaded by retention."""
    if not rows or not any(r.size for r in rows):
        return _empty(title)
    weeks = max((len(r.retention) for r in rows), default=0)
    week_label = _("Week %(n)s")
    head = "".join(
        f'<th scope="col" class="num"><abbr title="{escape(week_label % {"n": w})}">{w}</abbr></th>'
        for w in range(weeks)
    )
    body = []
    for row in rows:
        cells = []
        for w in range(weeks):
            share = row.retention[w] if w < len(row.retention) else None
            text = format_percent(share, decimals=0) if _finite(share) is not None else ""
            cells.append(f'<td class="num cohort-cell {heat_class(share)}">{escape(text)}</td>')
        week_of = short_date(row.start)
        body.append(
            f'<tr><th scope="row"><span class="nowrap">{escape(week_of)}</span></th>'
            f'<td class="num">{escape(format_number(row.size))}</td>{"".join(cells)}</tr>'
        )
    signup_label, learners_label, weeks_label = _("Sign-up week"), _("Learners"), _("Weeks after sign-up")
    return mark_safe(  # noqa: S308 - generated here, every value escaped
        f'<figure class="chart cohort" data-chart="cohort"><figcaption class="chart-title">{escape(title)}</figcaption>'
        f'<div class="table-wrap"><table class="table cohort-table">'
        f'<caption class="visually-hidden">{escape(title)}</caption>'
        f'<thead><tr><th scope="col" rowspan="2">{escape(signup_label)}</th>'
        f'<th scope="col" rowspan="2" class="num">{escape(learners_label)}</th>'
        f'<th scope="colgroup" colspan="{weeks}" class="cohort-weeks">{escape(weeks_label)}</th></tr>'
        f"<tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div></figure>"
    )
