from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError as DatabaseOperationalError
from django.db import transaction

from config.celery import send_or_run

from .models import ImportBatch
from .recompute import recompute

log = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    autoretry_for=(DatabaseOperationalError,),
    max_retries=3,
    retry_backoff=True,
)
def recompute_statuses(authority_ids=None, indicator_ids=None, batch_id=None) -> int:
    """Idempotent: everything is derived from the stored values and targets, so a redelivered
    or retried run ends in the same state. With batch_id, the import's row shows progress."""
    return run_recompute(authority_ids, indicator_ids, batch_id)


def run_recompute(authority_ids=None, indicator_ids=None, batch_id=None) -> int:
    batch = ImportBatch.objects.filter(pk=batch_id) if batch_id else ImportBatch.objects.none()
    batch.update(recompute_state=ImportBatch.Recompute.RUNNING)
    try:
        changed = recompute(authority_ids, indicator_ids)
    except Exception:
        batch.update(recompute_state=ImportBatch.Recompute.FAILED)
        log.exception("recompute failed for import %s", batch_id)
        raise
    batch.update(recompute_state=ImportBatch.Recompute.DONE, recomputed=changed)
    log.info("recompute for import %s: %d values changed", batch_id, changed)
    return changed


def schedule_recompute(authority_ids=None, indicator_ids=None, batch_id=None) -> None:
    """After the current transaction commits, queue a recompute of those series (None: all).
    If the broker cannot be reached, run it in-process: a broker outage never leaves
    statuses stale."""
    authority_ids = sorted(authority_ids) if authority_ids is not None else None
    indicator_ids = sorted(indicator_ids) if indicator_ids is not None else None
    if batch_id:
        ImportBatch.objects.filter(pk=batch_id).update(recompute_state=ImportBatch.Recompute.QUEUED)

    transaction.on_commit(
        lambda: send_or_run(recompute_statuses, authority_ids, indicator_ids, batch_id)
    )
