from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from authorities.models import Authority
from core.access import officer_side
from indicators.lookups import period_or_404
from indicators.rules import PeriodKind, PeriodParseError, has_begun, parse_period
from scrutiny.models import Publication

from .. import papers
from ..briefing import fingerprint
from ..models import Briefing


@login_required
@require_http_methods(["GET", "POST"])
def quarter_pdf(request, authority_slug: str, period_slug: str):
    """A quarter's briefing: the paper built already from today's figures, at once; else (GET)
    a page offering to prepare it, or (POST) the worker asked for it and its page, which
    follows it. The web never builds a paper."""
    authority = get_object_or_404(Authority, slug=authority_slug)
    period = period_or_404(period_slug, PeriodKind.QUARTER)
    built = papers.current_or_waiting(authority, [period.code])
    if request.method == "GET" and built is not None and built.state == Briefing.State.DONE:
        return FileResponse(
            built.file.open("rb"),
            as_attachment=True,
            filename=f"outturn-briefing-{authority.slug}-{period.slug}.pdf",
            content_type="application/pdf",
        )
    if request.method == "GET":
        return render(
            request,
            "reports/briefing_prepare.html",
            {"authority": authority, "period": period, "waiting": built},
        )
    return ask_and_follow(request, authority, [period.code])


def ask_and_follow(request, authority, codes, presented_on=None, back=None, asked_to=""):
    """Ask the worker for a paper and follow it on its page (or, built already, the paper
    itself where it has an address of its own); a refusal said where it was asked."""
    try:
        briefing = papers.ask(authority, codes, request.user, presented_on, asked_to)
    except papers.Refused as refused:
        messages.warning(request, str(refused))
        return redirect(back or request.path)
    if briefing.state == Briefing.State.DONE and back is None and presented_on is None:
        return redirect(request.path)  # the quarter's paper: its GET downloads it
    return redirect("reports:briefing", pk=briefing.pk)


@login_required
@require_POST
def request_year(request, authority_slug: str, period_slug: str):
    """A whole financial year's briefing, built by a Celery worker; the page shows progress.
    Queuing one is an officer's job (of this authority) or an admin's: it takes a worker's
    time, so it is not every reader's to ask for."""
    authority = get_object_or_404(Authority, slug=authority_slug)
    if officer_side(request.user, authority) is None:
        raise PermissionDenied("Only this authority's officers can prepare a year's briefing.")
    try:
        year = parse_period(period_slug)
    except PeriodParseError as error:
        raise Http404(str(error)) from error
    if year.kind != PeriodKind.YEAR:
        raise Http404("Give a financial year, such as 2016-17.")
    if not has_begun(year, timezone.localdate()):
        raise Http404(f"{year.label} has not begun, so there is nothing to brief on.")
    codes = [quarter.code for quarter in year.quarters()]
    return ask_and_follow(
        request, authority, codes, back=reverse("reports:authority", args=[authority.slug])
    )


STUCK_AFTER = timedelta(minutes=5)


@login_required
@require_GET
def detail(request, pk: int):
    briefing = get_object_or_404(
        Briefing.objects.select_related("authority", "publication__period"), pk=pk
    )
    # A paper presented is the paper as presented: later figures never make it out of date.
    stale = (
        briefing.state == Briefing.State.DONE
        and briefing.publication_id is None
        and briefing.fingerprint != fingerprint(briefing.authority)
    )
    waiting = briefing.state in (Briefing.State.QUEUED, Briefing.State.RUNNING)
    # The page stops refreshing and says so once a paper is long overdue: never waits for ever.
    stuck = waiting and timezone.now() - briefing.requested_at > STUCK_AFTER
    return render(
        request,
        "reports/briefing_status.html",
        {"briefing": briefing, "out_of_date": stale, "stuck": stuck, "waiting": waiting},
    )


@login_required
@require_GET
def download(request, pk: int):
    briefing = get_object_or_404(Briefing, pk=pk, state=Briefing.State.DONE)
    if not briefing.file:
        raise Http404("The file is not there.")
    return FileResponse(
        briefing.file.open("rb"),
        as_attachment=True,
        filename=f"outturn-briefing-{briefing.authority.slug}-{briefing.period_codes[0][:7]}.pdf",
        content_type="application/pdf",
    )


@login_required
@require_GET
def presented_paper(request, authority_slug: str, period_slug: str, pk: int):
    """The PDF paper exactly as it was presented to the panel (frozen when presented)."""
    publication = get_object_or_404(
        Publication, pk=pk, authority__slug=authority_slug, period__code=_period_code(period_slug)
    )
    if not publication.paper:
        raise Http404("This quarter was presented before Outturn kept the paper itself.")
    return FileResponse(
        publication.paper.open("rb"),
        as_attachment=True,
        filename=(
            f"outturn-briefing-{authority_slug}-{period_slug}-as-presented-"
            f"{publication.presented_on}.pdf"
        ),
        content_type="application/pdf",
    )


def _period_code(period_slug: str) -> str:
    return period_or_404(period_slug, PeriodKind.QUARTER).code
