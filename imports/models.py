"""An import: one uploaded or command-line file, its checks, its preview and what was applied."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportBatchQuerySet(models.QuerySet):
    """Imports whose work has stalled, by one definition each: the sweeps, the import's page
    and the health check all ask here."""

    def saving_for_over(self, seconds: float):
        """Confirmed, and not saved this long after being handed to the worker."""
        cutoff = timezone.now() - timedelta(seconds=seconds)
        return self.filter(state=ImportBatch.State.APPLYING, apply_sent_at__lt=cutoff)

    def readable_by(self, user):
        """The imports a person may read: all, for a performance admin; otherwise their own
        and, as an import is its authority's record, every import by an officer of an
        authority they work for (either side) that wrote that authority's figures or, not
        applied, was made for it by that officer."""
        from core.access import writable_authority_ids

        mine = writable_authority_ids(user)
        if mine is None:
            return self
        wrote_mine = models.Q(written__authority_id__in=mine)
        theirs_unapplied = models.Q(created_by__assignments__authority_id__in=mine) & ~models.Q(
            state=ImportBatch.State.APPLIED
        )
        return self.filter(models.Q(created_by=user) | wrote_mine | theirs_unapplied).distinct()

    def recompute_still_for_over(self, seconds: float):
        """Waiting for a recompute that has not moved this long."""
        cutoff = timezone.now() - timedelta(seconds=seconds)
        return self.filter(
            recompute_state__in=[ImportBatch.Recompute.QUEUED, ImportBatch.Recompute.RUNNING],
            recompute_changed_at__lt=cutoff,
        )


class ImportBatch(models.Model):
    """One uploaded or command-line file and what happened to it. The row is the source of
    truth for the import's progress; the original file is kept beside it."""

    # A check nobody confirms within this long expires (imports.service.expire_drafts).
    DRAFT_KEPT_FOR = timedelta(days=7)

    class State(models.TextChoices):
        CHECKED = "checked", "Checked, waiting for confirmation"
        APPLYING = "applying", "Confirmed, being saved"
        APPLIED = "applied", "Applied"
        FAILED = "failed", "Failed"
        REJECTED = "rejected", "Rejected: problems in the file"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired: not confirmed within a week"

    class Recompute(models.TextChoices):
        NOT_NEEDED = "", "Not needed"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Recomputing statuses"
        DONE = "done", "Statuses up to date"
        FAILED = "failed", "Recompute failed"

    class Kind(models.TextChoices):
        RETURNS = "returns", "Returns (figures)"
        TARGETS = "targets", "Targets and tolerances"
        INDICATORS = "indicators", "Indicator definitions"
        EES = "ees", "A DfE statistics file"
        CHALLENGES = "challenges", "Challenge records (council comment, provider response)"
        ACTIONS = "actions", "Challenge actions"
        CIN = "cin", "Children in Need census (child-level, XML)"
        SSDA903 = "ssda903", "SSDA903 looked-after children return (child-level, CSV tables or XML)"

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.RETURNS)
    file_name = models.CharField(max_length=255)
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    provisional = models.BooleanField(default=False)
    options = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.CHECKED)
    counts = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True, help_text="The first 5,000, to show.")
    problems_file = models.FileField(
        upload_to="problems/%Y/%m/",
        blank=True,
        help_text="Every problem, gzipped CSV (a refused upload itself is never kept).",
    )
    changes = models.JSONField(default=list, blank=True, help_text="Changed values, old and new.")
    notes = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    checked_at_version = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="The versions (core.versions) of what the check read, when it read them: if "
        "they have not moved by the confirm, the checked plan is written as it is.",
    )
    checked_scope = models.JSONField(
        default=dict,
        blank=True,
        help_text="What the check read (core.versions.Scope): the file's authorities.",
    )
    plan = models.FileField(
        upload_to="plans/%Y/%m/",
        blank=True,
        help_text="The checked rows to write (imports.plans), kept until the draft is "
        "confirmed or dropped.",
    )
    apply_sent_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the confirmed import was last handed to the worker to save: the "
        "sweep's clock (imports.tasks.sweep_stuck_imports).",
    )
    recompute_state = models.CharField(
        max_length=10, choices=Recompute.choices, blank=True, default=Recompute.NOT_NEEDED
    )
    recomputed = models.PositiveIntegerField(null=True, blank=True)
    recompute_changed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the recompute last moved: the sweep's clock."
    )

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_state_display()})"

    @property
    def expires_at(self):
        """When this check expires if nobody confirms it."""
        return self.created_at + self.DRAFT_KEPT_FOR


class Written(models.Model):
    """Where an import wrote figures: one row per authority and period, kept with the import
    (each figure's history names the import in its reason too). Written only by
    imports.changes.record_written, in the transaction that writes the figures."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="written")
    authority = models.ForeignKey(
        "authorities.Authority", on_delete=models.CASCADE, related_name="+"
    )
    period = models.ForeignKey("indicators.Period", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "where an import wrote"
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "authority", "period"], name="written_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"Import {self.batch_id}: authority {self.authority_id}, period {self.period_id}"
