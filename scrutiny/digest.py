"""The daily digest: at most one email a person a day, with what waits on them — actions
past their due date, questions and recommendations awaiting their answer (officers) or the
panel's decision (panel members), returns due or overdue (officers). Nothing to say, no
email; switched off, no email."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse

from core.access import may_recommend
from indicators.models import Value

from . import writes
from .models import Action, Recommendation, ReturnDeadline

RETURN_WARNING = timedelta(days=7)  # a return is mentioned from a week before it is due


@dataclass
class Digest:
    user: User
    overdue_actions: list = field(default_factory=list)
    to_answer: list = field(default_factory=list)
    to_decide: list = field(default_factory=list)
    unanswered: list = field(default_factory=list)
    returns: list = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.overdue_actions
            or self.to_answer
            or self.to_decide
            or self.unanswered
            or self.returns
        )


@dataclass
class Waiting:
    """Everything any digest can mention, read once for the whole run (four queries),
    then sorted out person by person in memory."""

    overdue_actions: list
    open_items: list
    answered_items: list
    returns: list  # deadlines within the warning, with no figure yet for their quarter

    @classmethod
    def read(cls, today: date) -> Waiting:
        items = list(
            Recommendation.objects.filter(
                status__in=[Recommendation.Status.OPEN, Recommendation.Status.ANSWERED]
            ).select_related("authority", "period", "indicator")
        )
        figures = Value.objects.filter(
            authority_id=OuterRef("authority_id"), period_id=OuterRef("period_id")
        )
        return cls(
            overdue_actions=list(
                Action.objects.filter(status=Action.Status.OPEN, due_date__lt=today).select_related(
                    "challenge__authority", "challenge__indicator", "challenge__period"
                )
            ),
            open_items=[i for i in items if i.status == Recommendation.Status.OPEN],
            answered_items=[i for i in items if i.status == Recommendation.Status.ANSWERED],
            returns=list(
                ReturnDeadline.objects.filter(due_date__lte=today + RETURN_WARNING)
                .exclude(Exists(figures))
                .select_related("authority", "period")
            ),
        )


def digest_for(user: User, today: date, waiting: Waiting) -> Digest:
    digest = Digest(user)
    sides = {a.authority_id: a.side for a in user.assignments.all()}
    digest.overdue_actions = [
        a for a in waiting.overdue_actions if a.challenge.authority_id in sides
    ]
    digest.to_answer = [
        i for i in waiting.open_items if sides.get(i.authority_id) == i.addressed_to
    ]
    digest.returns = [d for d in waiting.returns if d.authority_id in sides]
    digest.to_decide = [i for i in waiting.answered_items if may_recommend(user, i.authority_id)]
    digest.unanswered = [
        i for i in waiting.open_items if i.overdue(today) and may_recommend(user, i.authority_id)
    ]
    return digest


def send_digests(today: date, base_url: str = "") -> int:
    """One email to each active person with something waiting who has not switched the
    digest off and has not had today's. Returns how many were sent."""
    sent = 0
    people = list(
        User.objects.filter(is_active=True)
        .exclude(email="")
        .prefetch_related("assignments", "groups", "panels")
    )
    settings_of = writes.digest_settings(people)
    waiting = Waiting.read(today)
    for user in people:
        setting = settings_of[user.pk]
        if not setting.wanted or setting.last_sent_on == today:
            continue
        digest = digest_for(user, today, waiting)
        if digest.empty:
            continue
        with transaction.atomic():
            if not writes.claim_digest(setting, today):  # another run sent it a moment ago
                continue
            send_mail(
                f"Outturn: what is waiting for you, {today:%-d %B %Y}",
                render_to_string(
                    "scrutiny/digest_email.txt",
                    {
                        "digest": digest,
                        "today": today,
                        "base": base_url or settings.SITE_URL,
                        "off": reverse("scrutiny:digest_setting"),
                    },
                ),
                None,
                [user.email],
            )
        sent += 1
    return sent
