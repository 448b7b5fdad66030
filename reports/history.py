"""Who changed what, when: the history of a measure's figures, targets, challenge records and
actions for one authority, from django-simple-history, in a fixed number of queries. The
figures' and targets' history is cached against the data version, which every write of them
moves; the challenge records' and actions' is read fresh."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from indicators.models import FIGURE_FIELDS, Period, Target, Value
from indicators.rules import fiscal_year_code
from scrutiny.models import Action, ChallengeRecord

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


def timeline(authority, indicator, key: str) -> list[Change]:
    """Every change, newest first. `key`: the caller's cache key for this authority and
    measure at the current data version (reports.caching.version_key)."""
    figures = cached(
        f"{key}:history",
        lambda: _changes(
            [
                ("value", Value.history.filter(authority=authority, indicator=indicator)),
                (
                    "target",
                    Target.history.filter(
                        Q(authority=authority) | Q(authority__isnull=True), indicator=indicator
                    ),
                ),
            ]
        ),
    )
    scrutiny = _changes(
        [
            (
                "challenge",
                ChallengeRecord.history.filter(authority=authority, indicator=indicator),
            ),
            (
                "action",
                Action.history.filter(
                    challenge__authority=authority, challenge__indicator=indicator
                ),
            ),
        ]
    )
    return sorted(figures + scrutiny, key=lambda c: c.when, reverse=True)


def _changes(sources) -> list[Change]:
    loaded = [
        (kind, list(entries.select_related("history_user").order_by("history_date", "history_id")))
        for kind, entries in sources
    ]
    period_ids = {
        e.period_id for kind, entries in loaded if kind in ("value", "challenge") for e in entries
    }
    periods = Period.objects.in_bulk(period_ids)
    changes: list[Change] = []
    for kind, entries in loaded:
        previous: dict[int, object] = {}
        for entry in entries:
            before = previous.get(entry.id)
            if before is None:  # created: every field that says something
                moved = [
                    (field, None, getattr(entry, field))
                    for field in FIELDS[kind]
                    if getattr(entry, field) not in ("", None, False)
                ]
            else:  # simple-history's own diff between two history rows
                delta = entry.diff_against(before, included_fields=FIELDS[kind])
                moved = [(c.field, c.old, c.new) for c in delta.changes]
            changes += [
                Change(
                    when=entry.history_date,
                    who=entry.history_user.get_username() if entry.history_user else "",
                    what=_label(kind, entry, periods),
                    field=field.replace("_", " "),
                    before=_text(kind, field, old) if before is not None else "",
                    after=_text(kind, field, new),
                    reason=entry.history_change_reason or "",
                )
                for field, old, new in moved
            ]
            previous[entry.id] = entry
    return changes


def _label(kind: str, entry, periods) -> str:
    if kind == "target":
        return f"Target {fiscal_year_code(entry.fiscal_year)}"
    if kind == "action":
        return "Action"
    period = periods.get(entry.period_id)
    name = "Figure" if kind == "value" else "Challenge"
    return f"{name}, {period.label if period else 'unknown period'}"


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
