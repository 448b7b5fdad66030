from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from authorities.models import Authority
from indicators.lookups import period_or_404, with_figures
from indicators.models import Indicator, Period
from indicators.rules import PeriodKind

from ..caching import cached, version_key
from ..pages import other_periods
from ..ranking import rank


@login_required
@require_GET
def compare(request, code: str, period_slug: str):
    indicator = get_object_or_404(Indicator.objects.select_related("benchmark"), code=code)
    period = period_or_404(period_slug)
    chosen = (
        Authority.objects.select_related("region")
        .filter(slug=request.GET.get("authority", ""))
        .first()
    )
    regions = Authority.objects.filter(kind=Authority.Kind.REGION).order_by("name")
    region = regions.filter(code=request.GET.get("region", "")).first()
    key = version_key(
        "compare",
        indicator.pk,
        period.pk,
        getattr(chosen, "pk", ""),
        getattr(region, "pk", ""),
        indicators=[indicator.pk],
    )
    ranking = cached(key, lambda: _ranked(indicator, period, chosen, region))
    # Reached from a quarter's pages: the other periods offered are those ended by its end.
    until = (
        period_or_404(request.GET["until"], PeriodKind.QUARTER) if "until" in request.GET else None
    )
    periods = _periods_offered(indicator, until)
    return render(
        request,
        "reports/compare.html",
        {
            "ranking": ranking,
            "figures_key": key,
            "indicator": indicator,
            "period": period,
            "chosen": chosen,
            "region": region,
            "regions": regions,
            # Drawn only where the page's fragment cache has them not.
            "other_periods": lambda: other_periods(
                indicator, periods, period, request.GET.urlencode()
            ),
            "until": until,
            # Rows with a slug and a name for the switcher, not a deferred Authority each.
            "authorities": Authority.objects.current_local().values_list(
                "slug", "name", named=True
            ),
        },
    )


def _periods_offered(indicator: Indicator, until: Period | None):
    """The measure's latest forty periods with a figure (ended by `until`'s end, if given)."""
    periods = with_figures(Period.objects, indicator=indicator)
    if until is not None:
        periods = periods.filter(end__lte=until.end)
    return periods.order_by("-end")[:40]


def _ranked(indicator, period, chosen, region):
    ranking = rank(indicator, period, chosen, region)
    ranking.figure_json  # noqa: B018 - worked out before caching
    ranking.rows_html  # noqa: B018
    return ranking
