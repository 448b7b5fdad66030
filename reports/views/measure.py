from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET

from authorities.models import Authority
from core import versions
from core.access import officer_side
from indicators import definitions
from indicators.definitions import Definitions
from indicators.lookups import period_or_404, with_figures
from indicators.models import Indicator, Period
from indicators.rules import PeriodKind
from scrutiny.models import ChallengeRecord

from ..caching import cached, challenge_stamp
from ..caching import key as cache_key
from ..history import timeline
from ..measure import build_story
from ..national import national_series
from ..tables import figures_rows, history_rows, status_strip

HISTORY_SHOWN = 200  # the newest changes
LOCAL = Authority.Kind.LOCAL_AUTHORITY


@login_required
@require_GET
def measure(request, authority_slug: str, code: str, period_slug: str | None = None):
    """A measure's page: every figure, or (reached from a quarter, with `period_slug`) the
    measure as it stood at the quarter's end, nothing of a later period shown."""
    chosen, indicator, stamp, held = _named(authority_slug, code)
    until = period_or_404(period_slug, PeriodKind.QUARTER) if period_slug else None
    key = cache_key("measure", chosen.pk, indicator.pk, until.pk if until else "", stamp)
    story, latest_period, national = cached(key, lambda: _figures(chosen, indicator, until))
    records = _records(chosen, indicator, until, held)
    latest_quarter = story.quarters[-1] if story.quarters else None
    side = officer_side(request.user, chosen)
    return render(
        request,
        "reports/measure.html",
        {
            "story": story,
            "authority": chosen,
            "indicator": indicator,
            "until": until,
            "compare_period": latest_period,
            "records": records,
            "records_key": challenge_stamp(records),
            "side": side,
            "write_period": latest_quarter.period if latest_quarter else None,
            # Drawn only when the figures' fragment is not cached.
            "figures_rows": SimpleLazyObject(lambda: figures_rows(story, side)),
            "strip": SimpleLazyObject(lambda: status_strip(story)),
            **_history(chosen, indicator, key, challenged=bool(records) or until is not None),
            "national": national,
            "figures_key": key,
            "today": timezone.localdate(),
        },
    )


def _named(authority_slug: str, code: str) -> tuple[Authority, Indicator, str, Definitions]:
    """The council and measure the address names, the stamp of the versions of what the
    page shows, and the definitions as held at them: the council and measure looked up in
    the definitions the process holds where the version of everything read after is theirs
    (indicators.definitions.recent), else in the database."""
    held = definitions.recent()
    if held is not None:
        chosen, indicator = held.places.get(authority_slug), held.indicator(code)
        if chosen is not None and indicator is not None:
            numbers = versions.numbers(chosen.pk, [indicator.pk, indicator.benchmark_id])
            if numbers[0] == held.version:
                return chosen, indicator, versions.joined(numbers), held
    chosen = get_object_or_404(Authority.objects.select_related("region"), slug=authority_slug)
    indicator = get_object_or_404(
        Indicator.objects.select_related("category", "benchmark"), code=code
    )
    numbers = versions.numbers(chosen.pk, [indicator.pk, indicator.benchmark_id])
    return chosen, indicator, versions.joined(numbers), definitions.held(numbers[0])


def _records(
    authority: Authority, indicator: Indicator, until: Period | None, held: Definitions
) -> list:
    """The challenge records of the measure, newest first, with their actions; with `until`,
    those of periods that ended by its end. Their authority, measure and period are the
    page's own and those held, not joined again."""
    records = ChallengeRecord.objects.filter(authority=authority, indicator=indicator)
    if until:
        records = records.filter(period__end__lte=until.end)
    found = list(
        records.select_related("council_by", "provider_by").prefetch_related("actions").order_by()
    )
    for record in found:
        record.authority, record.indicator = authority, indicator
        held.attach(record, "period")
    return sorted(found, key=lambda record: record.period.sequence, reverse=True)


def _history(authority: Authority, indicator: Indicator, key: str, challenged: bool) -> dict:
    """The history of changes and its rows, read and drawn only when its fragment is not
    cached (the fragment's key is the figures' version and the challenge records': an edit
    of either always adds to it). `challenged`: whether the authority has a record of the
    measure (every record is on a page not cut at a quarter)."""
    history = SimpleLazyObject(
        lambda: timeline(authority, indicator, key, challenged=challenged)[:HISTORY_SHOWN]
    )
    return {"history": history, "history_rows": SimpleLazyObject(lambda: history_rows(history))}


def _figures(authority: Authority, indicator: Indicator, until: Period | None):
    """What the page draws from figures: the story (its chart and control chart worked out
    now, so they are cached with it), the latest period to compare, the national series;
    with `until`, only periods that ended by its end."""
    story = build_story(authority, indicator, until)
    story.figure_json  # noqa: B018 - worked out before caching
    periods = with_figures(Period.objects, indicator=story.comparator, authority__kind=LOCAL)
    if until:
        periods = periods.filter(end__lte=until.end)
    if story.comparator == indicator and authority.kind == LOCAL and story.values:
        # The council's own figures are a council's: the latest period is none before them
        # (a few periods looked up in the figures' index, not every one).
        periods = periods.filter(end__gte=max(v.period.end for v in story.values))
    latest_period = periods.order_by("-end").first()
    national = None
    if indicator.benchmark:
        national = national_series(authority, indicator.benchmark)
        if until:
            national = [row for row in national if row.period.end <= until.end]
        if indicator.benchmark_match == Indicator.Match.SAME:
            # The same definition: this measure's figure beside DfE's for each DfE period
            # (a council's own calculation from its return, reconciled with DfE's).
            mine = {v.period_id: v.value for v in story.values if v.value is not None}
            for row in national:
                row.mine = mine.get(row.period.id)
    return story, latest_period, national
