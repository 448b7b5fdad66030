from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from authorities.models import Authority
from indicators.models import Indicator, Period, Value
from indicators.rules import PeriodKind

from .access import officer_side
from .compare import rank
from .history import timeline
from .measure import build_story
from .models import ChallengeRecord
from .views import get_period


@login_required
@require_GET
def authority(request, authority_slug: str):
    chosen = get_object_or_404(Authority.objects.select_related("region"), slug=authority_slug)
    inspections = list(chosen.inspections.all())
    quarters = (
        Period.objects.filter(kind=PeriodKind.QUARTER, value__authority=chosen)
        .distinct()
        .order_by("-sequence")[:12]
    )
    neighbours = chosen.neighbours.select_related("neighbour")
    indicators = (
        Indicator.objects.filter(value__authority=chosen).distinct().select_related("category")
    )
    return render(
        request,
        "reports/authority.html",
        {
            "authority": chosen,
            "latest": inspections[0] if inspections else None,
            "inspections": inspections,
            "quarters": quarters,
            "neighbours": neighbours,
            "indicators": indicators,
        },
    )


@login_required
@require_GET
def measure(request, authority_slug: str, code: str):
    chosen = get_object_or_404(Authority.objects.select_related("region"), slug=authority_slug)
    indicator = get_object_or_404(
        Indicator.objects.select_related("category", "benchmark"), code=code
    )
    story = build_story(chosen, indicator)
    latest = Value.objects.filter(indicator=story.comparator, authority__kind="local_authority")
    latest_period = (
        Period.objects.filter(id__in=latest.values("period_id")).order_by("-end").first()
    )
    records = (
        ChallengeRecord.objects.filter(authority=chosen, indicator=indicator)
        .select_related("period", "council_by", "provider_by", "authority", "indicator")
        .prefetch_related("actions")
        .order_by("-period__sequence")
    )
    latest_quarter = story.quarters[-1] if story.quarters else None
    return render(
        request,
        "reports/measure.html",
        {
            "story": story,
            "authority": chosen,
            "indicator": indicator,
            "compare_period": latest_period,
            "records": records,
            "side": officer_side(request.user, chosen),
            "write_period": latest_quarter.period if latest_quarter else None,
            "history": timeline(chosen, indicator)[:200],
            "today": timezone.localdate(),
        },
    )


@login_required
@require_GET
def compare(request, code: str, period_slug: str):
    indicator = get_object_or_404(Indicator, code=code)
    period = get_period(period_slug)
    chosen = Authority.objects.filter(slug=request.GET.get("authority", "")).first()
    regions = Authority.objects.filter(kind=Authority.Kind.REGION).order_by("name")
    region = regions.filter(code=request.GET.get("region", "")).first()
    ranking = rank(indicator, period, chosen, region)
    periods = Period.objects.filter(value__indicator=indicator).distinct().order_by("-end")[:40]
    return render(
        request,
        "reports/compare.html",
        {
            "ranking": ranking,
            "indicator": indicator,
            "period": period,
            "chosen": chosen,
            "region": region,
            "regions": regions,
            "periods": periods,
            "authorities": Authority.objects.filter(kind=Authority.Kind.LOCAL_AUTHORITY).only(
                "name", "slug"
            ),
        },
    )


def accessibility(request):
    return render(request, "accessibility.html")
