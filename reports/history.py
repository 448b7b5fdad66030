"""Who changed what, when: the history of a measure's figures, targets, challenge records and
actions for one authority, from django-simple-history, in a fixed number of queries. The
figures' and targets' history is cached against the data version, which every write of them
moves; the challenge records' and actions' is read fresh."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

# The history models simple-history makes, read through their own managers: `Model.history`
# builds a manager class on every use (a tenth of reading a measure's history).
from indicators.models import FIGURE_FIELDS, HistoricalTarget, HistoricalValue
from indicators.rules import fiscal_year_code, parsed_period
from scrutiny.models import (
    Action,
    ChallengeRecord,
    HistoricalAction,
    HistoricalChallengeRecord,
)

from .caching import cached

FIELDS = {
    "value": FIGURE_FIELDS,
    "target": ["target", "tolerance"],
    "challenge": ["classification", "council_comment", "questions", "provider_response"],
    "action": ["text", "owner", "due_date", "status"],
}


@dataclass
class Change:
    when: object
    who: str
    what: str  # "Figure for Quarter 2 2016/17", "Action", …
    field: str
    before: str
    after: str
    reason: str = ""


def timeline(authority, indicator, key: str, challenged: bool = True) -> list[Change]:
    """Every change, newest first. `key`: the caller's cache key for this authority and
    measure at the current data version (reports.caching.version_key). `challenged`: False
    where the authority has no challenge record of the measure, so neither records nor
    actions have any history to read (scrutiny.writes never deletes one, and an action
    belongs to a record)."""
    figures = cached(
        f"{key}:history",
        lambda: _changes(
            [
                ("value", HistoricalValue.objects.filter(authority=authority, indicator=indicator)),
                (
                    "target",
                    HistoricalTarget.objects.filter(
                        Q(authority=authority) | Q(authority__isnull=True), indicator=indicator
                    ),
                ),
            ]
        ),
    )
    if not challenged:
        return sorted(figures, key=lambda c: c.when, reverse=True)
    scrutiny = _changes(
        [
            (
                "challenge",
                HistoricalChallengeRecord.objects.filter(authority=authority, indicator=indicator),
            ),
            (
                "action",
                HistoricalAction.objects.filter(
                    challenge__authority=authority, challenge__indicator=indicator
                ),
            ),
        ]
    )
    return sorted(figures + scrutiny, key=lambda c: c.when, reverse=True)


# What each kind's history row is read for besides its fields: its label's period (read with
# it, by the period's reference) or year.
PERIOD = ["period__kind", "period__fiscal_year", "period__number"]
PLACES = {"value": PERIOD, "challenge": PERIOD, "target": ["fiscal_year"]}


def _changes(sources) -> list[Change]:
    """Each source's history rows, oldest first, read as plain rows (a model object each, and
    simple-history's diff of two of them through model_to_dict, were most of a measure
    page's first drawing), then each row's fields against the same record's row before."""
    changes: list[Change] = []
    for kind, entries in sources:
        previous: dict[int, dict] = {}
        for entry in _rows(kind, entries):
            before = previous.get(entry["id"])
            changes += _row_changes(kind, entry, before)
            previous[entry["id"]] = entry
    return changes


def _rows(kind: str, entries) -> list[dict]:
    """A kind's history rows, oldest first: the record, when, why and who, its label's period
    or year, and the fields a change is told by."""
    return list(
        entries.order_by("history_date", "history_id").values(
            "id",
            "history_date",
            "history_change_reason",
            "history_user__username",
            *PLACES.get(kind, []),
            *FIELDS[kind],
        )
    )


def _row_changes(kind: str, entry: dict, before: dict | None) -> list[Change]:
    """What one history row changed: where it made the record, every field that says
    something; else each field the record's row before held otherwise."""
    if before is None:
        moved = [(f, None, entry[f]) for f in FIELDS[kind] if entry[f] not in ("", None, False)]
    else:
        moved = [(f, before[f], entry[f]) for f in FIELDS[kind] if entry[f] != before[f]]
    if not moved:
        return []
    what = _label(kind, entry)
    return [
        Change(
            when=entry["history_date"],
            who=entry["history_user__username"] or "",
            what=what,
            field=field.replace("_", " "),
            before=_text(kind, field, old) if before is not None else "",
            after=_text(kind, field, new),
            reason=entry["history_change_reason"] or "",
        )
        for field, old, new in moved
    ]


def _label(kind: str, entry: dict) -> str:
    if kind == "target":
        return f"Target {fiscal_year_code(entry['fiscal_year'])}"
    if kind == "action":
        return "Action"
    name = "Figure" if kind == "value" else "Challenge"
    if entry["period__kind"] is None:  # a period since deleted
        return f"{name}, unknown period"
    period = parsed_period(
        entry["period__kind"], entry["period__fiscal_year"], entry["period__number"]
    )
    return f"{name}, {period.label}"


LABELS = {
    ("challenge", "classification"): dict(ChallengeRecord.Classification.choices),
    ("action", "status"): dict(Action.Status.choices),
}


def _text(kind: str, field: str, value) -> str:
    """As a person reads it: a choice's label, never its code."""
    labels = LABELS.get((kind, field))
    if labels is not None and value in labels:
        return labels[value] if value else "Not classified"
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
