"""The recompute that follows an import, with its progress on the import's row."""

from __future__ import annotations

import logging
from functools import partial

from celery import shared_task

from indicators.tasks import RECOMPUTE_OPTIONS, recompute_now, send_after_commit

from .models import ImportBatch

log = logging.getLogger(__name__)


@shared_task(**RECOMPUTE_OPTIONS)
def recompute_import(batch_id: int, authority_ids=None, indicator_ids=None) -> int:
    """Idempotent, like the recompute it wraps; the import's row shows its progress."""
    return run_recompute(batch_id, authority_ids, indicator_ids)


def run_recompute(batch_id: int, authority_ids=None, indicator_ids=None) -> int:
    batch = ImportBatch.objects.filter(pk=batch_id)
    batch.update(recompute_state=ImportBatch.Recompute.RUNNING)
    try:
        changed = recompute_now(authority_ids, indicator_ids)
    except Exception:
        batch.update(recompute_state=ImportBatch.Recompute.FAILED)
        log.exception("recompute failed for import %s", batch_id)
        raise
    batch.update(recompute_state=ImportBatch.Recompute.DONE, recomputed=changed)
    log.info("recompute for import %s: %d values changed", batch_id, changed)
    return changed


def schedule_import_recompute(batch_id: int, authority_ids=None, indicator_ids=None) -> None:
    """The scheduler an import hands to the write path: marked queued now, sent after the
    import's transaction commits."""
    ImportBatch.objects.filter(pk=batch_id).update(recompute_state=ImportBatch.Recompute.QUEUED)
    send_after_commit(
        recompute_import, batch_id, authority_ids=authority_ids, indicator_ids=indicator_ids
    )


def scheduler_for(batch: ImportBatch):
    return partial(schedule_import_recompute, batch.pk)
