"""Reading and writing the performance challenge, and freezing a quarter for the panel."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from authorities.models import Authority
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


def open_actions(authority: Authority, today: date) -> list[tuple[Action, str]]:
    """Every open action for the authority (any quarter), overdue first, with its state."""
    actions = (
        Action.objects.filter(challenge__authority=authority, status=Action.Status.OPEN)
        .select_related("challenge__indicator", "challenge__period")
        .order_by("due_date", "id")
    )
    states = [(action, action.state(today)) for action in actions]
    return sorted(states, key=lambda pair: pair[1] != "overdue")


class NotCarried(Exception):
    """Why an action cannot be carried over: said to the person who asked."""


def carry_over(action: Action, user) -> Action:
    """Copy an open action into the next quarter's challenge record; the original is marked
    carried over, so it is listed once. Only an open action is carried, and only once: a
    second click (or a second tab) finds it carried and changes nothing."""
    challenge = action.challenge
    following = challenge.period.parsed.next()
    next_period = Period.ensure([following])[following.code]
    with transaction.atomic():
        current = Action.objects.select_for_update().get(pk=action.pk)
        if current.status == Action.Status.CARRIED:
            raise NotCarried(f"This action was carried over to {following.label} already.")
        if current.status != Action.Status.OPEN:
            raise NotCarried("This action is done, so there is nothing to carry over.")
        record, _ = ChallengeRecord.objects.get_or_create(
            authority=challenge.authority, indicator=challenge.indicator, period=next_period
        )
        copy = Action.objects.create(
            challenge=record,
            text=current.text,
            owner=current.owner,
            due_date=current.due_date,
            carried_over_from=current,
            created_by=user,
        )
        current.status = Action.Status.CARRIED
        current.save(update_fields=["status"])
    action.status = current.status
    return copy


# A form sent twice (a double click, a resubmitted page) within this window is one write.
RESUBMITTED_WITHIN = timedelta(minutes=10)


def sent_moments_ago(model, user, by: str = "created_by", at: str = "created_at", **same):
    """The row the same person wrote with the same content within RESUBMITTED_WITHIN (a
    form sent twice), or None: every write form's guard against double submission."""
    recent = {by: user, f"{at}__gte": timezone.now() - RESUBMITTED_WITHIN}
    return model.objects.filter(**recent, **same).first()


def add_action(record: ChallengeRecord, user, action: Action) -> tuple[Action, bool]:
    """Add `action` (unsaved) to `record`, unless the same person added the same action there
    moments ago: then that one, and False."""
    with transaction.atomic():
        ChallengeRecord.objects.select_for_update().filter(pk=record.pk).first()  # one at a time
        same = sent_moments_ago(
            Action,
            user,
            challenge=record,
            text=action.text,
            owner=action.owner,
            due_date=action.due_date,
        )
        if same:
            return same, False
        action.challenge = record
        action.created_by = user
        action.save()
        return action, True


def recent_publication(authority, period, presented_on: date, user) -> Publication | None:
    """The same quarter presented for the same meeting by the same person moments ago."""
    return sent_moments_ago(
        Publication,
        user,
        by="published_by",
        at="published_at",
        authority=authority,
        period=period,
        presented_on=presented_on,
    )


def publish(quarter, user, presented_on: date, paper: bytes | None = None) -> Publication:
    """Freeze what the panel sees: every figure, status and the commentary, as of now, and
    the PDF paper built from the same `quarter` (reports.briefing.present builds both)."""
    records = records_for(quarter.authority, quarter.period)
    measures = {}
    for row in [*quarter.measures, *quarter.volumetric]:
        record = records.get(row.indicator.id)
        value = row.value
        measures[row.indicator.code] = {
            "name": row.indicator.name,
            "unit": row.indicator.unit,
            "decimals": row.indicator.decimals,
            "volumetric": row.indicator.is_volumetric,
            "reported": row.reported,
            "value": value.value if value else None,
            "no_value_reason": value.no_value_reason if value else "",
            "status": row.status.value,
            "direction": value.direction if value else "",
            "hard_to_shift": bool(value and value.hard_to_shift),
            "target": row.target.target if row.target else None,
            "tolerance": row.target.tolerance if row.target else None,
            "classification": record.classification if record else "",
            "council_comment": record.council_comment if record else "",
            "questions": record.questions if record else "",
            "provider_response": record.provider_response if record else "",
        }
    publication = Publication(
        authority=quarter.authority,
        period=quarter.period,
        published_by=user,
        presented_on=presented_on,
        snapshot={
            "measures": measures,
            "summary": {
                "statuses": [status.value for status in quarter.statuses],
                "rows": [
                    {
                        "category": row.category.name,
                        "counts": [row.counts[status] for status in quarter.statuses],
                        "total": row.total,
                    }
                    for row in quarter.summary
                ],
                "totals": [quarter.totals[status] for status in quarter.statuses],
                "total": len(quarter.measures),
            },
            "frozen_at": timezone.now().isoformat(),
        },
    )
    with transaction.atomic():
        publication.save()
        if paper is not None:
            name = f"{quarter.authority.slug}-{quarter.period.slug}-presented-{presented_on}.pdf"
            publication.paper.save(name, ContentFile(paper))
    return publication


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
