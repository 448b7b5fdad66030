"""The recompute that follows an import, with its progress on the import's row."""

from __future__ import annotations

import logging
import time
from functools import partial

from celery import shared_task
from django.conf import settings
from django.db import OperationalError as DatabaseOperationalError
from django.db import transaction

from core.tasks import send_or_run
from indicators.recompute import recompute

from .models import ImportBatch

log = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    autoretry_for=(DatabaseOperationalError,),
    max_retries=3,
    retry_backoff=True,
)
def recompute_import(batch_id: int, authority_ids=None, indicator_ids=None) -> int:
    """Idempotent, like the recompute it wraps; the import's row shows its progress."""
    return run_recompute(batch_id, authority_ids, indicator_ids)


def run_recompute(batch_id: int, authority_ids=None, indicator_ids=None) -> int:
    batch = ImportBatch.objects.filter(pk=batch_id)
    batch.update(recompute_state=ImportBatch.Recompute.RUNNING)
    if settings.FAULT_RECOMPUTE_DELAY:  # fault tests kill the worker in this window
        time.sleep(settings.FAULT_RECOMPUTE_DELAY)
    try:
        changed = recompute(authority_ids, indicator_ids)
    except Exception:
        batch.update(recompute_state=ImportBatch.Recompute.FAILED)
        log.exception("recompute failed for import %s", batch_id)
        raise
    batch.update(recompute_state=ImportBatch.Recompute.DONE, recomputed=changed)
    log.info("recompute for import %s: %d values changed", batch_id, changed)
    return changed


def schedule_import_recompute(batch_id: int, authority_ids=None, indicator_ids=None) -> None:
    """The scheduler an import hands to the write path: marked queued now, sent after the
    import's transaction commits (run in-process if the broker is down)."""
    authority_ids = sorted(authority_ids) if authority_ids is not None else None
    indicator_ids = sorted(indicator_ids) if indicator_ids is not None else None
    ImportBatch.objects.filter(pk=batch_id).update(recompute_state=ImportBatch.Recompute.QUEUED)
    transaction.on_commit(
        lambda: send_or_run(recompute_import, batch_id, authority_ids, indicator_ids)
    )


def scheduler_for(batch: ImportBatch):
    return partial(schedule_import_recompute, batch.pk)
