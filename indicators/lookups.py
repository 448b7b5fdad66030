"""Finding periods from what a person (or a URL) wrote, and what has figures."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Period, Value
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


def with_figures(queryset: QuerySet, **of) -> QuerySet:
    """The periods, measures or authorities of `queryset` with a stored figure among those
    `of` names (`authority=`, `indicator=`, ...): a semi-join, each one looked up in the
    figures' index, where a DISTINCT over the join with the figures sorted every figure
    (6,000 of a measure: 4.2 ms against 0.2 in PostgreSQL)."""
    own = queryset.model._meta.model_name  # Value's own foreign key to it: period, indicator
    return queryset.filter(Exists(Value.objects.filter(**{own: OuterRef("pk")}, **of)))
