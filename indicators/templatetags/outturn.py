from __future__ import annotations

import logging
from functools import cache
from urllib.parse import quote

from django import template
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString, mark_safe

from core.html import conditional_escape, format_html, format_html_join
from indicators.rules import Direction, Status, is_in_range, published_places, round_half_up
from indicators.spc import Assurance, Variation, is_trial

register = template.Library()
log = logging.getLogger(__name__)

OUT_OF_RANGE = "out of range"

_STATUS_COLOURS = {
    Status.ON_TARGET: "green",
    Status.WITHIN_TOLERANCE: "yellow",
    Status.OUTSIDE_TOLERANCE: "red",
    Status.NO_TARGET: "grey",
    Status.NO_VALUE: "grey",
}


# What follows a figure, so that it never stands without its unit: a rate of 0.08 is not
# read as a count, nor a percentage as a rate (issue 28, finding 4). A count needs no word.
UNIT_SUFFIXES = {
    "percent": "%",
    "rate_per_10000": " per 10,000",
    "rate_per_1000": " per 1,000",
    "weeks": " weeks",
    "days": " days",
}


def _formatted(number, places: int, unit: str) -> str:
    """The one way a figure is written: rounded half up to `places`, thousands separated,
    with its unit (UNIT_SUFFIXES); "–" for no figure; "out of range" (and a warning in the
    log) for a stored number no measure can hold, so that it can be found and mended."""
    if number is None or number == "":
        return "–"
    if not is_in_range(float(number)):
        log.warning("a stored number out of range was shown as such: %r", float(number))
        return OUT_OF_RANGE
    text = f"{round_half_up(float(number), places):,.{places}f}"
    # Digits, commas, a point, a sign and a unit's words: nothing to escape, so marked safe
    # rather than escaped wherever it is drawn (a thousand figures a quarter view).
    return SafeString(text + UNIT_SUFFIXES.get(unit, ""))


@register.filter
def figure(number, indicator) -> str:
    """One of the authority's own figures, or a mean of figures (a mean has no precision of
    its own), as the indicator publishes it: at its decimals, rounded half up as it is
    judged."""
    return _formatted(number, indicator.decimals, indicator.unit)


@register.filter
def limit_figure(number, indicator) -> str:
    """A control chart's average or limit: an average of figures, so two places more than
    they have (as the export writes it), with their unit."""
    return _formatted(number, indicator.decimals + 2, indicator.unit)


@register.filter
def published_figure(number, indicator) -> str:
    """A comparator published by someone else (England, a region, another authority) as they
    published it: at least the indicator's decimals, never hiding a digit they gave (England's
    81.5% on a whole-number local measure stays 81.5%), at most two places."""
    if number is None or number == "":
        return "–"
    number = float(number)
    return _formatted(number, published_places(number, indicator.decimals), indicator.unit)


@register.filter
def seen_figure(number, seen: dict) -> str:
    """A figure frozen in a presented snapshot, in the unit and decimals it was shown with
    (snapshots from before units were frozen fall back to the number as stored)."""
    if "unit" not in seen:
        return "–" if number is None else f"{number:g}"
    return _formatted(number, seen["decimals"], seen["unit"])


@register.filter
def national_period(period, indicator) -> str:
    """A period of a national measure's figures, pinned to the calendar as the measure
    counts ("2023/24 (at 31 March 2024)"); the label alone where its timing is not stated."""
    if period is None:
        return "–"
    note = indicator.period_note(period)
    return f"{period.label} ({note})" if note else period.label


@register.filter
def period_note(period, indicator) -> str:
    """The note alone ("at 31 March 2024"), for a table that shows the label beside it."""
    return indicator.period_note(period) if period is not None else ""


@register.filter
def status_label(code: str) -> str:
    return Status(code).label


@register.filter
def status_symbol(code: str) -> str:
    return Status(code).symbol


@register.filter
def signed_figure(number, indicator) -> str:
    """A change. A change in a percentage is in percentage points, said in words ("down 11
    points"), never "-11%", which would read as a relative change."""
    if number is None:
        return "–"
    if not is_in_range(float(number)):
        return figure(number, indicator)
    if indicator.unit == "percent":
        size = figure(abs(number), indicator).removesuffix(UNIT_SUFFIXES["percent"])
        if float(size.replace(",", "")) == 0:
            return "no change"
        return f"{'up' if number > 0 else 'down'} {size} point{'' if size == '1' else 's'}"
    sign = "+" if number > 0 else ""
    return sign + figure(number, indicator)


@register.filter
def gap(number, indicator) -> str:
    """How far one figure is above or below another of the same measure ("4.1 points above",
    "12 below", "the same"): a reconciliation, not a change over time."""
    if number is None:
        return "–"
    if not is_in_range(float(number)):
        return figure(number, indicator)
    size = figure(abs(number), indicator)
    if indicator.unit == "percent":
        size = size.removesuffix(UNIT_SUFFIXES["percent"])
        size = f"{size} point{'' if size == '1' else 's'}"
    if float(figure(abs(number), indicator).split()[0].rstrip("%").replace(",", "")) == 0:
        return "the same"
    return f"{size} {'above' if number > 0 else 'below'}"


@register.simple_tag
def status_tag(status, reported=False) -> str:
    """Words, a symbol and a colour: never colour alone. A status `reported` without a figure
    says so and takes no colour: Outturn cannot check it."""
    return _status_tag(Status(status), bool(reported))


@cache
def _status_tag(status: Status, reported: bool) -> str:
    """Drawn once a process for each status (a tag is the same wherever it is shown)."""
    if reported:
        return format_html(
            '<strong class="govuk-tag govuk-tag--grey outturn-status outturn-status--reported">'
            '<span class="outturn-status__symbol" aria-hidden="true">{}</span> Reported: {}'
            '</strong> <span class="govuk-body-s outturn-status__note">No figure was given, so '
            "Outturn cannot check it.</span>",
            status.symbol,
            status.label.lower(),
        )
    return format_html(
        '<strong class="govuk-tag govuk-tag--{} outturn-status outturn-status--{}">'
        '<span class="outturn-status__symbol" aria-hidden="true">{}</span> {}</strong>',
        _STATUS_COLOURS[status],
        status.value,
        status.symbol,
        status.label,
    )


@register.simple_tag
def direction_tag(direction) -> str:
    if not direction:
        return mark_safe(
            '<span class="govuk-visually-hidden">No previous figure</span>'
            '<span aria-hidden="true">–</span>'
        )
    return _direction_tag(Direction(direction))


@cache
def _direction_tag(direction: Direction) -> str:
    """Drawn once a process for each direction."""
    return format_html(
        '<span class="outturn-direction outturn-direction--{}">'
        '<span aria-hidden="true">{}</span> {}</span>',
        direction.value,
        direction.symbol,
        direction.label,
    )


@register.filter
def measure_page(code: str, base: str) -> str:
    """A measure's page: `base`, a page's path up to the code (reports.tables.measure_path),
    and the code quoted as reverse() quotes it (a space as %20). Every link to a measure a
    quarter view draws, without a reverse() each (rules.code_problem keeps out what one
    segment of an address cannot carry)."""
    return f"{base}{quote(code, safe=RFC3986_SUBDELIMS + '~:@')}/"


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


NO_VALUE_REASONS = {
    "c": "Suppressed (small numbers)",
    "k": "Rounds to zero",
    "low": "Rounds to zero",
    "x": "Not available",
    "z": "Not applicable",
    "u": "Low reliability",
    "blank": "No figure supplied",
}


@register.filter
def no_value_reason(reason: str) -> str:
    """DfE's symbols in words; anything else as written."""
    return NO_VALUE_REASONS.get(reason, reason) or "No figure"


@register.simple_tag
def sparkline(trend, indicator, width=120, height=32) -> str:
    """A small trend line as inline SVG (no script), with its figures as its text label."""
    points = [(i, v) for i, v in enumerate(trend) if v is not None]
    label = conditional_escape(  # escaped once, for the two places it is drawn
        "Trend over the last quarters: "
        + (", ".join(figure(v, indicator) for _, v in points) if points else "no figures")
    )
    if len(points) < 2:
        shape = format_html(
            '<line x1="2" y1="{}" x2="{}" y2="{}" stroke="#b1b4b6" stroke-dasharray="4 4"/>',
            height - 2,
            width - 2,
            height - 2,
        )
    else:
        low = min(v for _, v in points)
        span = (max(v for _, v in points) - low) or 1
        step = (width - 4) / max(1, len(trend) - 1)
        xy = [(2 + i * step, height - 2 - (v - low) / span * (height - 4)) for i, v in points]
        shape = format_html(
            '<polyline points="{}" fill="none" stroke="#0b0c0c" stroke-width="2"/>'
            '<circle cx="{}" cy="{}" r="3" fill="#0b0c0c"/>',
            " ".join(f"{x:.1f},{y:.1f}" for x, y in xy),
            f"{xy[-1][0]:.1f}",
            f"{xy[-1][1]:.1f}",
        )
    return format_html(
        '<svg class="outturn-sparkline" width="{}" height="{}" viewBox="0 0 {} {}" role="img" '
        'aria-label="{}"><title>{}</title>{}</svg>',
        width,
        height,
        width,
        height,
        label,
        label,
        shape,
    )


_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def chart_data(element_id: str, figure_json: str):
    """A chart's JSON in a data block that never executes (a strict CSP allows it), escaped
    like Django's json_script so no text in it can close the tag."""
    return format_html(
        '<script type="application/json" id="{}">{}</script>',
        element_id,
        mark_safe(figure_json.translate(_JSON_ESCAPES)),
    )


@register.simple_tag
def action_state(action, today) -> str:
    state = action.state(today)
    colours = {"open": "blue", "overdue": "red", "done": "green", "carried": "grey"}
    words = {"open": "Open", "overdue": "Overdue", "done": "Done", "carried": "Carried over"}
    return format_html(
        '<strong class="govuk-tag govuk-tag--{} outturn-action--{}">{}</strong>',
        colours[state],
        state,
        words[state],
    )


@register.simple_tag
def variation_tag(value) -> str:
    """A figure's SPC variation: symbol and words (never colour alone), or why there is none."""
    if value is None or value.value is None:
        return mark_safe('<span class="govuk-hint govuk-!-margin-0">–</span>')
    if not value.variation:
        return mark_safe(
            '<span class="govuk-hint govuk-!-margin-0">Too few points for a control chart</span>'
        )
    tag = _spc_tag(Variation(value.variation))
    if is_trial(value.spc_points):
        return format_html(
            '{} <span class="govuk-hint govuk-!-margin-0">(trial limits, {} points)</span>',
            tag,
            value.spc_points,
        )
    return tag


@register.simple_tag
def assurance_tag(value) -> str:
    if value is None or not value.assurance:
        return mark_safe('<span class="govuk-hint govuk-!-margin-0">–</span>')
    return _spc_tag(Assurance(value.assurance))


@cache
def _spc_tag(found: Variation | Assurance) -> str:
    """A symbol for the eye (hidden from screen readers) and always the words. Drawn once a
    process for each variation and assurance."""
    return format_html(
        '<span class="outturn-spc outturn-spc--{}"><span aria-hidden="true">{}</span> {}</span>',
        found.value,
        found.symbol,
        found.label,
    )


@register.simple_tag
def select_options(items, value: str, label: str, selected=None):
    """A select's options, one per item (its `value` and `label` attributes), the one whose
    value is `selected` marked so: drawn in one pass, where a template loop over every
    English authority was a visible part of a page's first drawing after a write."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (
                getattr(item, value),
                mark_safe(" selected") if selected and getattr(item, value) == selected else "",
                getattr(item, label),
            )
            for item in items
        ),
    )
