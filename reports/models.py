"""What the reports app stores of its own: PDF briefings built in the background."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from scrutiny.models import Publication


class Briefing(models.Model):
    """A PDF briefing built in the background (a whole year, or anything too large to build
    while the browser waits). The row is the source of truth for its progress."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Being built"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    authority = models.ForeignKey("authorities.Authority", on_delete=models.CASCADE)
    period_codes = models.JSONField(help_text="The quarters it covers, in order.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    file = models.FileField(upload_to="briefings/%Y/%m/", blank=True)
    message = models.TextField(blank=True)
    seconds = models.FloatField(null=True, blank=True)
    fingerprint = models.CharField(
        max_length=64,
        blank=True,
        help_text="What the data looked like when it was built (reports.briefing.fingerprint).",
    )
    presented_on = models.DateField(
        null=True,
        blank=True,
        help_text="A paper to present to the panel meeting of this date: built, it freezes the "
        "quarter as presented (scrutiny.models.Publication).",
    )
    asked_to = models.TextField(blank=True, help_text="What the panel is asked to do (presenting).")
    publication = models.ForeignKey(
        Publication, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"Briefing {self.pk}: {self.authority} {', '.join(self.period_codes)}"
