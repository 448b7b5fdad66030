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
from django.template.loader import render_to_string
from django.urls import reverse

from core.access import may_recommend

from .models import Action, DigestSetting, Recommendation, ReturnDeadline

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


def digest_for(user: User, today: date) -> Digest:
    digest = Digest(user)
    sides = {a.authority_id: a.side for a in user.assignments.all()}
    if sides:
        digest.overdue_actions = list(
            Action.objects.filter(
                challenge__authority_id__in=sides,
                status=Action.Status.OPEN,
                due_date__lt=today,
            ).select_related("challenge__authority", "challenge__indicator", "challenge__period")
        )
        digest.to_answer = [
            r
            for r in Recommendation.objects.filter(
                authority_id__in=sides, status=Recommendation.Status.OPEN
            ).select_related("authority", "period", "indicator")
            if sides[r.authority_id] == r.addressed_to
        ]
        for deadline in ReturnDeadline.objects.filter(
            authority_id__in=sides, due_date__lte=today + RETURN_WARNING
        ).select_related("authority", "period"):
            if not deadline.authority.value_set.filter(period=deadline.period).exists():
                digest.returns.append(deadline)
    if may_recommend(user):
        panel = Recommendation.objects.select_related("authority", "period", "indicator")
        digest.to_decide = list(panel.filter(status=Recommendation.Status.ANSWERED))
        digest.unanswered = [
            r for r in panel.filter(status=Recommendation.Status.OPEN) if r.overdue(today)
        ]
    return digest


def send_digests(today: date, base_url: str = "") -> int:
    """One email to each active person with something waiting who has not switched the
    digest off and has not had today's. Returns how many were sent."""
    sent = 0
    people = User.objects.filter(is_active=True).exclude(email="").prefetch_related("assignments")
    for user in people:
        setting, _ = DigestSetting.objects.get_or_create(user=user)
        if not setting.wanted or setting.last_sent_on == today:
            continue
        digest = digest_for(user, today)
        if digest.empty:
            continue
        with transaction.atomic():
            claimed = (
                DigestSetting.objects.filter(pk=setting.pk, wanted=True)
                .exclude(last_sent_on=today)
                .update(last_sent_on=today)
            )
            if not claimed:  # another run sent it a moment ago
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
