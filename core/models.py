from django.db import models


class Version(models.Model):
    """How many times something pages are built from has been written, per scope
    (core.versions): `authority_key` 0 with `indicator_key` 0 is what every page reads
    (definitions, places and neighbours, default targets, rebases); an authority's id with
    `indicator_key` 0 is anything of that authority's (figures, targets, statuses); an
    authority's id with an indicator's id is that authority's figures of that indicator, as
    other authorities' comparisons and rankings show them.

    Plain numbers, not foreign keys: the core sits below the apps whose rows they name, and a
    version outliving its authority or indicator is harmless."""

    authority_key = models.IntegerField()
    indicator_key = models.IntegerField()
    number = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "data version"
        constraints = [
            models.UniqueConstraint(fields=["authority_key", "indicator_key"], name="one_version")
        ]
        # Every authority's figures of a page's measures, summed from the index alone.
        indexes = [
            models.Index(fields=["indicator_key", "authority_key", "number"], name="by_measure")
        ]

    def __str__(self) -> str:
        return f"version {self.number} of {self.authority_key}/{self.indicator_key}"
