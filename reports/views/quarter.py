"""The quarter view and its neighbours: home, the switchers, the CSV export, presenting a
quarter to the panel. Thin: reports/quarter.py and reports/pages.py assemble what they show."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import TemplateView

from authorities.models import Authority
from core.access import COUNCIL, officer_side
from core.csv import csv_response
from indicators.lookups import period_or_404
from indicators.rules import PeriodKind
from scrutiny import writes
from scrutiny.forms import PublishForm

from ..export import quarter_xlsx, write_quarter_csv
from ..pages import measures_table, quarter_page
from ..quarter import build_quarter, latest_quarter
from .briefing import ask_and_follow

EXPORTS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _get_quarter(authority_slug: str, period_slug: str, comparisons: bool = True):
    authority = get_object_or_404(Authority.objects.select_related("region"), slug=authority_slug)
    period = period_or_404(period_slug, PeriodKind.QUARTER)
    return build_quarter(authority, period, comparisons=comparisons)


@login_required
@require_GET
def home(request):
    found = latest_quarter(user=request.user)
    if found is None:
        return render(request, "reports/no_data.html")
    authority, period = found
    return redirect("reports:quarter", authority_slug=authority.slug, period_slug=period.slug)


@login_required
@require_GET
def switch(request):
    """The authority and quarter switchers submit here (a plain GET form, no script)."""
    authority = get_object_or_404(Authority, slug=request.GET.get("authority", ""))
    period_text = request.GET.get("period", "")
    if period_text:
        # Any spelling people type ("2016-17 Q2", "Q2 2016/17"): the quarter's own address.
        period = period_or_404(period_text, PeriodKind.QUARTER)
        return redirect("reports:quarter", authority_slug=authority.slug, period_slug=period.slug)
    found = latest_quarter(authority)
    if found is None:  # annual figures only, say: its page says what it has
        messages.info(
            request,
            f"{authority.name} has no quarterly figures in Outturn, so there is no quarter "
            "to show. Its page lists the measures and years it has.",
        )
        return redirect("reports:authority", authority_slug=authority.slug)
    return redirect("reports:quarter", authority_slug=authority.slug, period_slug=found[1].slug)


class QuarterView(LoginRequiredMixin, TemplateView):
    """The quarter view; `?_export=csv` or `xlsx` downloads its measures table as filtered and
    sorted, in export.csv's columns (reports/export.py), so the exports always agree."""

    template_name = "reports/quarter.html"
    http_method_names = ["get", "head"]

    def get(self, request, authority_slug: str, period_slug: str):
        self.quarter = _get_quarter(authority_slug, period_slug)
        self.table = measures_table(self.quarter, request)
        export = request.GET.get("_export")
        if export in EXPORTS:
            return self.export(export, [row.record for row in self.table.rows])
        return super().get(request)

    def export(self, export_format: str, measures: list):
        slugs = f"{self.quarter.authority.slug}-{self.quarter.period.slug}"
        filename = f"outturn-{slugs}-measures.{export_format}"
        if export_format == "csv":
            response = csv_response(filename)
            write_quarter_csv(self.quarter, response, measures)
            return response
        response = HttpResponse(quarter_xlsx(self.quarter, measures), content_type=EXPORTS["xlsx"])
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def get_context_data(self, **kwargs):
        return quarter_page(self.quarter, self.request, self.table)


quarter = QuarterView.as_view()


@login_required
@require_GET
def quarter_export(request, authority_slug: str, period_slug: str):
    quarter = _get_quarter(authority_slug, period_slug)
    filename = f"outturn-{quarter.authority.slug}-{quarter.period.slug}.csv"
    response = csv_response(filename)
    write_quarter_csv(quarter, response)
    return response


@login_required
@require_POST
def publish_quarter(request, authority_slug: str, period_slug: str):
    """Freeze the quarter as the panel is shown it, with its paper: built by the worker
    (reports.papers), which freezes both from one assembly of the figures; the briefing's
    page follows it. A quarter is presented once for a meeting."""
    authority = get_object_or_404(Authority, slug=authority_slug)
    if officer_side(request.user, authority) != COUNCIL:
        raise PermissionDenied("Only the council's officers can present a quarter to the panel.")
    period = period_or_404(period_slug, PeriodKind.QUARTER)
    form = PublishForm(request.POST, quarter=period.parsed)
    if not form.is_valid():
        for error in form.errors.get("presented_on", []):
            messages.warning(request, f"Not presented: {error}.")
        return redirect("reports:quarter", authority_slug, period_slug)
    presented_on = form.cleaned_data["presented_on"]
    quarter_url = reverse("reports:quarter", args=[authority.slug, period.slug])
    publication = writes.presented(authority, period, presented_on)
    if publication is None:
        return ask_and_follow(
            request,
            authority,
            [period.code],
            presented_on,
            back=quarter_url,
            asked_to=form.cleaned_data["asked_to"],
        )
    messages.info(
        request,
        f"{period.label} was presented to the panel on {presented_on:%-d %B %Y} already: "
        "this is what the panel was shown.",
    )
    return redirect(f"{quarter_url}?presented={publication.pk}")
