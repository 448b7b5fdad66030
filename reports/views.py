from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig
from django_tables2.export import TableExport

from authorities.models import Authority
from indicators.models import Indicator, Period
from indicators.rules import PeriodKind, PeriodParseError, parse_period

from .access import officer_side
from .challenge import mark_revisions, open_actions
from .export import quarter_csv
from .filters import MeasureFilter
from .forms import PublishForm
from .models import Publication
from .quarter import build_quarter, latest_quarter
from .tables import MeasuresTable, VolumetricTable


def get_period(period_slug: str, kind: PeriodKind | None = None) -> Period:
    try:
        parsed = parse_period(period_slug)
    except PeriodParseError as error:
        raise Http404(str(error)) from error
    if kind and parsed.kind != kind:
        raise Http404(f"{parsed.label} is not a {kind}.")
    return get_object_or_404(Period, code=parsed.code)


def _get_quarter(authority_slug: str, period_slug: str, comparisons: bool = True):
    authority = get_object_or_404(Authority.objects.select_related("region"), slug=authority_slug)
    period = get_period(period_slug, PeriodKind.QUARTER)
    return build_quarter(authority, period, comparisons=comparisons)


@login_required
@require_GET
def home(request):
    found = latest_quarter()
    if found is None:
        return render(request, "reports/no_data.html")
    authority, period = found
    return redirect("reports:quarter", authority_slug=authority.slug, period_slug=period.slug)


@login_required
@require_GET
def switch(request):
    """The authority and quarter switchers submit here (a plain GET form, no script)."""
    authority = get_object_or_404(Authority, slug=request.GET.get("authority", ""))
    period_slug = request.GET.get("period", "")
    if period_slug:
        return redirect("reports:quarter", authority_slug=authority.slug, period_slug=period_slug)
    found = latest_quarter(authority)
    if found is None:
        raise Http404(f"{authority.name} has no quarterly figures yet.")
    return redirect("reports:quarter", authority_slug=authority.slug, period_slug=found[1].slug)


@login_required
@require_GET
def quarter(request, authority_slug: str, period_slug: str):
    quarter = _get_quarter(authority_slug, period_slug)
    statuses = {row.indicator.id: row.status for row in quarter.measures}
    measure_filter = MeasureFilter(
        request.GET or None,
        queryset=Indicator.objects.filter(id__in=statuses),
        statuses=statuses,
    )
    shown = set(measure_filter.qs.values_list("id", flat=True)) if measure_filter.is_bound else None
    rows = [row for row in quarter.measures if shown is None or row.indicator.id in shown]
    caption = f"Measures with a target, {quarter.period.label}"
    table = MeasuresTable(rows, authority=quarter.authority, caption=caption, prefix="m-")
    RequestConfig(request, paginate=False).configure(table)
    export_format = request.GET.get("_export")
    if TableExport.is_valid_format(export_format):
        filename = f"outturn-{quarter.authority.slug}-{quarter.period.slug}-measures"
        return TableExport(export_format, table).response(f"{filename}.{export_format}")
    volumetric = VolumetricTable(
        quarter.volumetric,
        authority=quarter.authority,
        caption=f"Volumetric measures, {quarter.period.label}",
        prefix="v-",
    )
    RequestConfig(request, paginate=False).configure(volumetric)
    publications = list(
        Publication.objects.filter(authority=quarter.authority, period=quarter.period)
    )
    shown = next((p for p in publications if str(p.pk) == request.GET.get("presented", "")), None)
    latest = publications[0] if publications else None
    mark_revisions(quarter, latest)
    side = officer_side(request.user, quarter.authority)
    return render(
        request,
        "reports/quarter.html",
        {
            "quarter": quarter,
            "publications": publications,
            "presented": shown,
            "latest_publication": latest,
            "side": side,
            "publish_form": PublishForm(),
            "actions": open_actions(quarter.authority, timezone.localdate()),
            "today": timezone.localdate(),
            "table": table,
            "volumetric_table": volumetric,
            "filter": measure_filter,
            "authorities": Authority.objects.filter(kind=Authority.Kind.LOCAL_AUTHORITY).only(
                "name", "slug"
            ),
            "quarters": Period.objects.filter(
                kind=PeriodKind.QUARTER, value__authority=quarter.authority
            )
            .distinct()
            .order_by("-sequence"),
        },
    )


@login_required
@require_GET
def quarter_export(request, authority_slug: str, period_slug: str):
    quarter = _get_quarter(authority_slug, period_slug, comparisons=False)
    response = HttpResponse(quarter_csv(quarter), content_type="text/csv; charset=utf-8")
    filename = f"outturn-{quarter.authority.slug}-{quarter.period.slug}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
