from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET

from authorities.models import Authority
from core.access import officer_side
from indicators.models import Indicator, Period, Value
from scrutiny.models import ChallengeRecord

from ..caching import cached, challenge_stamp, version_key
from ..history import timeline
from ..measure import build_story
from ..national import national_series


@login_required
@require_GET
def measure(request, authority_slug: str, code: str):
    chosen = get_object_or_404(Authority.objects.select_related("region"), slug=authority_slug)
    indicator = get_object_or_404(
        Indicator.objects.select_related("category", "benchmark"), code=code
    )
    key = version_key("measure", chosen.pk, indicator.pk)
    story, latest_period, national = cached(key, lambda: _figures(chosen, indicator))
    records = list(
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
            "records_key": challenge_stamp(records),
            "side": officer_side(request.user, chosen),
            "write_period": latest_quarter.period if latest_quarter else None,
            # Read only when its fragment is not cached: the fragment's key is the figures'
            # (the version) and the challenge records' (an edit of either always adds to it).
            "history": SimpleLazyObject(lambda: timeline(chosen, indicator, key)[:200]),
            "national": national,
            "figures_key": key,
            "today": timezone.localdate(),
        },
    )


def _figures(authority: Authority, indicator: Indicator):
    """What the page draws from figures: the story (its chart and control chart worked out
    now, so they are cached with it), the latest period to compare, the national series."""
    story = build_story(authority, indicator)
    story.figure_json  # noqa: B018 - worked out before caching
    latest = Value.objects.filter(indicator=story.comparator, authority__kind="local_authority")
    latest_period = (
        Period.objects.filter(id__in=latest.values("period_id")).order_by("-end").first()
    )
    national = national_series(authority, indicator.benchmark) if indicator.benchmark else None
    return story, latest_period, national
