"""The panel's workflow: for each authority, measure and quarter, the council's assessment and
questions, the provider's response and the actions that follow; and the quarter as presented
to the panel."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class ChallengeRecord(models.Model):
    class Classification(models.TextChoices):
        FOLLOW_STATUS = "", "Not classified: follow the status and direction"
        GOOD = "good", "Area of good or improving performance"
        CONCERN = "concern", "Area of concern"
        POTENTIAL_CONCERN = "potential_concern", "Potential concern"
        NOT_SELECTED = "not_selected", "Not selected for the panel"

    authority = models.ForeignKey("authorities.Authority", on_delete=models.CASCADE)
    indicator = models.ForeignKey("indicators.Indicator", on_delete=models.CASCADE)
    period = models.ForeignKey("indicators.Period", on_delete=models.PROTECT)
    classification = models.CharField(
        max_length=20, choices=Classification.choices, blank=True, default=""
    )
    council_comment = models.TextField("Council comment", blank=True)
    questions = models.TextField("Questions to the provider", blank=True)
    provider_response = models.TextField("Provider response", blank=True)
    council_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    council_at = models.DateTimeField(null=True, blank=True)
    provider_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    provider_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "indicator", "period"], name="one_challenge_per_quarter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.authority} {self.indicator.code} {self.period}"


class Action(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        CARRIED = "carried", "Carried over to the next quarter"

    challenge = models.ForeignKey(ChallengeRecord, on_delete=models.CASCADE, related_name="actions")
    text = models.TextField()
    owner = models.CharField(max_length=120, blank=True)
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    carried_over_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried_to"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return self.text[:60]

    def state(self, today: date) -> str:
        """open, done, carried, or overdue (open past its due date): computed, never stored."""
        if self.status != self.Status.OPEN:
            return self.status
        if self.due_date and self.due_date < today:
            return "overdue"
        return "open"


class Publication(models.Model):
    """A quarter as presented to the panel: figures, statuses and commentary frozen on the
    day, so later revisions never change what the panel saw."""

    authority = models.ForeignKey("authorities.Authority", on_delete=models.CASCADE)
    period = models.ForeignKey("indicators.Period", on_delete=models.PROTECT)
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    presented_on = models.DateField(help_text="The date of the panel meeting.")
    snapshot = models.JSONField()
    asked_to = models.TextField(
        "The panel is asked to",
        blank=True,
        help_text="What the officer presenting asks the panel to do with the quarter.",
    )
    paper = models.FileField(
        upload_to="papers/%Y/%m/",
        blank=True,
        help_text="The PDF briefing as presented, built from the same figures as the snapshot.",
    )

    class Meta:
        ordering = ["-published_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "period", "presented_on"],
                name="one_presentation_per_meeting",
            )
        ]

    def __str__(self) -> str:
        return f"{self.authority} {self.period} presented {self.presented_on}"


class Recommendation(models.Model):
    """The panel's own voice: a question, a recommendation or a request for a deep dive,
    addressed to the council or the provider; answered by that side's officers; accepted
    or closed by the chair. Every step is in its history."""

    class Kind(models.TextChoices):
        QUESTION = "question", "Question"
        RECOMMENDATION = "recommendation", "Recommendation"
        DEEP_DIVE = "deep_dive", "Deep dive at a later meeting"

    class Status(models.TextChoices):
        OPEN = "open", "Open: awaiting an answer"
        ANSWERED = "answered", "Answered: for the panel to consider"
        ACCEPTED = "accepted", "Accepted by the panel"
        CLOSED = "closed", "Closed"

    authority = models.ForeignKey("authorities.Authority", on_delete=models.CASCADE)
    period = models.ForeignKey(
        "indicators.Period", on_delete=models.PROTECT, help_text="The meeting's quarter."
    )
    indicator = models.ForeignKey(
        "indicators.Indicator", null=True, blank=True, on_delete=models.CASCADE
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.RECOMMENDATION)
    addressed_to = models.CharField(
        max_length=10, choices=[("council", "The council"), ("provider", "The provider")]
    )
    text = models.TextField()
    due_date = models.DateField(null=True, blank=True)
    agenda_period = models.ForeignKey(
        "indicators.Period",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="A deep dive: the quarter whose meeting takes it.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return self.text[:60]

    def may_become(self, status: str) -> bool:
        """The workflow's steps: the side addressed answers an open item (and may answer
        again until the chair decides); the chair accepts an answered item, or closes any
        item not closed. Closed is the end."""
        return status in _NEXT_STEPS[self.status]

    def overdue(self, today: date) -> bool:
        return self.status == self.Status.OPEN and bool(self.due_date and self.due_date < today)

    @property
    def is_overdue(self) -> bool:
        """overdue() today, for templates: one rule, not a copy of it in each page."""
        return self.overdue(timezone.localdate())


_NEXT_STEPS = {
    Recommendation.Status.OPEN: {Recommendation.Status.ANSWERED, Recommendation.Status.CLOSED},
    Recommendation.Status.ANSWERED: {
        Recommendation.Status.ANSWERED,
        Recommendation.Status.ACCEPTED,
        Recommendation.Status.CLOSED,
    },
    Recommendation.Status.ACCEPTED: {Recommendation.Status.CLOSED},
    Recommendation.Status.CLOSED: set(),
}


class ReturnDeadline(models.Model):
    """When an authority's return for a quarter is due: the digest reminds its officers
    while no figure for that quarter has arrived."""

    authority = models.ForeignKey("authorities.Authority", on_delete=models.CASCADE)
    period = models.ForeignKey("indicators.Period", on_delete=models.PROTECT)
    due_date = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["authority", "period"], name="one_deadline_per_return")
        ]

    def __str__(self) -> str:
        return f"{self.authority} {self.period} due {self.due_date}"


class DigestSetting(models.Model):
    """A person's daily digest: on unless they switch it off; the day it was last sent, so
    a beat that runs twice sends once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest"
    )
    wanted = models.BooleanField(default=True)
    last_sent_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user} digest {'on' if self.wanted else 'off'}"
