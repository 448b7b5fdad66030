"""The PDF briefing's charts, drawn as SVG by matplotlib's own SVG backend: no browser process,
so a briefing never waits on Chromium (kaleido started one per process and hung for ever
where none was installed). Styled as the web's plotly charts (reports/charts.py): the same
colours, markers and dashes, target lines and tolerance bands by financial year, and the
x axis in Outturn's own period labels."""

from __future__ import annotations

import io
from datetime import date

import matplotlib

matplotlib.use("svg")  # the SVG backend: no display, no browser
# Text as SVG text, not as a path per glyph: a fraction of the size, and much lighter for
# WeasyPrint to lay out (the PDF's own fonts draw it).
matplotlib.rcParams["svg.fonttype"] = "none"

import matplotlib.dates as mdates  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from indicators.models import Indicator, Target  # noqa: E402
from indicators.rules import PeriodKind  # noqa: E402

from .charts import (  # noqa: E402
    AMBER_BAND,
    BLUE,
    GREY,
    INK,
    axis_ticks,
    plotted,
    plotted_targets,
)

FONTS = ["Liberation Sans", "DejaVu Sans"]  # Arial's metrics where installed; matplotlib's own


def installed(families: list[str]) -> list[str]:
    """The families of `families` this machine has, in order (matplotlib's own last): asking
    for one it lacks logs a warning for every chart drawn."""
    have = {font.name for font in font_manager.fontManager.ttflist}
    return [family for family in families if family in have] or ["DejaVu Sans"]


matplotlib.rcParams["font.family"] = installed(FONTS)

SIZE_INCHES = (4.5, 2.3)  # drawn at about its printed size: 60% of the A4 text width
LEFT, RIGHT = 0.11, 0.98  # the axes' edges, as fractions of the figure's width
AXIS_PX = SIZE_INCHES[0] * (RIGHT - LEFT) * 100
STYLES = [(BLUE, "o", "-"), (GREY, "s", ":"), (INK, "^", "-.")]
KINDS = [
    (PeriodKind.QUARTER, 5, "quarters"),
    (PeriodKind.MONTH, 4, "months"),
    (PeriodKind.YEAR, 6, "years"),
]


def _rgba(css: str) -> tuple[float, float, float, float]:
    """plotly's CSS rgba() colour as matplotlib's tuple, so both draw the same band."""
    red, green, blue, alpha = (float(part) for part in css[5:-1].split(","))
    return red / 255, green / 255, blue / 255, alpha


def _midpoint(period) -> date:
    return period.start + (period.end - period.start) / 2


def measure_svg(indicator: Indicator, series: dict, targets: list[Target]) -> bytes | None:
    """An SVG chart of `series` (label -> Values with periods); None with no figure to draw."""
    drawn = [v for values in series.values() for v in values if plotted(v)]
    if not drawn:
        return None
    figure = Figure(figsize=SIZE_INCHES, dpi=100)
    axes = figure.add_subplot()
    # The web's rule for which periods to label, for this axis's width at 100 dpi and 7 pt
    # labels (about 5.5 px a character; 6 keeps a margin): no two labels touch.
    ticks, start, end = axis_ticks([v.period for v in drawn], AXIS_PX, char_px=6.0, gap_px=8)
    _draw_targets(axes, plotted_targets(targets), start, end)
    _draw_series(axes, series)
    axes.set_xlim(start, end)
    axes.set_xticks([mdates.date2num(_midpoint(p)) for p in ticks])
    axes.set_xticklabels([p.short_label for p in ticks], fontsize=7)
    unit = "%" if indicator.unit == Indicator.Unit.PERCENT else indicator.get_unit_display()
    axes.set_ylabel(unit, fontsize=8)
    axes.tick_params(axis="y", labelsize=7)
    axes.grid(color="#f3f2f1", linewidth=0.8)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.legend(fontsize=7, frameon=False, ncols=3, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    # Fixed margins, not tight_layout(): that draws the whole figure once more to measure it.
    figure.subplots_adjust(left=LEFT, right=RIGHT, top=0.85, bottom=0.14)
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Title": f"{indicator.code} over time"})
    return buffer.getvalue().encode()


def _draw_targets(axes, targets: list[Target], start: date, end: date) -> None:
    """Each financial year's target within the chart's span, dashed, over its tolerance."""
    for number, target in enumerate(targets):
        year_start = date(target.fiscal_year, 4, 1)
        year_end = date(target.fiscal_year + 1, 3, 31)
        if year_end < start or year_start > end:
            continue
        if target.tolerance is not None:
            low, high = sorted([target.target, target.tolerance])
            axes.fill_between(
                [year_start, year_end], low, high, color=_rgba(AMBER_BAND), linewidth=0, zorder=0
            )
        axes.plot(
            [year_start, year_end],
            [target.target] * 2,
            color=INK,
            linestyle="--",
            linewidth=1.5,
            label="Target" if number == 0 else None,
        )


def _draw_series(axes, series: dict) -> None:
    """Each series' figures, by kind of period, styled as the web's charts."""
    for (label, values), (colour, marker, dash) in zip(series.items(), STYLES, strict=False):
        for kind, size, suffix in KINDS:
            points = [v for v in values if v.period.kind == kind and plotted(v)]
            if not points:
                continue
            axes.plot(
                [_midpoint(v.period) for v in points],
                [v.value for v in points],
                color=colour,
                linestyle="none" if kind == PeriodKind.MONTH else dash,
                marker="D" if kind == PeriodKind.YEAR else marker,
                markersize=size,
                markerfacecolor="white" if kind == PeriodKind.MONTH else colour,
                linewidth=1.5,
                label=f"{label}, {suffix}",
            )
