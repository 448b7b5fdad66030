"""Asking for a paper: every PDF briefing, a quarter's, a year's or the one presented to the
panel, is built by the worker (reports.tasks.build_briefing), never in a web process. One
build per paper and state of the figures, whoever asks; a few waiting per person; with the
broker unreachable the paper is refused in words, and every figure stays on the pages."""

from __future__ import annotations

from datetime import date

from django.conf import settings

from authorities.models import Authority
from core.tasks import send
from indicators.models import Period
from indicators.rules import parse_period

from .briefing import fingerprint
from .models import Briefing
from .tasks import build_briefing

PAUSED = (
    "Papers are paused for the moment (the service that builds them cannot be reached), so "
    "none was started. Every figure is here on the pages; try the paper again in a few "
    "minutes."
)


class Refused(Exception):
    """Why no paper was started: said to the person who asked."""


def current_or_waiting(
    authority: Authority, codes: list[str], presented_on: date | None = None
) -> Briefing | None:
    """A paper of these quarters (for that meeting) being built, or built from today's
    figures."""
    candidates = Briefing.objects.filter(
        authority=authority,
        period_codes=codes,
        presented_on=presented_on,
        state__in=[Briefing.State.QUEUED, Briefing.State.RUNNING, Briefing.State.DONE],
    ).order_by("-requested_at")[:5]
    now = fingerprint(authority)
    for briefing in candidates:
        if briefing.state != Briefing.State.DONE or (briefing.file and briefing.fingerprint == now):
            return briefing
    return None


def ask(
    authority: Authority,
    codes: list[str],
    user,
    presented_on: date | None = None,
    asked_to: str = "",
) -> Briefing:
    """The paper of these quarters, built or on its way: the one already asked for (by
    anyone), or a new one sent to the worker. Raises Refused past the per-person limit or
    with the broker unreachable."""
    same = current_or_waiting(authority, codes, presented_on)
    if same is not None:
        return same
    waiting = Briefing.objects.filter(
        requested_by=user, state__in=[Briefing.State.QUEUED, Briefing.State.RUNNING]
    ).count()
    limit = settings.BRIEFINGS_WAITING_PER_PERSON
    if waiting >= limit:
        raise Refused(
            f"You have {waiting} papers being prepared already; the most is {limit} at once. "
            "Try again when one of them is ready."
        )
    Period.ensure(parse_period(code) for code in codes)
    briefing = Briefing.objects.create(
        authority=authority,
        period_codes=codes,
        requested_by=user,
        presented_on=presented_on,
        asked_to=asked_to,
    )
    if not send(build_briefing, briefing.pk):
        Briefing.objects.filter(pk=briefing.pk).update(state=Briefing.State.FAILED, message=PAUSED)
        raise Refused(PAUSED)
    briefing.refresh_from_db()  # built already where tasks run in-process
    return briefing
