from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from authorities.models import Authority
from core.access import officer_side
from core.tasks import send_or_run
from indicators.lookups import period_or_404
from indicators.models import Period
from indicators.rules import PeriodKind, PeriodParseError, has_begun, parse_period
from scrutiny.models import Publication

from ..briefing import fingerprint, render_pdf
from ..models import Briefing
from ..tasks import build_briefing


@login_required
@require_GET
def quarter_pdf(request, authority_slug: str, period_slug: str):
    """A quarter's briefing, built while the browser waits (about a second), or the one built
    already from today's figures."""
    authority = get_object_or_404(Authority, slug=authority_slug)
    period = period_or_404(period_slug, PeriodKind.QUARTER)
    filename = f"outturn-briefing-{authority.slug}-{period.slug}.pdf"
    # Built once per state of the figures: the next reader gets the same file at once.
    built = _current_or_waiting(authority, [period.code])
    if built is None or built.state != Briefing.State.DONE:
        started = time.perf_counter()
        now = fingerprint()  # taken first: a change while building makes it stale, not current
        pdf = render_pdf(authority, [period])
        built = Briefing(
            authority=authority,
            period_codes=[period.code],
            requested_by=request.user,
            state=Briefing.State.DONE,
            fingerprint=now,
            seconds=time.perf_counter() - started,
        )
        built.file.save(f"quarter-{authority.slug}-{period.slug}.pdf", ContentFile(pdf))
    return FileResponse(
        built.file.open("rb"),
        as_attachment=True,
        filename=filename,
        content_type="application/pdf",
    )


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
    same = _current_or_waiting(authority, codes)
    if same is not None:  # asked for already (by anyone): one paper, not two
        return redirect("reports:briefing", pk=same.pk)
    waiting = Briefing.objects.filter(
        requested_by=request.user, state__in=[Briefing.State.QUEUED, Briefing.State.RUNNING]
    ).count()
    limit = settings.BRIEFINGS_WAITING_PER_PERSON
    if waiting >= limit:
        messages.warning(
            request,
            f"You have {waiting} briefings being prepared already; the most is {limit} at "
            "once. Try again when one of them is ready.",
        )
        return redirect("reports:authority", authority_slug=authority.slug)
    Period.ensure(year.quarters())
    briefing = Briefing.objects.create(
        authority=authority, period_codes=codes, requested_by=request.user
    )
    transaction.on_commit(lambda: send_or_run(build_briefing, briefing.pk))
    return redirect("reports:briefing", pk=briefing.pk)


def _current_or_waiting(authority, codes: list[str]) -> Briefing | None:
    """A briefing of these quarters still being built, or built from today's figures."""
    candidates = Briefing.objects.filter(
        authority=authority,
        period_codes=codes,
        state__in=[Briefing.State.QUEUED, Briefing.State.RUNNING, Briefing.State.DONE],
    ).order_by("-requested_at")[:5]
    now = fingerprint()
    for briefing in candidates:
        if briefing.state != Briefing.State.DONE or (briefing.file and briefing.fingerprint == now):
            return briefing
    return None


STUCK_AFTER = timedelta(minutes=5)


@login_required
@require_GET
def detail(request, pk: int):
    briefing = get_object_or_404(Briefing.objects.select_related("authority"), pk=pk)
    stale = briefing.state == Briefing.State.DONE and briefing.fingerprint != fingerprint()
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
