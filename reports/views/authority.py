from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from authorities.models import Authority, latest_judgement
from indicators.lookups import with_figures
from indicators.models import Indicator, Period
from indicators.rules import PeriodKind


@login_required
@require_GET
def authority(request, authority_slug: str):
    chosen = get_object_or_404(Authority.objects.select_related("region"), slug=authority_slug)
    inspections = list(chosen.inspections.all())
    latest, visits_since = latest_judgement(inspections)
    quarters = with_figures(Period.objects.filter(kind=PeriodKind.QUARTER), authority=chosen)
    quarters = quarters.order_by("-sequence")[:12]
    neighbours = chosen.neighbours.select_related("neighbour")
    indicators = with_figures(Indicator.objects.select_related("category"), authority=chosen)
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
