"""Challenge records and actions from CSV (the shape of their exports): checked as strictly as
returns, applied all or nothing. An officer may import only for authorities they work for."""

from __future__ import annotations

import pandas as pd
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from indicators.models import Period
from indicators.rules import PeriodKind, PeriodParseError, parse_period

from . import lookups
from .problems import Checked, FileProblem, Problem, problems_where

CHALLENGE_REQUIRED = ["authority", "indicator", "period"]
CHALLENGE_TEXT = ["council_comment", "questions", "provider_response", "classification"]
ACTION_REQUIRED = ["authority", "indicator", "period", "action"]
ACTION_OPTIONAL = ["owner", "due_date", "status"]


def _common(table: pd.DataFrame, required: list[str], optional: list[str], allowed_authorities):
    missing = [c for c in required if c not in table]
    if missing:
        raise FileProblem(f"The file has no {', '.join(missing)} column.")
    frame = table.copy()
    for column in optional:
        if column not in frame:
            frame[column] = ""
    problems: list[Problem] = []
    problems += lookups.check_authorities(frame, allowed_authorities)
    frame["indicator_id"] = frame["indicator"].str.casefold().map(lookups.indicators()["id"])
    problems += problems_where(
        frame["indicator_id"].isna(), frame, "indicator", "is not an indicator code Outturn knows"
    )
    codes = {}
    for text in frame["period"].unique():
        try:
            parsed = parse_period(text)
            codes[text] = parsed.code if parsed.kind == PeriodKind.QUARTER else None
        except PeriodParseError:
            codes[text] = None
    frame["period_code"] = frame["period"].map(codes)
    problems += problems_where(
        frame["period_code"].isna(), frame, "period", "is not a quarter such as 2016-17 Q2"
    )
    return frame, problems


def check_challenges(table: pd.DataFrame, allowed_authorities=None) -> Checked:
    from reports.models import ChallengeRecord

    frame, problems = _common(table, CHALLENGE_REQUIRED, CHALLENGE_TEXT, allowed_authorities)
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
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    return Checked(frame, problems)


def check_actions(table: pd.DataFrame, allowed_authorities=None) -> Checked:
    from reports.models import Action

    frame, problems = _common(table, ACTION_REQUIRED, ACTION_OPTIONAL, allowed_authorities)
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
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    return Checked(frame, problems)


def preview(checked: Checked) -> dict[str, int]:
    return {"new": len(checked.frame), "changed": 0, "unchanged": 0}


def apply_challenges(checked: Checked, user) -> dict[str, int]:
    """Create or replace each record's text, in bulk, with a history row for each; the who
    and when are the importer's."""
    from django.utils import timezone

    from reports.models import ChallengeRecord

    frame = checked.frame
    records = _records(frame, create=False)
    periods = _periods(frame)
    now = timezone.now()
    new, changed, unchanged = [], [], 0
    for row in frame.itertuples(index=False):
        key = (int(row.authority_id), int(row.indicator_id), row.period_code)
        text = {f: getattr(row, f) for f in CHALLENGE_TEXT}
        record = records.get(key)
        if record and all(getattr(record, f) == v for f, v in text.items()):
            unchanged += 1
            continue
        if record is None:
            record = ChallengeRecord(
                authority_id=key[0], indicator_id=key[1], period=periods[key[2]]
            )
            new.append(record)
        else:
            changed.append(record)
        for name, value in text.items():
            setattr(record, name, value)
        record.council_by = record.provider_by = user
        record.council_at = record.provider_at = now
    reason = "Imported from CSV"
    bulk_create_with_history(new, ChallengeRecord, default_user=user, default_change_reason=reason)
    bulk_update_with_history(
        changed,
        ChallengeRecord,
        [*CHALLENGE_TEXT, "council_by", "provider_by", "council_at", "provider_at"],
        default_user=user,
        default_change_reason=reason,
    )
    return {"new": len(new), "changed": len(changed), "unchanged": unchanged}


def apply_actions(checked: Checked, user) -> dict[str, int]:
    from reports.models import Action

    records = _records(checked.frame, create=True)
    actions = [
        Action(
            challenge=records[(int(row.authority_id), int(row.indicator_id), row.period_code)],
            text=row.action,
            owner=row.owner,
            due_date=row.due,
            status=row.status,
            created_by=user,
        )
        for row in checked.frame.itertuples(index=False)
    ]
    bulk_create_with_history(
        actions, Action, default_user=user, default_change_reason="Imported from CSV"
    )
    return {"new": len(actions), "changed": 0, "unchanged": 0}


def _records(frame: pd.DataFrame, create: bool) -> dict[tuple, object]:
    """Existing challenge records for the file's keys (made first if `create`), by key."""
    from reports.models import ChallengeRecord

    periods = _periods(frame)
    keys = {
        (int(a), int(i), p)
        for a, i, p in zip(
            frame["authority_id"], frame["indicator_id"], frame["period_code"], strict=True
        )
    }
    if create:
        ChallengeRecord.objects.bulk_create(
            [
                ChallengeRecord(authority_id=a, indicator_id=i, period=periods[p])
                for a, i, p in keys
            ],
            ignore_conflicts=True,
        )
    found = ChallengeRecord.objects.filter(
        authority_id__in={k[0] for k in keys},
        indicator_id__in={k[1] for k in keys},
        period__in=list(periods.values()),
    ).select_related("period")
    return {(r.authority_id, r.indicator_id, r.period.code): r for r in found}


def _periods(frame: pd.DataFrame) -> dict[str, Period]:
    return Period.ensure(parse_period(code) for code in frame["period_code"].unique())
