"""One importer per kind of file. Each has the same four steps — read, check, preview, apply —
and what people see of it (its label, whether only performance admins may use it, the
template offered for download). Adding a kind of file means a class here, its entry in
IMPORTERS and its choice in ImportBatch.Kind (with the migration that adds it)."""

from __future__ import annotations

from typing import ClassVar

import pandas as pd

from core import versions
from core.access import is_performance_admin, writable_authority_ids
from indicators import writes

from . import challenges, definitions, ees, plans, targets
from .changes import (
    PLANNED_COLUMNS,
    Planned,
    apply_returns,
    describe_changes,
    diff_returns,
    write_planned,
)
from .files import read_shares, read_table
from .models import ImportBatch
from .problems import FileProblem
from .returns import check_returns
from .tasks import scheduler_for

MAX_SHOWN_CHANGES = 500


class Importer:
    kind: ClassVar[str]
    admin_only: ClassVar[bool] = False
    has_provisional: ClassVar[bool] = False
    template: ClassVar[list[list[str]] | None] = None
    template_note: ClassVar[str] = ""  # said beside the template's link on the upload page

    def reduce(self, data: bytes, filename: str, options: dict) -> tuple[bytes, list[str]]:
        """What of the file goes on to be read, checked and kept: the file itself, except
        for a child-level return, which becomes its figures here and is never kept."""
        return data, []

    def read(self, data: bytes, filename: str) -> pd.DataFrame:
        return read_table(data, filename)

    def check(self, table: pd.DataFrame, options: dict, user=None):
        """Every problem in the file; returns (checked, notes). Raises FileProblem."""
        raise NotImplementedError

    def preview(self, checked) -> tuple[dict[str, int], list[dict]]:
        """Counts of new, changed and unchanged rows, and the changes to show."""
        raise NotImplementedError

    def apply(self, checked, batch) -> dict[str, int]:
        """Write inside the caller's transaction; return the counts written."""
        raise NotImplementedError

    def plan(self, checked) -> bytes | None:
        """What to keep of a checked file so the confirm need not check it again
        (imports.plans); None: the confirm checks the file again (small files)."""
        return None

    def planned(self, plan: bytes, batch, user):
        """The checked rows back from a plan, or None if the confirm must check again."""
        return None

    def scope(self, checked) -> versions.Scope | None:
        """What the kept plan was checked against (core.versions): the confirm reuses it
        only if nothing in this scope was written since. None: no plan is kept."""
        return None

    def periods(self, checked) -> list[str]:
        """The periods the file's figures are filed under, by code: created before the
        confirm's transaction, so two councils' first figures of a new quarter never wait
        for each other's commit."""
        return []

    @property
    def label(self) -> str:
        return ImportBatch.Kind(self.kind).label

    def template_for(self, user) -> list[list[str]] | None:
        """The template `user` can fill in and import as it stands."""
        return self.template

    def allowed(self, user) -> bool:
        return not self.admin_only or user is None or is_performance_admin(user)


class ReturnsImporter(Importer):
    kind = "returns"
    has_provisional = True
    template_note = (
        "one row per figure. A wide layout also works: authority, indicator, then one column "
        "per period."
    )
    template = [
        ["authority", "indicator", "period", "value", "numerator", "denominator", "note"],
        ["E08000017", "A2", "2016-17 Q2", "82", "", "", ""],
        ["Doncaster", "A2", "2016-07", "88%", "", "", "July figure"],
    ]

    def read(self, data, filename):
        return read_shares(data, filename)  # checked a share at a time (returns.check_returns)

    def check(self, table, options, user=None):
        checked = check_returns(
            table,
            provisional=options.get("provisional", False),
            allowed_authorities=writable_authority_ids(user),
        )
        notes = list(checked.notes)
        if checked.layout == "wide":
            notes.append("Read as one column per period; empty cells leave stored figures alone.")
        return checked, notes

    def preview(self, checked):
        diff = checked.diff = diff_returns(checked.frame)
        return diff.counts, describe_changes(diff.shown(MAX_SHOWN_CHANGES))

    def apply(self, checked, batch):
        if isinstance(checked, Planned):
            moved = write_planned(checked.frame, batch, scheduler_for(batch))
            return {**batch.counts, "moved": moved}
        return apply_returns(checked.frame, batch, scheduler_for(batch)).counts

    def plan(self, checked):
        diff = getattr(checked, "diff", None) or diff_returns(checked.frame)
        to_write = diff.to_write
        return plans.dump(to_write[PLANNED_COLUMNS])

    def scope(self, checked):
        # The file's authorities' figures, as stored when the diff read them.
        authorities = checked.frame["authority_id"].unique()
        return versions.Scope(authorities=frozenset(int(a) for a in authorities))

    def periods(self, checked):
        return sorted(map(str, checked.frame["period"].unique()))

    def planned(self, plan, batch, user):
        frame = plans.load(plan)
        allowed = writable_authority_ids(user)
        if not self.allowed(user) or (
            allowed is not None and not frame["authority_id"].isin(allowed).all()
        ):
            return None  # their rights changed since: the full check says what is refused
        return Planned(frame)


class EesImporter(ReturnsImporter):
    kind = "ees"
    admin_only = True
    template = None

    def read(self, data, filename):
        return read_table(data, filename)  # DfE's layout is turned into a return whole

    def check(self, table, options, user=None):
        mapping, long = ees.to_returns(table, options.get("mapping"))
        checked = check_returns(long, provisional=options.get("provisional", False))
        title = ees.mappings()[mapping]["title"]
        return checked, [f"Read with the DfE mapping “{title}”.", *checked.notes]


class ChildLevelImporter(ReturnsImporter):
    """A child-level return (the CIN census, the SSDA903): reduced in memory to a return of
    the council's own figures for DfE's indicators (imports.childlevel), which is checked,
    previewed, confirmed and kept like any return; the child-level file never is."""

    has_provisional = False
    template = None

    def reduce(self, data, filename, options):
        from .childlevel import reduce as childlevel

        files = childlevel.unbundled(data, filename)
        authority = options.get("authority", "")
        if self.kind == "cin":
            return childlevel.reduce_cin(files, authority, childlevel.populations_of)
        year = childlevel.year_option(options)
        return childlevel.reduce_903(files, authority, year, childlevel.populations_of)

    def read(self, data, filename):
        return read_table(data, "figures.csv")  # its figures, whatever the return's file was

    def check(self, table, options, user=None):
        from .childlevel import reduce as childlevel

        childlevel.require_definitions(table["indicator"].unique().tolist())
        table = childlevel.with_local_measures(table)
        checked = check_returns(table, allowed_authorities=writable_authority_ids(user))
        return checked, list(checked.notes)


class CinImporter(ChildLevelImporter):
    kind = "cin"
    template_note = (
        "the census XML as it goes to DfE; add last year's to compute re-referrals (a .zip "
        "of both, or both files on the command line)."
    )


class Ssda903Importer(ChildLevelImporter):
    kind = "ssda903"
    template_note = "the CSV tables (header, episodes, oc3…) in one .zip, or the XML."


class TargetsImporter(Importer):
    """Officers set their own authority's targets; a default for every authority (a blank
    authority) is a performance admin's."""

    kind = "targets"
    template_note = "leave authority blank for the default for every authority (an admin's)."
    template = [
        ["indicator", "year", "target", "tolerance", "authority"],
        ["A2", "2016-17", "92", "90", "E08000017"],
        ["A2", "2017-18", "92", "90", "E08000017"],
    ]

    def check(self, table, options, user=None):
        return targets.check_targets(table, allowed_authorities=writable_authority_ids(user)), []

    def preview(self, checked):
        return targets.preview_targets(checked), []

    def apply(self, checked, batch):
        counts = targets.preview_targets(checked)
        writes.save_target_rows(
            checked.frame,
            user=batch.created_by,
            reason=f"Import {batch.pk}: {batch.file_name}",
            scheduler=scheduler_for(batch),
        )
        return counts


class DefinitionsImporter(Importer):
    kind = "indicators"
    admin_only = True
    template = [
        ["code", "name", "category", "unit", "polarity", "decimals", "description", "benchmark"],
        [
            "A2",
            "Single assessments completed within 45 working days",
            "Social Care Pathway",
            "percent",
            "higher_is_better",
            "0",
            "",
            "",
        ],
    ]

    def check(self, table, options, user=None):
        from .childlevel.reduce import with_companions

        checked = definitions.check_definitions(table)
        if not checked.ok:
            return checked, []
        given = len(checked.frame)
        checked.frame = with_companions(checked.frame)
        notes = definitions.pending_benchmarks(checked)
        if len(checked.frame) > given:
            notes.append(
                f"With them, {len(checked.frame) - given} measures child-level returns are "
                "filed under: the council's own calculation of DfE's measures, and DfE's "
                "measures Outturn lacked (docs/child-level.md)."
            )
        return checked, notes

    def preview(self, checked):
        return definitions.preview_definitions(checked), []

    def apply(self, checked, batch):
        counts = definitions.preview_definitions(checked)
        writes.save_indicators(checked.frame, scheduler=scheduler_for(batch))
        return counts


class ChallengesImporter(Importer):
    kind = "challenges"
    template = [
        ["authority", "indicator", "period", "classification", "council_comment", "questions"],
        ["E08000017", "A2", "2016-17 Q2", "concern", "Our comment on the quarter", ""],
    ]
    provider_template = [
        ["authority", "indicator", "period", "provider_response"],
        ["E08000017", "A2", "2016-17 Q2", "Our response to the council's questions"],
    ]
    template_note = (
        "your side's columns: the council's classification, comment and questions, or the "
        "provider's response; the other side's text is left as it is stored."
    )

    def template_for(self, user):
        sides = set((_sides(user) or {}).values())
        return self.provider_template if sides == {challenges.PROVIDER} else self.template

    def check(self, table, options, user=None):
        sides = _sides(user)
        checked = challenges.check_challenges(table, writable_authority_ids(user), sides)
        notes = []
        if sides:
            names = {challenges.COUNCIL: "council", challenges.PROVIDER: "provider"}
            mine = sorted({names[side] for side in sides.values()})
            notes.append(
                "You write the "
                + " and ".join(mine)
                + "'s columns; the other side's text is left as it is stored."
            )
        return checked, notes

    def preview(self, checked):
        return challenges.plan_challenges(checked).counts, []

    def apply(self, checked, batch):
        return challenges.apply_challenges(checked, batch.created_by)


class ActionsImporter(Importer):
    kind = "actions"
    template_note = "status is open, done or carried; due_date as 2016-12-31."
    template = [
        ["authority", "indicator", "period", "action", "owner", "due_date", "status"],
        [
            "E08000017",
            "A2",
            "2016-17 Q2",
            "Audit the late assessments",
            "Head of service",
            "2016-12-31",
            "open",
        ],
    ]

    def check(self, table, options, user=None):
        return challenges.check_actions(table, writable_authority_ids(user)), []

    def preview(self, checked):
        return challenges.plan_actions(checked)[1], []

    def apply(self, checked, batch):
        return challenges.apply_actions(checked, batch.created_by)


def _sides(user) -> dict[int, str] | None:
    """An officer's side for each authority they work for; None for admins and commands."""
    if user is None or is_performance_admin(user):
        return None
    return dict(user.assignments.values_list("authority_id", "side"))


IMPORTERS: dict[str, Importer] = {
    importer.kind: importer
    for importer in [
        ReturnsImporter(),
        TargetsImporter(),
        DefinitionsImporter(),
        EesImporter(),
        ChallengesImporter(),
        ActionsImporter(),
        CinImporter(),
        Ssda903Importer(),
    ]
}
KINDS = dict(ImportBatch.Kind.choices)


def importer_for(kind: str) -> Importer:
    try:
        return IMPORTERS[kind]
    except KeyError:
        raise FileProblem(f'"{kind}" is not a kind of import Outturn knows.') from None
