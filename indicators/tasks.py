from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError as DatabaseOperationalError
from django.db import transaction

from core.tasks import send_or_run

from . import distributions
from .recompute import recompute

log = logging.getLogger(__name__)


# Every recompute task: redelivered if its worker dies, retried if the database blinks.
RECOMPUTE_OPTIONS = dict(
    acks_late=True,
    autoretry_for=(DatabaseOperationalError,),
    max_retries=3,
    retry_backoff=True,
)


def recompute_now(authority_ids=None, indicator_ids=None) -> int:
    """The body of every recompute task (this one and the import's): the statuses, then the
    national distributions the write left out of date (indicators.distributions)."""
    changed = recompute(authority_ids, indicator_ids)
    distributions.refresh()
    return changed


@shared_task(**RECOMPUTE_OPTIONS)
def recompute_statuses(authority_ids=None, indicator_ids=None) -> int:
    """Idempotent: everything is derived from the stored values and targets, so a redelivered
    or retried run ends in the same state."""
    return recompute_now(authority_ids, indicator_ids)


def send_after_commit(task, *args, authority_ids=None, indicator_ids=None) -> None:
    """After the current transaction commits, send `task` the series to recompute (None: all),
    in a stable order; run it in-process if the broker cannot be reached."""
    authority_ids = sorted(authority_ids) if authority_ids is not None else None
    indicator_ids = sorted(indicator_ids) if indicator_ids is not None else None
    transaction.on_commit(lambda: send_or_run(task, *args, authority_ids, indicator_ids))


def schedule_recompute(authority_ids=None, indicator_ids=None) -> None:
    """After the current transaction commits, queue a recompute of those series (None: all).
    A broker outage never leaves statuses stale."""
    send_after_commit(recompute_statuses, authority_ids=authority_ids, indicator_ids=indicator_ids)


@shared_task(acks_late=True)
def repair_statuses() -> int:
    """The periodic consistency sweep: recompute every series and report how many stored
    statuses disagreed with the rules (they are repaired as they are found)."""
    changed = recompute()
    if changed:
        log.warning("consistency sweep repaired %d values whose stored status was wrong", changed)
    distributions.refresh()  # what a write of definitions or places left out of date
    return changed


@shared_task(bind=True, acks_late=True, autoretry_for=(DatabaseOperationalError,), max_retries=3)
def recompute_authorities(self, authority_ids: list[int]) -> dict:
    """One share of a national recompute: whole series of these authorities."""
    return {
        "authorities": authority_ids,
        "changed": recompute(authority_ids, None),
        "worker": self.request.hostname,
    }


def recompute_nationally(chunks: int = 8, timeout: float = 600) -> list[dict]:
    """Split every authority's series into chunks and let the workers share them. Each
    authority is in exactly one chunk, so no series is done twice or missed; a chunk whose
    worker dies is redelivered (acks_late)."""
    from celery import group

    from authorities.models import Authority

    ids = sorted(Authority.objects.values_list("id", flat=True))
    shares = [ids[i::chunks] for i in range(chunks) if ids[i::chunks]]
    return (
        group(recompute_authorities.s(share) for share in shares).apply_async().get(timeout=timeout)
    )
