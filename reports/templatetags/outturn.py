from __future__ import annotations

from django import template

from indicators.rules import Direction, Status

register = template.Library()

_STATUS_COLOURS = {
    Status.ON_TARGET: "green",
    Status.WITHIN_TOLERANCE: "yellow",
    Status.OUTSIDE_TOLERANCE: "red",
    Status.NO_TARGET: "grey",
    Status.NO_VALUE: "grey",
}


@register.filter
def figure(number, indicator) -> str:
    """A number as the indicator reports it: its decimals, and % for percentages."""
    if number is None or number == "":
        return "–"
    text = f"{float(number):,.{indicator.decimals}f}"
    return f"{text}%" if indicator.unit == "percent" else text


@register.filter
def signed_figure(number, indicator) -> str:
    if number is None:
        return "–"
    sign = "+" if number > 0 else ""
    return sign + figure(number, indicator)


@register.inclusion_tag("partials/status.html")
def status_tag(status) -> dict:
    status = Status(status)
    return {"status": status, "colour": _STATUS_COLOURS[status]}


@register.inclusion_tag("partials/direction.html")
def direction_tag(direction) -> dict:
    return {"direction": Direction(direction) if direction else None}


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
