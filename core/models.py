from django.db import models


class DataVersion(models.Model):
    """One row whose number moves with every write of what the figures are judged from —
    values, targets, indicators, rebases, authorities and their neighbours — and with every
    recompute that changes a stored status. Writers take it first (core.versions), so they
    queue behind each other in one order, and a reader can tell in one query whether anything
    changed since it last looked: an import's confirm reuses its checked plan, and pages
    reuse what they cached."""

    number = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "data version"

    def __str__(self) -> str:
        return f"data version {self.number}"
