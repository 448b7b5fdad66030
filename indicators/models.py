from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from simple_history.models import HistoricalRecords

from core import versions

from . import rules
from .rules import Direction, PeriodKind, Polarity, Status, Timing
from .spc import Assurance, Variation

POLARITY_CHOICES = [(p.value, p.label) for p in Polarity]
STATUS_CHOICES = [(s.value, s.label) for s in Status]
DIRECTION_CHOICES = [(d.value, d.label) for d in Direction]
VARIATION_CHOICES = [(v.value, v.label) for v in Variation]
ASSURANCE_CHOICES = [(a.value, a.label) for a in Assurance]
TIMING_CHOICES = [(t.value, t.label) for t in Timing]
# Written only by the recompute; history keeps what people changed, not these.
# What a return says of a figure beside its keys (authority, indicator, period) and a status
# reported without it: what the one write path stores, an import compares with what is stored
# and a figure's history shows.
FIGURE_FIELDS = [
    "value",
    "no_value_reason",
    "numerator",
    "denominator",
    "note",
    "provisional",
    "period_stated",
]
DERIVED_FIELDS = [
    "status",
    "direction",
    "hard_to_shift",
    "variation",
    "assurance",
    "spc_mean",
    "spc_lower",
    "spc_upper",
    "spc_points",
]


class Category(models.Model):
    name = models.CharField(max_length=80, unique=True)
    order = models.PositiveSmallIntegerField(default=100, help_text="Position in summaries.")

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


def validate_code(code: str) -> None:
    """A measure's code as a form takes it (rules.code_problem)."""
    problem = rules.code_problem(code)
    if problem:
        raise ValidationError(f"The code {problem}.")


class Indicator(models.Model):
    class Unit(models.TextChoices):
        PERCENT = "percent", "Percentage"
        RATE_PER_10000 = "rate_per_10000", "Rate per 10,000 children"
        RATE_PER_1000 = "rate_per_1000", "Rate per 1,000"
        COUNT = "count", "Count"
        WEEKS = "weeks", "Weeks"
        DAYS = "days", "Days"

    code = models.CharField(max_length=30, unique=True, validators=[validate_code])
    name = models.CharField(max_length=200)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="indicators")
    unit = models.CharField(max_length=20, choices=Unit.choices, default=Unit.PERCENT)
    polarity = models.CharField(max_length=20, choices=POLARITY_CHOICES)
    decimals = models.PositiveSmallIntegerField(default=0)
    description = models.TextField(blank=True)
    timing = models.CharField(
        max_length=10,
        choices=TIMING_CHOICES,
        blank=True,
        default="",
        help_text="For a national measure: whether a period's figure is the year's flow, a "
        "count on the period's last day or the 30 September workforce census. Every label of "
        "its periods follows it.",
    )
    benchmark = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="local_equivalents",
        help_text="The national indicator this local measure is compared with.",
    )

    class Match(models.TextChoices):
        NOT_STATED = "", "Not stated"
        SAME = "same", "The same definition"
        RELATED = "related", "Related, with a different definition"

    benchmark_match = models.CharField(
        max_length=10,
        choices=Match.choices,
        blank=True,
        default="",
        help_text="How close this measure's definition is to its national equivalent's.",
    )
    benchmark_difference = models.TextField(
        blank=True,
        help_text="For a related national equivalent: how its definition differs, in words a "
        "panel reads beside every national figure.",
    )
    benchmark_code = models.CharField(
        max_length=30,
        blank=True,
        help_text="The national equivalent's code as given; linked (benchmark) as soon as an "
        "indicator with that code exists, whichever is loaded first.",
    )

    class Meta:
        ordering = ["category__order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def polarity_rule(self) -> Polarity:
        return Polarity(self.polarity)

    @property
    def is_volumetric(self) -> bool:
        return self.polarity == Polarity.NONE

    @property
    def benchmark_closeness(self) -> str:
        """How close the national equivalent is, in words: said wherever its figures stand
        beside this measure's."""
        if self.benchmark_match == self.Match.SAME:
            return f"{self.benchmark_code}: the same definition"
        if self.benchmark_match == self.Match.RELATED:
            return f"{self.benchmark_code}, a related measure: {self.benchmark_difference}"
        return f"{self.benchmark_code}: how close its definition is has not been stated"

    def period_note(self, period: Period) -> str:
        """What a period of this measure's figures covers, in words ("at 31 March 2024")."""
        return rules.period_note(self.timing, period.end)


class Period(models.Model):
    """A month, quarter or financial year. Rows are made from rules.ParsedPeriod, which owns
    every date calculation; `sequence` lets the database find the previous period."""

    code = models.CharField(max_length=12, unique=True)
    kind = models.CharField(max_length=10, choices=[(k.value, k.value) for k in PeriodKind])
    fiscal_year = models.PositiveSmallIntegerField()
    number = models.PositiveSmallIntegerField()
    sequence = models.IntegerField()
    start = models.DateField()
    end = models.DateField()

    class Meta:
        ordering = ["kind", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "sequence"], name="one_period_per_sequence")
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def parsed(self) -> rules.ParsedPeriod:
        return rules.parsed_period(self.kind, self.fiscal_year, self.number)

    @property
    def label(self) -> str:
        return self.parsed.label

    @property
    def short_label(self) -> str:
        return self.parsed.short_label

    @property
    def slug(self) -> str:
        return self.parsed.slug

    @classmethod
    def ensure(cls, parsed_periods) -> dict[str, Period]:
        """Create any missing periods in one statement; return all of them by code. A new
        period moves the version every page reads (core.versions): every council's quarter
        switcher and its link to the next quarter list the periods there are."""
        unique = {p.code: p for p in parsed_periods}
        known = set(cls.objects.filter(code__in=unique).values_list("code", flat=True))
        missing = [p for code, p in unique.items() if code not in known]
        if missing:
            with transaction.atomic():
                versions.take(everything=True)
                cls.objects.bulk_create(
                    [
                        cls(
                            code=p.code,
                            kind=p.kind,
                            fiscal_year=p.fiscal_year,
                            number=p.number,
                            sequence=p.sequence,
                            start=p.start,
                            end=p.end,
                        )
                        for p in missing
                    ],
                    ignore_conflicts=True,
                )
        return {p.code: p for p in cls.objects.filter(code__in=unique)}


class TargetQuerySet(models.QuerySet):
    def for_authority(self, authority) -> TargetQuerySet:
        """The authority's own targets and the defaults for all authorities."""
        return self.filter(models.Q(authority=authority) | models.Q(authority__isnull=True))

    def chosen(self) -> dict[tuple[int, int], Target]:
        """One target per (indicator id, financial year): an authority's own wins over the
        default, whichever the database returns first (so in no order: the targets' own, by
        their indicator's category and code, joined two tables for every page's targets)."""
        chosen: dict[tuple[int, int], Target] = {}
        for target in self.order_by():
            key = (target.indicator_id, target.fiscal_year)
            if target.authority_id is not None or key not in chosen:
                chosen[key] = target
        return chosen


class Target(models.Model):
    """Target and tolerance for one financial year, for one authority or (authority empty) the
    default for all. An authority's own target wins over the default."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    authority = models.ForeignKey(
        "authorities.Authority",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text="Leave empty for the default that applies to every authority.",
    )
    fiscal_year = models.PositiveSmallIntegerField(help_text="2016 for 2016-17.")
    target = models.FloatField()
    tolerance = models.FloatField(
        null=True, blank=True, help_text="Empty: anything worse than target is outside."
    )

    objects = TargetQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "authority", "fiscal_year"], name="one_target_per_year"
            ),
            models.UniqueConstraint(
                fields=["indicator", "fiscal_year"],
                condition=models.Q(authority__isnull=True),
                name="one_default_target_per_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {rules.fiscal_year_code(self.fiscal_year)}"

    @property
    def year_code(self) -> str:
        return rules.fiscal_year_code(self.fiscal_year)

    def clean(self) -> None:
        try:
            rules.validate_target(
                self.target, self.tolerance, self.indicator.polarity_rule, self.indicator.unit
            )
        except rules.TargetError as error:
            raise ValidationError({error.field: str(error)}) from error


class FiguresHistory(HistoricalRecords):
    """simple-history's records of the figures, indexed as a measure page reads them: one
    authority's changes of one measure in time order, found in the index where an index of
    the authority alone passed over every other measure's changes (2,500 rows of one
    council's to find 66, and more with every import)."""

    def get_meta_options(self, model) -> dict:
        options = super().get_meta_options(model)
        by_measure = models.Index(
            fields=["authority", "indicator", "history_date"], name="value_history_by_measure"
        )
        options["indexes"] = [*options.get("indexes", ()), by_measure]
        return options


class Value(models.Model):
    # Foreign keys, checked by the database at commit, the same on both databases. They
    # cost a national import a few seconds of PostgreSQL's look-ups (docs/benchmarks.md),
    # which its budget allows; the figure's import is not one of them (imports.Written).
    # No index of their own for authority and indicator: the unique constraint and
    # value_indicator_period lead with them, and every index is paid for by every figure an
    # import writes.
    authority = models.ForeignKey("authorities.Authority", on_delete=models.CASCADE, db_index=False)
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, db_index=False)
    # Nothing reads figures by period alone (quarter pages go by authority and period,
    # compare pages by indicator and period): no index of its own either.
    period = models.ForeignKey(Period, on_delete=models.PROTECT, db_index=False)
    value = models.FloatField(null=True, blank=True)
    no_value_reason = models.CharField(
        max_length=60, blank=True, help_text="Why there is no figure, e.g. DfE's 'c'."
    )
    reported_status = models.CharField(
        max_length=20,
        choices=STATUS_CHOICES,
        blank=True,
        help_text="A status published without its figure; used only when there is no value.",
    )
    numerator = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    note = models.TextField(blank=True)
    provisional = models.BooleanField(default=False)
    # False where the source quoted the figure without saying which period it describes (a
    # report's "latest national outturn"): it is filed under the latest period it could
    # describe, shown as "period not stated" and never plotted against a period.
    period_stated = models.BooleanField(default=True, db_default=True)
    # Derived by indicators.recompute from the rules; never edited by hand.
    status = models.CharField(max_length=20, choices=STATUS_CHOICES, default=Status.NO_VALUE)
    direction = models.CharField(max_length=10, choices=DIRECTION_CHOICES, blank=True)
    hard_to_shift = models.BooleanField(default=False)
    # Statistical process control (indicators/spc.py) over the series up to this period:
    # blank with fewer than spc.MIN_POINTS figures.
    variation = models.CharField(
        max_length=30, choices=VARIATION_CHOICES, blank=True, default="", db_default=""
    )
    assurance = models.CharField(
        max_length=20, choices=ASSURANCE_CHOICES, blank=True, default="", db_default=""
    )
    spc_mean = models.FloatField(null=True, blank=True)
    spc_lower = models.FloatField(null=True, blank=True)
    spc_upper = models.FloatField(null=True, blank=True)
    # How many figures the limits were drawn from: fewer than spc.FIRM_POINTS are trial limits.
    spc_points = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Derived fields change with every recompute; history keeps what people changed.
    # History is read by figure (its id) and by authority and measure (reports.history); a
    # national import writes 440,000 rows of it, so it keeps only the indexes those need (and
    # simple-history's own on the user, which deleting a user reads), and its user is checked
    # by Django (SET_NULL) rather than a deferred trigger per row.
    history = FiguresHistory(
        excluded_fields=DERIVED_FIELDS,
        no_db_index=["authority", "indicator", "period"],
        user_db_constraint=False,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "indicator", "period"], name="one_value_per_period"
            )
        ]
        # The unique key serves every read by authority: a measure's series (authority and
        # indicator) and the quarter page's figures (authority and period, read from the
        # authority's entries in the key: a few thousand at most).
        indexes = [
            # Serves compare pages, every comparison's national distribution and recompute by
            # indicator. It carries nothing more (INCLUDE authority and figure made a
            # distribution's read index-only, 2-3 ms rather than 8, but every figure an
            # import changed then had to be written into it anew: the load run's pages during
            # a national import went from 500 to 780 ms at p95, docs/benchmarks.md).
            models.Index(fields=["indicator", "period"], name="value_indicator_period"),
        ]

    def __str__(self) -> str:
        return f"{self.authority} {self.indicator.code} {self.period}"

    @property
    def status_rule(self) -> Status:
        return Status(self.status)

    @property
    def direction_rule(self) -> Direction | None:
        return Direction(self.direction) if self.direction else None


class Distribution(models.Model):
    """Every ranked authority's figures of one measure and period: the national distribution
    a comparison's quartile band is cut from, kept by the worker after each write of figures
    (indicators.distributions.refresh, its one writer) with the versions it was read at. A
    page drawn with nothing cached reads sixty of these rows rather than 9,000 figures
    scattered over the figures' table, and uses a row only while its versions are still the
    measure's (core.versions): one changed figure of the measure anywhere, or a change to
    what every page reads, and the page reads the figures themselves until the worker has
    kept them again."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, db_index=False)
    period = models.ForeignKey(Period, on_delete=models.CASCADE, db_index=False)
    every = models.BigIntegerField()  # everything's version when the figures were read
    measure_version = models.BigIntegerField()  # every authority's figures of the measure's
    # The figures as 8-byte floats, little-endian (indicators.distributions): exact, and
    # read back in microseconds where a list or JSON would be parsed figure by figure.
    figures = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "period"], name="one_distribution_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.period_id} at {self.every}.{self.measure_version}"


class Rebase(models.Model):
    """A recorded change — a new service model, a changed definition — from which a control
    chart starts afresh: the figures before `starts` no longer set its average and limits.
    With `fixed_points`, the limits are fixed on the first that many figures from `starts`
    (a baseline) rather than moving with every new one."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="rebases")
    authority = models.ForeignKey(
        "authorities.Authority",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text="Blank: every authority's chart of this measure.",
    )
    starts = models.ForeignKey(
        Period,
        on_delete=models.PROTECT,
        help_text="The first period of the new baseline; its kind (month, quarter, year) says "
        "which chart.",
    )
    reason = models.TextField(help_text="Why the chart starts again here, for the panel.")
    fixed_points = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(2)],
        help_text="Fix the limits on this many figures from the start (blank: all of them).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "authority", "starts"], name="one_rebase_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} from {self.starts.label}"
