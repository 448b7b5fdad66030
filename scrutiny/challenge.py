"""Reading the performance challenge (its writes are in scrutiny.writes)."""

from __future__ import annotations

from datetime import date

from authorities.models import Authority
from indicators import definitions
from indicators.models import Period

from .models import Action, ChallengeRecord, Publication


def records_for(authority: Authority, period: Period) -> dict[int, ChallengeRecord]:
    """The quarter's challenge records by indicator id, with their actions: two queries."""
    records = (
        ChallengeRecord.objects.filter(authority=authority, period=period)
        .select_related("council_by", "provider_by")
        .prefetch_related("actions")
    )
    return {record.indicator_id: record for record in records}


def open_actions(
    authority: Authority, today: date, held: definitions.Definitions
) -> list[tuple[Action, str]]:
    """Every open action for the authority (any quarter), overdue first, with its state; its
    record's measure and period as `held` (indicators.definitions)."""
    actions = (
        Action.objects.filter(challenge__authority=authority, status=Action.Status.OPEN)
        .select_related("challenge")
        .order_by("due_date", "id")
    )
    states = []
    for action in actions:
        held.attach(action.challenge, "indicator", "period")
        states.append((action, action.state(today)))
    return sorted(states, key=lambda pair: pair[1] != "overdue")


def mark_revisions(quarter, publication: Publication | None) -> None:
    """Give every measure whose figure or status has changed since the panel saw it a
    `presented` with what the panel saw."""
    if publication is None:
        return
    seen = publication.snapshot["measures"]
    for row in [*quarter.measures, *quarter.volumetric]:
        before = seen.get(row.indicator.code)
        now_value = row.value.value if row.value else None
        if before and (before["value"] != now_value or before["status"] != row.status.value):
            row.presented = before
