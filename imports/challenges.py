"""Challenge records and actions from CSV (the shape of their exports): checked as strictly as
returns, applied all or nothing. An officer may import only for authorities they work for."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from django.utils import timezone

from core.access import COUNCIL, PROVIDER
from indicators.models import Period
from indicators.rules import PeriodKind, parse_period
from scrutiny import columns, writes
from scrutiny.models import Action, ChallengeRecord

from . import lookups
from .problems import Checked, FileProblem, Problem, Problems, problems_where

CHALLENGE_REQUIRED = columns.KEYS


def _common(table: pd.DataFrame, required: list[str], optional: list[str], allowed_authorities):
    missing = [c for c in required if c not in table]
    if missing:
        raise FileProblem(f"The file has no {', '.join(missing)} column.")
    frame = table.copy()
    for column in optional:
        if column not in frame:
            frame[column] = ""
    problems = Problems()
    problems += lookups.check_authorities(frame, allowed_authorities)
    frame["indicator_id"] = frame["indicator"].str.casefold().map(lookups.indicators()["id"])
    problems += problems_where(
        frame["indicator_id"].isna(), frame, "indicator", "is not an indicator code Outturn knows"
    )
    frame["period_code"], _ = lookups.parse_periods(frame["period"], PeriodKind.QUARTER)
    problems += problems_where(
        frame["period_code"].isna(), frame, "period", "is not a quarter such as 2016-17 Q2"
    )
    return frame, problems


SIDE_COLUMNS = writes.SIDE_TEXT
IMPORTED = "Imported from CSV"
SIDE_NAMES = {COUNCIL: "the council's", PROVIDER: "the provider's"}


@dataclass
class CheckedChallenges(Checked):
    """`written` are the text columns the file has (a column it does not have is never
    touched); `sides` says which side writes each authority's rows (None: either side,
    for performance admins and the command line)."""

    written: list[str] = field(default_factory=list)
    sides: dict[int, str] | None = None
    ignored_columns: list[str] = field(default_factory=list)


def check_challenges(
    table: pd.DataFrame, allowed_authorities=None, sides: dict[int, str] | None = None
) -> CheckedChallenges:
    """`sides`, for an officer: their side for each authority they work for. An officer may
    write only their own side's columns; the other side's text in the file must equal what
    is stored (an export edited and uploaded again), or the row is refused."""
    frame, problems = _common(table, CHALLENGE_REQUIRED, [], allowed_authorities)
    written = [c for c in columns.CHALLENGE_TEXT if c in table]
    if not written:
        raise FileProblem(
            "The file has none of the columns "
            + ", ".join(columns.CHALLENGE_TEXT)
            + ": nothing to write."
        )
    if "classification" in written:
        valid = set(ChallengeRecord.Classification.values)
        problems += problems_where(
            ~frame["classification"].isin(valid),
            frame,
            "classification",
            "is not one of good, concern, potential_concern, not_selected (or blank)",
        )
    repeated = frame.duplicated(["authority_id", "indicator_id", "period_code"], keep="first")
    problems += problems_where(
        repeated & frame["indicator_id"].notna(),
        frame,
        "indicator",
        "has a second challenge for the same authority and quarter",
    )
    if sides is not None and not problems:
        problems += _other_side_problems(frame, written, sides)
    problems.sort()
    return CheckedChallenges(frame, problems, written=written, sides=sides)


def _other_side_problems(frame: pd.DataFrame, written: list[str], sides: dict[int, str]):
    """A cell of the other side's column that differs from what is stored is refused, with
    the side named; cells equal to what is stored are left as they are."""
    records = _records(frame, create=False)
    problems = Problems()
    for row in frame.itertuples(index=False):
        side = sides.get(int(row.authority_id))
        record = records.get((int(row.authority_id), int(row.indicator_id), row.period_code))
        for other, texts in SIDE_COLUMNS.items():
            if other == side:
                continue
            for column in texts:
                if column not in written:
                    continue
                stored = getattr(record, column) if record else ""
                if getattr(row, column) != stored:
                    problems.append(
                        Problem(
                            f"is {SIDE_NAMES[other]} text: you write {SIDE_NAMES[side]} side for "
                            f"this authority, so you cannot change it here (leave it as "
                            "exported, or remove the column)",
                            row=int(row.row_number),
                            column=column,
                            text=getattr(row, column)[:80],
                        )
                    )
    return problems


def check_actions(table: pd.DataFrame, allowed_authorities=None) -> Checked:
    frame, problems = _common(
        table, columns.ACTION_REQUIRED, columns.ACTION_OPTIONAL, allowed_authorities
    )
    problems += problems_where(frame["action"] == "", frame, "action", "is empty")
    frame.loc[frame["status"] == "", "status"] = "open"
    problems += problems_where(
        ~frame["status"].isin(Action.Status.values),
        frame,
        "status",
        "is not open, done or carried",
    )
    dates = pd.to_datetime(frame["due_date"], format="%Y-%m-%d", errors="coerce")
    problems += problems_where(
        dates.isna() & (frame["due_date"] != ""),
        frame,
        "due_date",
        "is not a date written as YYYY-MM-DD",
    )
    frame["due"] = [d.date() if not pd.isna(d) else None for d in dates]
    problems.sort()
    return Checked(frame, problems)


@dataclass
class ChallengePlan:
    new: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    unchanged: int = 0

    @property
    def counts(self) -> dict[str, int]:
        return {"new": len(self.new), "changed": len(self.changed), "unchanged": self.unchanged}


def plan_challenges(checked: CheckedChallenges, user=None) -> ChallengePlan:
    """What applying would do, record by record, without writing: the preview and the
    apply share it, so the preview says what the apply will find."""
    frame = checked.frame
    records = _records(frame, create=False)
    periods = _periods(frame)
    now = timezone.now()
    plan = ChallengePlan()
    for row in frame.itertuples(index=False):
        key = (int(row.authority_id), int(row.indicator_id), row.period_code)
        side = None if checked.sides is None else checked.sides.get(key[0])
        columns = [c for c in checked.written if side is None or c in SIDE_COLUMNS[side]]
        text = {c: getattr(row, c) for c in columns}
        record = records.get(key)
        if record is None:
            record = ChallengeRecord(
                authority_id=key[0], indicator_id=key[1], period=periods[key[2]]
            )
            target = plan.new
        elif all(getattr(record, c) == v for c, v in text.items()):
            plan.unchanged += 1
            continue
        else:
            target = plan.changed
        moved = {c for c, v in text.items() if getattr(record, c) != v}
        for name, value in text.items():
            setattr(record, name, value)
        writes.stamp(record, [s for s, cs in SIDE_COLUMNS.items() if moved & set(cs)], user, now)
        target.append(record)
    return plan


def apply_challenges(checked: CheckedChallenges, user) -> dict[str, int]:
    """Create or update each record's own side's text, in bulk, with a history row for each;
    the who and when are the importer's, for the side whose text changed."""
    plan = plan_challenges(checked, user)
    writes.save_records(plan.new, plan.changed, user, IMPORTED)
    return plan.counts


def plan_actions(checked: Checked) -> tuple[list, dict[str, int]]:
    """An action whose record already has one with the same text is the same action: it is
    updated (owner, due date, status) or left alone, never added twice."""
    records = _records(checked.frame, create=False)
    existing = {
        (a.challenge_id, a.text): a
        for a in Action.objects.filter(challenge__in=[r.pk for r in records.values()])
    }
    counts = {"new": 0, "changed": 0, "unchanged": 0}
    rows = []
    for row in checked.frame.itertuples(index=False):
        record = records.get((int(row.authority_id), int(row.indicator_id), row.period_code))
        old = existing.get((record.pk, row.action)) if record else None
        if old is None:
            state = "new"
        elif (old.owner, old.due_date, old.status) == (row.owner, row.due, row.status):
            state = "unchanged"
        else:
            state = "changed"
        counts[state] += 1
        rows.append((row, state, old))
    return rows, counts


def apply_actions(checked: Checked, user) -> dict[str, int]:
    rows, counts = plan_actions(checked)
    records = _records(checked.frame, create=True, user=user)
    new, changed = [], []
    for row, state, old in rows:
        if state == "new":
            new.append(
                Action(
                    challenge=records[
                        (int(row.authority_id), int(row.indicator_id), row.period_code)
                    ],
                    text=row.action,
                    owner=row.owner,
                    due_date=row.due,
                    status=row.status,
                    created_by=user,
                )
            )
        elif state == "changed":
            old.owner, old.due_date, old.status = row.owner, row.due, row.status
            changed.append(old)
    writes.save_actions(new, changed, user, IMPORTED)
    return counts


def _records(frame: pd.DataFrame, create: bool, user=None) -> dict[tuple, object]:
    """Existing challenge records for the file's keys (made first if `create`), by key."""
    periods = _periods(frame)
    keys = {
        (int(a), int(i), p)
        for a, i, p in zip(
            frame["authority_id"], frame["indicator_id"], frame["period_code"], strict=True
        )
    }
    if create:
        writes.ensure_records([(a, i, periods[p]) for a, i, p in keys], user, IMPORTED)
    found = ChallengeRecord.objects.filter(
        authority_id__in={k[0] for k in keys},
        indicator_id__in={k[1] for k in keys},
        period__in=list(periods.values()),
    ).select_related("period")
    return {(r.authority_id, r.indicator_id, r.period.code): r for r in found}


def _periods(frame: pd.DataFrame) -> dict[str, Period]:
    return Period.ensure(parse_period(code) for code in frame["period_code"].unique())
