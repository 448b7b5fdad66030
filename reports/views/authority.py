from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from authorities.models import Authority, latest_judgement
from indicators.models import Indicator, Period, Value
from indicators.rules import PeriodKind


@login_required
@require_GET
def authority(request, authority_slug: str):
    chosen = get_object_or_404(Authority.objects.select_related("region"), slug=authority_slug)
    inspections = list(chosen.inspections.all())
    latest, visits_since = latest_judgement(inspections)

    # Semi-joins: each period and measure looked up in the figures' index, where a DISTINCT
    # over the join sorted every figure the authority has (2,500 here: 1.9 and 4.2 ms).
    def has_figures(**outer):
        return Exists(Value.objects.filter(authority=chosen, **outer))

    quarters = Period.objects.filter(
        has_figures(period=OuterRef("pk")), kind=PeriodKind.QUARTER
    ).order_by("-sequence")[:12]
    neighbours = chosen.neighbours.select_related("neighbour")
    indicators = Indicator.objects.filter(has_figures(indicator=OuterRef("pk"))).select_related(
        "category"
    )
    return render(
        request,
        "reports/authority.html",
        {
            "authority": chosen,
            "latest": latest,
            "visits_since": visits_since,
            "inspections": inspections,
            "quarters": quarters,
            "neighbours": neighbours,
            "indicators": indicators,
        },
    )
