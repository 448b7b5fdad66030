from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from authorities.models import Authority
from indicators.models import Period
from indicators.rules import PeriodKind, PeriodParseError, parse_period

from .export import quarter_csv
from .quarter import build_quarter, latest_quarter


def _get_quarter(authority_slug: str, period_slug: str):
    authority = get_object_or_404(Authority, slug=authority_slug)
    try:
        parsed = parse_period(period_slug)
    except PeriodParseError as error:
        raise Http404(str(error)) from error
    if parsed.kind != PeriodKind.QUARTER:
        raise Http404("Only quarters have a quarter page.")
    period = get_object_or_404(Period, code=parsed.code)
    return build_quarter(authority, period)


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
def quarter(request, authority_slug: str, period_slug: str):
    return render(
        request, "reports/quarter.html", {"quarter": _get_quarter(authority_slug, period_slug)}
    )


@login_required
@require_GET
def quarter_export(request, authority_slug: str, period_slug: str):
    quarter = _get_quarter(authority_slug, period_slug)
    response = HttpResponse(quarter_csv(quarter), content_type="text/csv; charset=utf-8")
    filename = f"outturn-{quarter.authority.slug}-{quarter.period.slug}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
