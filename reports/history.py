"""Who changed what, when: the history of a measure's figures, targets, challenge records and
actions for one authority, from django-simple-history, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from indicators.models import Period, Target, Value
from indicators.rules import fiscal_year_code
from scrutiny.models import Action, ChallengeRecord

FIELDS = {
    "value": ["value", "no_value_reason", "numerator", "denominator", "note", "provisional"],
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


def timeline(authority, indicator) -> list[Change]:
    sources = [
        ("value", Value.history.filter(authority=authority, indicator=indicator)),
        (
            "target",
            Target.history.filter(
                Q(authority=authority) | Q(authority__isnull=True), indicator=indicator
            ),
        ),
        ("challenge", ChallengeRecord.history.filter(authority=authority, indicator=indicator)),
        (
            "action",
            Action.history.filter(challenge__authority=authority, challenge__indicator=indicator),
        ),
    ]
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
            for field in FIELDS[kind]:
                old = getattr(before, field, None) if before else None
                new = getattr(entry, field)
                if before is None and new in ("", None, False):
                    continue
                if before is not None and old == new:
                    continue
                changes.append(
                    Change(
                        when=entry.history_date,
                        who=entry.history_user.get_username() if entry.history_user else "",
                        what=_label(kind, entry, periods),
                        field=field.replace("_", " "),
                        before=_text(old) if before is not None else "",
                        after=_text(new),
                        reason=entry.history_change_reason or "",
                    )
                )
            previous[entry.id] = entry
    return sorted(changes, key=lambda c: c.when, reverse=True)


def _label(kind: str, entry, periods) -> str:
    if kind == "target":
        return f"Target {fiscal_year_code(entry.fiscal_year)}"
    if kind == "action":
        return "Action"
    period = periods.get(entry.period_id)
    name = "Figure" if kind == "value" else "Challenge"
    return f"{name}, {period.label if period else 'unknown period'}"


def _text(value) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
