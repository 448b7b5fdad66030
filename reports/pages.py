"""What a page shows, assembled from the building blocks, so views stay thin."""

from __future__ import annotations

from functools import cache, partial
from urllib.parse import urlencode

from crispy_forms.utils import render_crispy_form
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString, mark_safe
from django_tables2 import RequestConfig

from core.access import may_recommend, officer_side
from core.html import format_html_join
from indicators.lookups import with_figures
from indicators.models import Indicator, Period
from indicators.rules import PeriodKind
from scrutiny.challenge import mark_revisions, open_actions
from scrutiny.forms import PublishForm
from scrutiny.models import Publication
from scrutiny.panel import for_quarter

from .cards import Cards, summary_table
from .filters import MeasureFilter
from .quarter import Quarter
from .tables import MeasuresTable, VolumetricTable, measure_path, path_before


def other_periods(indicator: Indicator, periods, shown: Period, query: str) -> SafeString:
    """The compare page's links to the measure's other periods (`periods` but the one
    shown), keeping the page's query: one reverse() for them all, where the template reversed
    one a link (a tenth of the page's first drawing). Nothing where there is only one."""
    periods = list(periods)
    if len(periods) < 2:
        return SafeString("")
    base = path_before("reports:compare", indicator.code)
    return format_html_join(
        " · ",
        '<a class="govuk-link" href="{}{}/?{}">{}</a>',
        ((base, p.slug, query, p.label) for p in periods if p.code != shown.code),
    )


def measures_table(quarter: Quarter, request) -> MeasuresTable:
    """The quarter's measures with a target, filtered and sorted as the request asks: the
    table on the page and the one its CSV and XLSX exports write."""
    statuses = {row.indicator.id: row.status for row in quarter.measures}
    measure_filter = MeasureFilter(
        request.GET or None,
        queryset=Indicator.objects.filter(id__in=statuses),
        statuses=statuses,
        signals={
            row.indicator.id: {row.value.variation, row.value.assurance} - {""}
            for row in quarter.measures
            if row.value
        },
    )
    shown = set(measure_filter.qs.values_list("id", flat=True)) if measure_filter.is_bound else None
    rows = [row for row in quarter.measures if shown is None or row.indicator.id in shown]
    caption = f"Measures with a target, {quarter.period.label}"
    table = MeasuresTable(
        rows, authority=quarter.authority, period=quarter.period, caption=caption, prefix="m-"
    )
    table.filter = measure_filter
    RequestConfig(request, paginate=False).configure(table)
    return table


def quarter_page(quarter: Quarter, request, table: MeasuresTable) -> dict:
    """The quarter view: the measures table, the volumetric table, what was presented to the
    panel, open actions and the switchers."""
    volumetric = _volumetric_table(quarter, request)
    publications = list(
        Publication.objects.filter(authority=quarter.authority, period=quarter.period)
    )
    presented = next(
        (p for p in publications if str(p.pk) == request.GET.get("presented", "")), None
    )
    latest = publications[0] if publications else None
    mark_revisions(quarter, latest)
    today = timezone.localdate()
    return {
        "quarter": quarter,
        # A measure's page in this quarter but its code: one reverse() for every link to one.
        "measure_base": measure_path(quarter.authority, quarter.period),
        "cards": Cards(quarter),  # drawn only where the page's fragment cache has them not
        "summary_table": lambda: summary_table(quarter),  # the same
        "publications": publications,
        "presented": presented,
        "latest_publication": latest,
        "side": officer_side(request.user, quarter.authority),
        "publish_form": blank_publish_form(),
        "actions": open_actions(quarter.authority, today, quarter.definitions),
        "panel": for_quarter(quarter.authority, quarter.period, quarter.definitions),
        "may_recommend": may_recommend(request.user, quarter.authority),
        "today": today,
        "table": table,
        "volumetric_table": volumetric,
        # What the tables' rendered HTML varies with besides the quarter (its sorting and
        # filters), for their fragment cache.
        "table_query": urlencode(sorted(request.GET.lists()), doseq=True),
        "filter": table.filter,
        **_switchers(quarter),
    }


def _volumetric_table(quarter: Quarter, request) -> VolumetricTable:
    volumetric = VolumetricTable(
        quarter.volumetric,
        authority=quarter.authority,
        period=quarter.period,
        caption=f"Volumetric measures, {quarter.period.label}",
        prefix="v-",
    )
    RequestConfig(request, paginate=False).configure(volumetric)
    return volumetric


def _switchers(quarter: Quarter) -> dict:
    """What the authority and quarter switchers offer: the councils in being during the
    quarter, as the definitions hold them, asked for only where the switcher is drawn (the
    page's fragment cache may have it); the quarters the authority has a figure of."""
    period = quarter.period
    return {
        "authorities": SimpleLazyObject(
            partial(quarter.definitions.in_being, period.start, period.end)
        ),
        "quarters": with_figures(
            Period.objects.filter(kind=PeriodKind.QUARTER), authority=quarter.authority
        ).order_by("-sequence"),
    }


@cache
def blank_publish_form() -> SafeString:
    """The form to present a quarter, as crispy-forms-gds draws it empty. It is the same on
    every quarter view (no field carries data, and a date refused comes back as a message,
    not in the form), so it is drawn once a process rather than on every first drawing of a
    quarter (about 2 ms)."""
    return mark_safe(render_crispy_form(PublishForm()))
