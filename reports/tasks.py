from __future__ import annotations

import logging
import time

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.base import ContentFile

from core.routing import reading_from_replica
from indicators.models import Period

from .models import Briefing

log = logging.getLogger(__name__)


# A year's paper takes seconds; two minutes means something is wrong, and it says so.
BRIEFING_SOFT_LIMIT = 120


@shared_task(
    acks_late=True, soft_time_limit=BRIEFING_SOFT_LIMIT, time_limit=BRIEFING_SOFT_LIMIT + 30
)
def build_briefing(briefing_id: int) -> str:
    """Build a queued briefing (and, for one to present, freeze the quarter as presented
    with it). Claimed by a conditional UPDATE, so a redelivered task that finds it already
    built does nothing."""
    claimed = Briefing.objects.filter(
        pk=briefing_id, state__in=[Briefing.State.QUEUED, Briefing.State.RUNNING]
    ).update(state=Briefing.State.RUNNING)
    if not claimed:
        return "already built"
    briefing = Briefing.objects.select_related("authority").get(pk=briefing_id)
    started = time.perf_counter()
    try:
        _build(briefing)
        briefing.state = Briefing.State.DONE
    except SoftTimeLimitExceeded:
        log.error("briefing %s stopped after %s s", briefing_id, BRIEFING_SOFT_LIMIT)
        briefing.state = Briefing.State.FAILED
        briefing.message = (
            f"The briefing was stopped after {BRIEFING_SOFT_LIMIT // 60} minutes without "
            "finishing. Try again from the quarter page; if it happens again, tell your "
            "administrator."
        )
    except Exception as error:
        log.exception("briefing %s failed", briefing_id)
        briefing.state = Briefing.State.FAILED
        briefing.message = (
            f"The paper could not be built ({type(error).__name__}; the details are in the "
            "log for the administrator). Try again from the quarter page."
        )
    briefing.seconds = time.perf_counter() - started
    briefing.save()
    return briefing.state


def _build(briefing: Briefing) -> None:
    """The paper itself: frozen with the quarter as presented, or today's drawn afresh (from
    a read replica, if one is configured: core.routing), its fingerprint taken first and from
    the same database as its figures, so a change while it builds makes it out of date, never
    current."""
    from .briefing import fingerprint, present, render_pdf

    periods = sorted(
        Period.objects.filter(code__in=briefing.period_codes), key=lambda p: p.sequence
    )
    if briefing.presented_on:
        briefing.fingerprint = fingerprint(briefing.authority)
        briefing.publication, _ = present(
            briefing.authority,
            periods[0],
            briefing.requested_by,
            briefing.presented_on,
            briefing.asked_to,
        )
        briefing.file.name = briefing.publication.paper.name  # the paper, not a copy
        return
    with reading_from_replica():
        briefing.fingerprint = fingerprint(briefing.authority)
        pdf = render_pdf(briefing.authority, periods)
    briefing.file.save(f"briefing-{briefing.pk}.pdf", ContentFile(pdf), save=False)
