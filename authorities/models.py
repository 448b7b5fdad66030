from __future__ import annotations

from datetime import date

from django.db import models

from .reorganisations import ABOLISHED, ESTABLISHED, in_being


class AuthorityQuerySet(models.QuerySet):
    def ids_by_name(self) -> dict[str, int]:
        """GSS code, DfE LA number and name, all case-insensitive, to authority id: how a
        return, a targets file or a command names an authority."""
        lookup: dict[str, int] = {}
        for pk, code, dfe_code, name in self.values_list("id", "code", "dfe_code", "name"):
            lookup[name.casefold()] = pk
            if dfe_code:
                lookup[dfe_code.casefold()] = pk
            lookup[code.casefold()] = pk  # codes win over a name that happens to match
        return lookup

    def current_local(self) -> AuthorityQuerySet:
        """Local authorities as they are today: one entry each, never a code since replaced
        (Barnsley, not also "Barnsley (new code)")."""
        return self.filter(kind=Authority.Kind.LOCAL_AUTHORITY, replaced_by="")

    def in_being(self, start: date, end: date) -> AuthorityQuerySet:
        """Local authorities as they were at some time from `start` to `end`: a 2016/17
        quarter offers Bournemouth, Poole, Northamptonshire and Cumbria, not the councils
        that replaced them years later (authorities.reorganisations). A council that only
        changed its code is offered once, under the code it has now."""
        codes = list(ESTABLISHED) + list(ABOLISHED)
        gone = [code for code in codes if not in_being(code, start, end)]
        former_codes = ~models.Q(replaced_by="") & ~models.Q(code__in=list(ABOLISHED))
        return (
            self.filter(kind=Authority.Kind.LOCAL_AUTHORITY)
            .exclude(code__in=gone)
            .exclude(former_codes)
        )


class Authority(models.Model):
    """England, a region, or a local authority, as DfE publishes them."""

    class Kind(models.TextChoices):
        NATION = "nation", "Nation"
        REGION = "region", "Region"
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        JOINT = "joint", "Joint reporting unit"

    # Joint reporting units carry both codes ("E09000021 / E09000027"), as DfE publishes them.
    code = models.CharField("GSS code", max_length=30, unique=True)
    dfe_code = models.CharField("DfE LA number", max_length=20, blank=True)
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    replaced_by = models.CharField(
        max_length=60, blank=True, help_text="GSS codes of successor authorities, if any."
    )

    objects = AuthorityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "authorities"

    def __str__(self) -> str:
        return self.name

    RANKED_KINDS = ("local_authority", "joint")
    """Who is ranked nationally: every local authority, and the joint units that report as
    one (Kingston and Richmond's children's trust; North and West Northamptonshire's), as
    DfE ranks them."""

    @classmethod
    def successor_ids(cls) -> dict[int, int]:
        """Authorities that continue under another code, to the authority they are now,
        followed to the end of the chain: one predecessor, one successor, each the other's
        only one (Barnsley E08000016 -> E08000038; Buckinghamshire's, North Yorkshire's,
        Somerset's and Dorset's county codes -> their unitary codes, as DfE's own tables file
        their earlier figures). A merger (Bournemouth and Poole into BCP) or a split
        (Northamptonshire into two) is not a continuation: those stay apart."""
        rows = list(cls.objects.values_list("id", "code", "replaced_by"))
        by_code = {code: pk for pk, code, _ in rows}
        predecessors: dict[str, int] = {}
        for _pk, _code, replaced_by in rows:
            for successor in replaced_by.split():
                predecessors[successor] = predecessors.get(successor, 0) + 1
        step = {}
        for pk, _code, replaced_by in rows:
            successors = replaced_by.split()
            if len(successors) == 1 and successors[0] in by_code:
                if predecessors[successors[0]] == 1:
                    step[pk] = by_code[successors[0]]
        final = {}
        for pk in step:
            seen, current = {pk}, step[pk]
            while current in step and current not in seen:
                seen.add(current)
                current = step[current]
            final[pk] = current
        return final


class StatisticalNeighbour(models.Model):
    authority = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="neighbours")
    neighbour = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField(help_text="1 is the closest neighbour.")

    class Meta:
        ordering = ["authority", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["authority", "rank"], name="one_neighbour_per_rank"),
            models.UniqueConstraint(fields=["authority", "neighbour"], name="neighbour_once"),
            models.CheckConstraint(
                condition=models.Q(rank__gte=1, rank__lte=10), name="neighbour_rank_1_to_10"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.authority} → {self.neighbour} ({self.rank})"


def latest_judgement(inspections: list[Inspection]) -> tuple[Inspection | None, list[Inspection]]:
    """The latest graded inspection (one with an overall effectiveness judgement) and the
    ungraded visits since it, newest first. A monitoring or focused visit is never "the latest
    judgement": it grades nothing. `inspections` newest first, as the model orders them."""
    graded = next((i for i in inspections if i.overall), None)
    since = [i for i in inspections if graded is None or i.inspected_on > graded.inspected_on]
    return graded, [i for i in since if not i.overall]


class Inspection(models.Model):
    """An Ofsted inspection or visit of an authority's children's services (ILACS)."""

    authority = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="inspections")
    inspected_on = models.DateField()
    published_on = models.DateField(null=True, blank=True)
    kind = models.CharField(max_length=80)
    overall = models.CharField("Overall effectiveness", max_length=60, blank=True)
    leaders = models.CharField("Impact of leaders", max_length=60, blank=True)
    help_and_protection = models.CharField(
        "Children who need help and protection", max_length=60, blank=True
    )
    in_care = models.CharField("Children in care", max_length=60, blank=True)
    care_leavers = models.CharField("Care leavers", max_length=60, blank=True)
    theme = models.CharField("Visit theme", max_length=120, blank=True)

    class Meta:
        ordering = ["-inspected_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "inspected_on", "kind"], name="one_inspection_per_visit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.authority} {self.kind} {self.inspected_on}"

    @property
    def judgements(self) -> list[tuple[str, str]]:
        fields = ["overall", "leaders", "help_and_protection", "in_care", "care_leavers"]
        return [
            (self._meta.get_field(name).verbose_name, getattr(self, name))
            for name in fields
            if getattr(self, name)
        ]


class OfficerAssignment(models.Model):
    """An officer works for an authority, on the council's side or the provider's: they may
    upload its returns and write its side of the challenge."""

    class Side(models.TextChoices):
        COUNCIL = "council", "Council"
        PROVIDER = "provider", "Service provider"

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="assignments")
    authority = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="officers")
    side = models.CharField(max_length=10, choices=Side.choices, default=Side.COUNCIL)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "authority"], name="one_assignment_each")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.authority} ({self.get_side_display()})"


class PanelMembership(models.Model):
    """A councillor or co-optee sits on an authority's scrutiny panel, perhaps as its chair:
    they read its panel's pages and write its questions and recommendations; a chair also
    accepts or closes them. An Outturn shared by several councils keeps each panel to its own
    council, as officers are kept to theirs."""

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="panels")
    authority = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="panel")
    chair = models.BooleanField(default=False, help_text="Accepts or closes what the panel asked.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "authority"], name="one_panel_seat_each")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.authority} panel{' (chair)' if self.chair else ''}"


class Population(models.Model):
    """An authority's children aged 0-17, as ONS's mid-year estimate gives them, entered by a
    performance admin: what turns a count of children in need or looked after into DfE's
    rate per 10,000 (a child-level return's CIN-RATE and CLA-RATE)."""

    authority = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="populations")
    fiscal_year = models.PositiveSmallIntegerField(
        help_text="The financial year the estimate is used for: 2016 for 2016-17 (DfE uses the "
        "mid-year estimate of the year's calendar year, mid-2016 for 31 March 2017)."
    )
    children = models.PositiveIntegerField("Children aged 0-17")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "fiscal_year"], name="one_population_a_year"
            ),
            models.CheckConstraint(condition=models.Q(children__gt=0), name="children_counted"),
        ]

    def __str__(self) -> str:
        return f"{self.authority} {self.fiscal_year}: {self.children:,}"
