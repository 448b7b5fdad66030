"""Finding periods from what a person (or a URL) wrote."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Period
from .rules import PeriodKind, PeriodParseError, parse_period


def period_or_404(period_slug: str, kind: PeriodKind | None = None) -> Period:
    """The stored period a URL names, or 404 saying why."""
    try:
        parsed = parse_period(period_slug)
    except PeriodParseError as error:
        raise Http404(str(error)) from error
    if kind and parsed.kind != kind:
        raise Http404(f"{parsed.label} is not a {kind}.")
    return get_object_or_404(Period, code=parsed.code)
