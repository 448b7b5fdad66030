"""The one write path for the panel's workflow, as indicators.writes is for figures: challenge
records (each side's own text, stamped with who and when), actions, publications ("as
presented"), the panel's recommendations and everyone's digest setting. The pages, the
challenge and action imports and the demo all write through here; each write keeps its
history (simple-history, one row per change, bulk writes included) and allows only the steps
the workflow allows. Nothing else saves a scrutiny model (tests/scrutiny/test_write_path.py),
and no page writes on a GET."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.access import COUNCIL
from indicators.models import Period

from .models import Action, ChallengeRecord, DigestSetting, Publication, Recommendation

# Each side's own text in a challenge record: the council's and the provider's.
COUNCIL_TEXT = ["classification", "council_comment", "questions"]
PROVIDER_TEXT = ["provider_response"]
SIDE_TEXT = {COUNCIL: COUNCIL_TEXT, "provider": PROVIDER_TEXT}
STAMPS = ["council_by", "council_at", "provider_by", "provider_at"]

# A form sent twice (a double click, a resubmitted page) within this window is one write.
RESUBMITTED_WITHIN = timedelta(minutes=10)


class NotAllowed(Exception):
    """Why a step cannot be taken: said to the person who asked."""


# Challenge records ----------------------------------------------------------------------------


def record_for(authority, indicator, period) -> ChallengeRecord:
    """The stored record for a measure's quarter, or an unsaved one to fill in: reading a
    challenge page never creates one."""
    found = ChallengeRecord.objects.filter(
        authority=authority, indicator=indicator, period=period
    ).first()
    return found or ChallengeRecord(authority=authority, indicator=indicator, period=period)


def stamp(record: ChallengeRecord, sides: Iterable[str], user, now: datetime) -> None:
    """Who wrote each side's text last, and when: the one rule for both sides."""
    for side in sides:
        prefix = "council" if side == COUNCIL else "provider"
        setattr(record, f"{prefix}_by", user)
        setattr(record, f"{prefix}_at", now)


@transaction.atomic
def save_side(record: ChallengeRecord, side: str, user) -> ChallengeRecord:
    """One side's text of `record` (as a form filled it in), stamped as theirs. A record
    created meanwhile by someone else keeps their side: only this side's text is written."""
    if record.pk is None:
        stored = (
            ChallengeRecord.objects.select_for_update()
            .filter(authority=record.authority, indicator=record.indicator, period=record.period)
            .first()
        )
        if stored is not None:
            for name in SIDE_TEXT[side]:
                setattr(stored, name, getattr(record, name))
            record = stored
    stamp(record, [side], user, timezone.now())
    record.save()
    return record


def save_records(new: list, changed: list, user, reason: str) -> None:
    """Records from a file, in bulk, a history row each: `new` unsaved, `changed` stored with
    their text and stamps set (stamp)."""
    bulk_create_with_history(new, ChallengeRecord, default_user=user, default_change_reason=reason)
    bulk_update_with_history(
        changed,
        ChallengeRecord,
        [*COUNCIL_TEXT, *PROVIDER_TEXT, *STAMPS],
        default_user=user,
        default_change_reason=reason,
    )


def ensure_records(keys: Iterable[tuple[int, int, Period]], user, reason: str) -> None:
    """Empty records for (authority id, indicator id, period) keys that have none, so actions
    can be filed under them; each new one in the history."""
    keys = list(keys)
    if not keys:
        return
    stored = set(
        ChallengeRecord.objects.filter(
            authority_id__in={a for a, _, _ in keys},
            indicator_id__in={i for _, i, _ in keys},
            period__in={p.pk for _, _, p in keys},
        ).values_list("authority_id", "indicator_id", "period_id")
    )
    missing = [
        ChallengeRecord(authority_id=a, indicator_id=i, period=p)
        for a, i, p in keys
        if (a, i, p.pk) not in stored
    ]
    bulk_create_with_history(
        missing, ChallengeRecord, default_user=user, default_change_reason=reason
    )


def date_commentary(authority, written: datetime) -> None:
    """Date an authority's commentary, actions and their history as written at `written`:
    the demo's, written for a meeting in 2016, never dated the day it is loaded."""
    records = ChallengeRecord.objects.filter(authority=authority)
    records.exclude(council_by=None).update(council_at=written)
    records.exclude(provider_by=None).update(provider_at=written)
    Action.objects.filter(challenge__authority=authority).update(created_at=written)
    ChallengeRecord.history.filter(authority=authority).update(history_date=written)
    Action.history.filter(challenge__authority=authority).update(history_date=written)


# Actions ----------------------------------------------------------------------------------------


def sent_moments_ago(model, user, by: str = "created_by", at: str = "created_at", **same):
    """The row the same person wrote with the same content within RESUBMITTED_WITHIN (a
    form sent twice), or None: every write form's guard against double submission."""
    recent = {by: user, f"{at}__gte": timezone.now() - RESUBMITTED_WITHIN}
    return model.objects.filter(**recent, **same).first()


def add_action(record: ChallengeRecord, user, action: Action) -> tuple[Action, bool]:
    """Add `action` (unsaved) to `record` (saved first if new), unless the same person added
    the same action there moments ago: then that one, and False."""
    with transaction.atomic():
        if record.pk is None:
            record, _ = ChallengeRecord.objects.get_or_create(
                authority=record.authority, indicator=record.indicator, period=record.period
            )
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


def save_action(action: Action) -> Action:
    """An action's owner, due date, status or words as a form changed them. A carried action
    stays carried: it was copied into the next quarter, and reopening it would copy it twice."""
    with transaction.atomic():
        stored = Action.objects.select_for_update().get(pk=action.pk)
        if stored.status == Action.Status.CARRIED and action.status != Action.Status.CARRIED:
            raise NotAllowed("This action was carried over to the next quarter: change it there.")
        action.save()
    return action


def save_actions(new: list, changed: list, user, reason: str) -> None:
    """Actions from a file, in bulk, a history row each."""
    bulk_create_with_history(new, Action, default_user=user, default_change_reason=reason)
    bulk_update_with_history(
        changed,
        Action,
        ["owner", "due_date", "status"],
        default_user=user,
        default_change_reason=reason,
    )


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
            raise NotAllowed(f"This action was carried over to {following.label} already.")
        if current.status != Action.Status.OPEN:
            raise NotAllowed("This action is done, so there is nothing to carry over.")
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


# Publications ----------------------------------------------------------------------------------


def presented(authority, period, presented_on: date) -> Publication | None:
    """The quarter as presented for that meeting, if it was."""
    return Publication.objects.filter(
        authority=authority, period=period, presented_on=presented_on
    ).first()


def save_publication(
    publication: Publication, paper: bytes | None, name: str
) -> tuple[Publication, bool]:
    """A quarter as presented (its snapshot built by the pages: reports.presented) and the
    paper built from the same figures; False, with the stored one, where the quarter was
    presented for that meeting already: a quarter is presented once for a meeting, held by
    the database (one_presentation_per_meeting), so two people, two tabs or a double click
    at the same instant write one."""
    try:
        with transaction.atomic():
            publication.save()
            if paper is not None:
                publication.paper.save(name, ContentFile(paper))
    except IntegrityError:
        stored = presented(publication.authority, publication.period, publication.presented_on)
        if stored is None:
            raise
        return stored, False
    return publication, True


# The panel's recommendations ------------------------------------------------------------------


def record_recommendation(item: Recommendation, user, agenda=None) -> tuple[Recommendation, bool]:
    """Write the panel's item (unsaved, its authority and period set), unless the same person
    sent the same words moments ago: then that one, and False."""
    with transaction.atomic():
        same = sent_moments_ago(
            Recommendation, user, authority=item.authority, period=item.period, text=item.text
        )
        if same:
            return same, False
        item.created_by = user
        if agenda:
            item.agenda_period = Period.ensure([agenda])[agenda.code]
        item.save()
        return item, True


def _step(item: Recommendation, status: str, reason: str, **fields) -> Recommendation:
    with transaction.atomic():
        stored = Recommendation.objects.select_for_update().get(pk=item.pk)
        if not stored.may_become(status):
            raise NotAllowed(
                f"This item is {stored.get_status_display().lower()}, so it cannot be "
                f"{Recommendation.Status(status).label.split(':')[0].lower()} now."
            )
        for name, value in fields.items():
            setattr(stored, name, value)
        stored.status = status
        stored._change_reason = reason
        stored.save()
    return stored


def answer(item: Recommendation, user, text: str) -> Recommendation:
    """The answer of the side the item is addressed to (the caller checks the side)."""
    return _step(
        item,
        Recommendation.Status.ANSWERED,
        "Answered",
        answer=text,
        answered_by=user,
        answered_at=timezone.now(),
    )


def decide(item: Recommendation, status: str) -> Recommendation:
    """The chair accepts an answered item or closes one (the caller checks the chair)."""
    reason = "Accepted" if status == Recommendation.Status.ACCEPTED else "Closed"
    return _step(item, status, reason)


# Digest ----------------------------------------------------------------------------------------


def digest_setting(user) -> DigestSetting:
    """A person's digest setting as stored, or the default (wanted) unsaved: read, never
    written, by a GET."""
    return DigestSetting.objects.filter(user=user).first() or DigestSetting(user=user)


def digest_settings(people: list) -> dict[int, DigestSetting]:
    """Each person's digest setting by user id, stored for everyone (the day it was sent is
    kept on it): the digest's run creates those it lacks."""
    stored = {d.user_id: d for d in DigestSetting.objects.filter(user__in=people)}
    missing = [DigestSetting(user=u) for u in people if u.pk not in stored]
    for setting in DigestSetting.objects.bulk_create(missing):
        stored[setting.user_id] = setting
    return stored


def claim_digest(setting: DigestSetting, today: date) -> bool:
    """Mark today's digest as sent to this person, unless another run did a moment ago (a
    conditional UPDATE): True if this run is to send it."""
    return bool(
        DigestSetting.objects.filter(pk=setting.pk, wanted=True)
        .exclude(last_sent_on=today)
        .update(last_sent_on=today)
    )


def set_digest(user, wanted: bool) -> DigestSetting:
    setting, _ = DigestSetting.objects.update_or_create(user=user, defaults={"wanted": wanted})
    return setting
