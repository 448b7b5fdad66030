"""Plotly figures for the pages (drawn by static/js/charts.js from JSON, so no inline script)
(the PDF briefing draws its static charts with matplotlib: reports/static_charts.py).

A figure is built as the plain JSON structure plotly.js reads — `{"data": [...], "layout":
{...}}` with plotly's default template, exactly what a `plotly.graph_objects.Figure` of the
same traces serialises to — and written by `plotly.io.to_json` without validation: building
graph objects validated every property of every trace and shape on every cold page (half of
a measure page's first drawing after a write, docs/benchmarks.md). The tests validate every
figure a page draws through `plotly.graph_objects.Figure` instead
(tests/reports/test_charts.py)."""

from __future__ import annotations

import math
from datetime import timedelta
from functools import cache

import plotly.io as pio

from indicators.models import Indicator, Target
from indicators.rules import PeriodKind, fiscal_year_code, is_in_range
from indicators.spc import figure_interval

# Colour-blind-safe, and each series also differs by marker or dash.
INK = "#0b0c0c"
BLUE = "#1d70b8"
GREY = "#505a5f"
LIGHT = "#b1b4b6"
GREEN_BAND = "rgba(0,112,60,0.10)"
AMBER_BAND = "rgba(244,119,56,0.18)"
FONT = dict(family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif", size=14)


def _midpoint(period):
    return period.start + (period.end - period.start) / 2


def plotted(value) -> bool:
    """Whether a figure is drawn: it has a number, and one in range (a number out of range is
    shown in the table beside the chart, never drawn: it would flatten every other point)."""
    return value.value is not None and is_in_range(value.value)


def plotted_targets(targets: list[Target]) -> list[Target]:
    """The targets a chart draws: those whose target and tolerance are in range."""
    return [
        t
        for t in targets
        if is_in_range(t.target) and (t.tolerance is None or is_in_range(t.tolerance))
    ]


@cache
def _template() -> dict:
    """plotly's default template, as a graph object figure carries it: read once, when the
    first chart is drawn (a seventh of a second: not at every process's start)."""
    return pio.templates[pio.templates.default].to_plotly_json()


def _figure(data: list[dict] | None = None) -> dict:
    return {"data": list(data or []), "layout": {"template": _template()}}


def _scatter(**properties) -> dict:
    """A scatter trace: the properties given, none of them None (as a graph object omits
    them)."""
    return {"type": "scatter", **{k: v for k, v in properties.items() if v is not None}}


def _update(layout: dict, **properties) -> None:
    """Merge `properties` into `layout`, dictionaries into dictionaries, None emptying one
    (update_layout)."""
    for key, value in properties.items():
        if isinstance(value, dict) and isinstance(layout.get(key), dict):
            _update(layout[key], **value)
        elif value is None and isinstance(layout.get(key), dict):
            layout[key] = {}
        else:
            layout[key] = value


def _vline(fig: dict, x, line: dict) -> None:
    """A vertical line across the plot at `x` (add_vline)."""
    fig["layout"].setdefault("shapes", []).append(
        {"line": line, "type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1,
         "yref": "y domain"}
    )  # fmt: skip


def measure_figure(indicator: Indicator, series: dict, targets: list[Target], control=None) -> dict:
    """`series` maps a label ("Doncaster", "England", …) to a list of Values (with periods);
    `control` (reports.measure.ControlChart) adds the XmR average, process limits and
    special-cause points, one legend group a reader can switch off."""
    fig = _figure()
    _target_traces(fig, plotted_targets(targets))
    styles = [(BLUE, "circle", "solid"), (GREY, "square", "dot"), (INK, "triangle-up", "dashdot")]
    for (label, values), style in zip(series.items(), styles, strict=False):
        for kind, size, suffix in SERIES_KINDS:
            points = [v for v in values if v.period.kind == kind and plotted(v)]
            if points:
                fig["data"].append(
                    _series_trace(indicator, label, points, kind, size, suffix, style)
                )
    if control is not None and control.enough:
        _control_traces(fig, control)
    _layout(fig, indicator)
    _period_axis(fig, [v.period for values in series.values() for v in values if plotted(v)])
    return fig


SERIES_KINDS = [
    (PeriodKind.QUARTER, 9, "quarters"),
    (PeriodKind.MONTH, 6, "months"),
    (PeriodKind.YEAR, 10, "years"),
]


def _target_traces(fig: dict, targets: list[Target]) -> None:
    """Each financial year's target as a dashed line, its tolerance as a shaded band."""
    for target in targets:
        year = fiscal_year_code(target.fiscal_year)
        start = f"{target.fiscal_year}-04-01"
        end = f"{target.fiscal_year + 1}-03-31"
        if target.tolerance is not None:
            fig["layout"].setdefault("shapes", []).append(
                {
                    "fillcolor": AMBER_BAND,
                    "layer": "below",
                    "line": {"width": 0},
                    "type": "rect",
                    "x0": start,
                    "x1": end,
                    "y0": target.target,
                    "y1": target.tolerance,
                }
            )
        fig["data"].append(
            _scatter(
                x=[start, end],
                y=[target.target, target.target],
                mode="lines",
                line=dict(color=INK, dash="dash", width=2),
                name=f"Target {year}",
                legendgroup="target",
                showlegend=target is targets[0],
                hovertemplate=f"Target %{{y}} ({year})<extra></extra>",
            )
        )


def _series_trace(indicator, label, points, kind, size, suffix, style) -> dict:
    """One series' figures of one kind of period (quarters joined by a line, months as open
    markers, years as diamonds), with 95% intervals as whiskers where a figure's numerator
    and denominator are known."""
    colour, symbol, dash = style
    pairs = [(figure_interval(indicator.unit, v.numerator, v.denominator), v) for v in points]
    whiskers = (
        dict(
            type="data",
            array=[i.high - v.value if i else 0 for i, v in pairs],
            arrayminus=[v.value - i.low if i else 0 for i, v in pairs],
            color=colour,
            thickness=1.2,
            width=4,
        )
        if any(i for i, _ in pairs)
        else None
    )
    return _scatter(
        error_y=whiskers,
        x=[_midpoint(v.period).isoformat() for v in points],
        y=[v.value for v in points],
        text=[v.period.label for v in points],
        mode="lines+markers" if kind != PeriodKind.MONTH else "markers",
        marker=dict(
            color=colour if kind != PeriodKind.MONTH else "white",
            symbol=symbol if kind != PeriodKind.YEAR else "diamond",
            size=size,
            line=dict(color=colour, width=2),
        ),
        line=dict(color=colour, dash=dash, width=2),
        name=f"{label}, {suffix}",
        hovertemplate="%{text}: %{y}<extra>" + label + "</extra>",
    )


SPC_MARKERS = {
    "special_cause_concern": ("#d4351c", "triangle-down", "Special cause: concern"),
    "special_cause_improvement": (BLUE, "triangle-up", "Special cause: improvement"),
    "neutral_high": (GREY, "triangle-up", "Special cause: unusually high"),
    "neutral_low": (GREY, "triangle-down", "Special cause: unusually low"),
}


def _control_traces(fig: dict, control) -> None:
    x = [_midpoint(v.period).isoformat() for v in control.values]
    edges = [x[0], x[-1]]
    found = control.limits
    trial = " (trial)" if found.trial else ""
    for name, level, dash in [
        ("Average (SPC)", found.mean, "solid"),
        (f"Upper process limit{trial}", found.upper, "dot"),
        (f"Lower process limit{trial}", found.lower, "dot"),
    ]:
        fig["data"].append(
            _scatter(
                x=edges,
                y=[level, level],
                mode="lines",
                line=dict(color=GREY, dash=dash, width=1.5),
                name=name,
                legendgroup="spc",
                hovertemplate=f"{name}: %{{y:.2f}}<extra></extra>",
            )
        )
    for variation, (colour, symbol, label) in SPC_MARKERS.items():
        points = [
            (position, value)
            for position, (value, found_variation) in enumerate(
                zip(control.values, control.variations, strict=True)
            )
            if found_variation == variation
        ]
        if not points:
            continue
        fig["data"].append(
            _scatter(
                x=[x[position] for position, _ in points],
                y=[value.value for _, value in points],
                text=[value.period.label for _, value in points],
                mode="markers",
                marker=dict(color=colour, symbol=symbol, size=14, line=dict(color=INK, width=1)),
                name=label,
                legendgroup="spc",
                hovertemplate="%{text}: %{y} — " + label + "<extra></extra>",
            )
        )


# The widths the web's x axis is planned for, each the narrowest axis its plan serves (a plan
# for a wider axis would collide on a narrower one): a chart 640 px wide or more (an axis of
# about 580 px after the y axis's labels), and a phone's, down to a 320 px screen, which
# static/js/charts.js swaps in where the chart is narrower.
WIDE_AXIS_PX = 580
NARROW_AXIS_PX = 240
NARROW_BELOW_PX = 640
CHAR_PX = 8.0  # an axis label's character at the charts' 14 px font (generous: never touch)
TICK_GAP_PX = 14


def axis_ticks(periods: list, axis_px: float, char_px: float = CHAR_PX, gap_px=TICK_GAP_PX):
    """The periods to label on a time axis `axis_px` wide, so that no two labels touch:
    left to right, a period is labelled only where its label, centred under its point, clears
    the last one by `gap_px`. Years and quarters are labelled before months (a month is
    labelled only on a chart of months). Labels are short ("Q2 2016/17") and horizontal,
    so they never reach the legend. Returns (periods, the axis's start and end)."""
    unique = {p.code: p for p in periods}.values()
    ordered = sorted(unique, key=lambda p: (_midpoint(p), p.kind))
    candidates = [p for p in ordered if p.kind != PeriodKind.MONTH] or list(ordered)
    # Room beyond the first and last points for their labels: a margin m, in days, such that
    # a label half as wide as the widest sits inside the axis (m = half × span / (axis − 2 ×
    # half), from m × axis / (span + 2m) = half), and never less than 20 days.
    span = (max(p.end for p in ordered) - min(p.start for p in ordered)).days
    half = max(len(p.short_label) for p in candidates) * char_px / 2
    margin = 20
    if axis_px > 4 * half:
        margin = max(margin, math.ceil(half * span / (axis_px - 2 * half)))
    start = min(p.start for p in ordered) - timedelta(days=margin)
    end = max(p.end for p in ordered) + timedelta(days=margin)
    per_day = axis_px / max((end - start).days, 1)
    chosen: list = []
    for period in candidates:
        x = (_midpoint(period) - start).days * per_day
        half = len(period.short_label) * char_px / 2
        if x - half < 0 or x + half > axis_px:
            continue  # would run off the chart's edge
        if chosen:
            last = chosen[-1]
            last_x = (_midpoint(last) - start).days * per_day
            if x - half < last_x + len(last.short_label) * char_px / 2 + gap_px:
                continue
        chosen.append(period)
    return chosen, start, end


def _period_axis(fig: dict, periods: list) -> None:
    """The x axis in the product's own period labels, over the periods drawn, whatever their
    number, with ticks that never collide (axis_ticks), planned for a wide chart; a narrow
    one (a phone) swaps in its own set from the figure's meta (static/js/charts.js)."""
    if not periods:
        return
    ticks, start, end = axis_ticks(periods, WIDE_AXIS_PX)
    narrow, narrow_start, narrow_end = axis_ticks(periods, NARROW_AXIS_PX)
    _update(
        fig["layout"],
        xaxis=dict(
            type="date",
            range=[start.isoformat(), end.isoformat()],
            tickmode="array",
            tickvals=[_midpoint(p).isoformat() for p in ticks],
            ticktext=[p.short_label for p in ticks],
            tickangle=0,
        ),
    )
    _update(
        fig["layout"],
        meta=dict(
            narrowBelow=NARROW_BELOW_PX,
            narrowTicks=dict(
                range=[narrow_start.isoformat(), narrow_end.isoformat()],
                tickvals=[_midpoint(p).isoformat() for p in narrow],
                ticktext=[p.short_label for p in narrow],
            ),
        ),
    )


def has_figures(*series) -> bool:
    """A chart is drawn only where there is at least one figure to draw."""
    return any(plotted(v) for values in series for v in values)


# The compare chart's lines, top to bottom, and how each draws its authorities.
COMPARE_LINES = [
    ("chosen", INK, "diamond", 16),
    ("neighbour", BLUE, "square", 11),
    ("other", LIGHT, "circle", 8),
]


def _compare_lines(rows: list[dict]) -> list[dict]:
    """One line of dots per role that has authorities, named for a reader."""
    chosen = next((r["name"] for r in rows if r["role"] == "chosen"), None)
    names = {
        "chosen": chosen,
        "neighbour": f"{chosen}'s statistical neighbours" if chosen else "",
        "other": "Every other authority" if chosen else "Every authority",
    }
    lines = []
    for role, colour, symbol, size in COMPARE_LINES:
        mine = [r for r in rows if r["role"] == role]
        if mine:
            lines.append(
                _scatter(
                    x=[r["value"] for r in mine],
                    y=[names[role]] * len(mine),
                    text=[r["name"] for r in mine],
                    mode="markers",
                    name=names[role],
                    marker=dict(
                        color=colour, symbol=symbol, size=size, line=dict(color=INK, width=1)
                    ),
                    hovertemplate="%{text}: %{x}<extra></extra>",
                )
            )
    return lines


def compare_figure(
    rows: list[dict],
    indicator: Indicator,
    cuts: tuple[float, float, float] | None = None,
    england: float | None = None,
) -> dict:
    """Every authority's figure as a dot on one scale, in at most three lines (the chosen
    authority, its statistical neighbours, every other authority), with the quartile bands'
    cut points dashed and England's figure solid: a chart a few lines tall however many
    authorities report (a bar each was 149 bars, 12,688 px). The ranking is the table."""
    fig = _figure(_compare_lines(rows))
    # The lines' names stand above their dots, across the plot, and the cut points are named
    # in the caption and the summary above: no label competes for the same narrow space.
    notes = fig["layout"].setdefault("annotations", [])
    for trace in fig["data"]:
        notes.append(
            dict(font=dict(size=13), showarrow=False, text=trace["name"], x=0, xanchor="left",
                 xref="paper", y=trace["name"], yshift=18)
        )  # fmt: skip
    for cut in cuts or ():
        _vline(fig, cut, dict(color=GREY, dash="dash", width=1))
    if england is not None:
        _vline(fig, england, dict(color=INK, width=2))
        notes.append(dict(showarrow=False, text="England", x=england, y=1, yref="paper", yshift=26))
    if not notes:
        del fig["layout"]["annotations"]
    _layout(fig, indicator, height=110 + 60 * len(fig["data"]))
    unit = "%" if indicator.unit == Indicator.Unit.PERCENT else indicator.get_unit_display()
    _update(
        fig["layout"],
        yaxis=dict(title=None, autorange="reversed", type="category", showticklabels=False),
        xaxis=dict(title=dict(text=unit)),
        showlegend=False,
        margin=dict(l=10, r=10, t=40, b=40),
    )
    return fig


def _layout(fig: dict, indicator: Indicator, height: int = 420) -> None:
    unit = "%" if indicator.unit == Indicator.Unit.PERCENT else indicator.get_unit_display()
    _update(
        fig["layout"],
        font=FONT,
        height=height,
        margin=dict(l=10, r=10, t=30, b=10),
        plot_bgcolor="white",
        paper_bgcolor="white",
        # Above the plot: nothing on the x axis can run into it.
        legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom"),
        yaxis=dict(title=dict(text=unit), gridcolor="#f3f2f1", zeroline=False),
        xaxis=dict(gridcolor="#f3f2f1"),
    )


def figure_json(fig: dict) -> str:
    return pio.to_json(fig, validate=False)
