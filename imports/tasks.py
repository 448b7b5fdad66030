"""An import confirmed from the web, saved by the worker; the recompute that follows an import,
with its progress on the import's row; and the sweeps that run either again when stuck."""

from __future__ import annotations

import logging
import time
from functools import partial
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from core.tasks import send_or_run
from indicators.tasks import RECOMPUTE_OPTIONS, recompute_now, send_after_commit

from .models import ImportBatch

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def apply_import(batch_id: int) -> str:
    """Save a confirmed import (imports.service.apply): one transaction, so a worker killed
    part-way leaves nothing written and the batch still being saved, to be delivered again
    or swept. Idempotent: a batch applied already is left as it is."""
    from .service import apply

    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        return "gone"
    return apply(batch).state


def stuck_imports():
    """Confirmed imports not saved IMPORT_STUCK_AFTER after they were handed to the worker:
    longer than a task may run, so none is still being written (a lost message, or no worker)."""
    return ImportBatch.objects.saving_for_over(settings.IMPORT_STUCK_AFTER)


@shared_task(acks_late=True)
def sweep_stuck_imports() -> int:
    """Every minute (the beat): hand each stuck confirmed import to the worker again. Safe
    if the first is somehow still running: imports are applied one at a time, and a batch
    is claimed once."""
    stuck = list(stuck_imports().values_list("pk", flat=True))
    for batch_id in stuck:
        log.warning("import %s: confirmed but not saved, handing it to the worker again", batch_id)
        ImportBatch.objects.filter(pk=batch_id).update(apply_sent_at=timezone.now())
        send_or_run(apply_import, batch_id)
    return len(stuck)


@shared_task(**RECOMPUTE_OPTIONS)
def recompute_import(batch_id: int, authority_ids=None, indicator_ids=None) -> int:
    """Idempotent, like the recompute it wraps; the import's row shows its progress."""
    return run_recompute(batch_id, authority_ids, indicator_ids)


def run_recompute(batch_id: int, authority_ids=None, indicator_ids=None) -> int:
    batch = ImportBatch.objects.filter(pk=batch_id)
    _mark(batch, ImportBatch.Recompute.RUNNING)
    try:
        changed = recompute_now(authority_ids, indicator_ids)
    except Exception:
        _mark(batch, ImportBatch.Recompute.FAILED)
        log.exception("recompute failed for import %s", batch_id)
        raise
    _mark(batch, ImportBatch.Recompute.DONE, recomputed=changed)
    log.info("recompute for import %s: %d values changed", batch_id, changed)
    return changed


def schedule_import_recompute(batch_id: int, authority_ids=None, indicator_ids=None) -> None:
    """The scheduler an import hands to the write path: marked queued now, sent after the
    import's transaction commits."""
    _mark(ImportBatch.objects.filter(pk=batch_id), ImportBatch.Recompute.QUEUED)
    send_after_commit(
        recompute_import, batch_id, authority_ids=authority_ids, indicator_ids=indicator_ids
    )


def scheduler_for(batch: ImportBatch):
    return partial(schedule_import_recompute, batch.pk)


def _mark(batches, state: str, **fields) -> None:
    batches.update(recompute_state=state, recompute_changed_at=timezone.now(), **fields)


def stuck_recomputes():
    """Imports whose recompute has not moved for RECOMPUTE_STUCK_AFTER: a worker killed
    mid-task whose message Redis will not redeliver for an hour, or a lost message."""
    return ImportBatch.objects.recompute_still_for_over(settings.RECOMPUTE_STUCK_AFTER)


@shared_task(acks_late=True)
def sweep_stuck_recomputes() -> int:
    """Every minute (the beat): run each stuck import's recompute again. Idempotent — every
    status is derived from stored figures and targets — and whole-database, since a stuck
    import's scope is not kept; it is marked queued again, so the next sweep waits."""
    stuck = list(stuck_recomputes().values_list("pk", flat=True))
    for batch_id in stuck:
        log.warning("import %s: recompute stuck, running it again", batch_id)
        _mark(ImportBatch.objects.filter(pk=batch_id), ImportBatch.Recompute.QUEUED)
        send_or_run(recompute_import, batch_id, None, None)
    return len(stuck)


@shared_task(acks_late=True)
def expire_drafts() -> int:
    """Daily (the beat): drafts nobody confirmed in a week are cancelled, files deleted."""
    from .service import expire_drafts as expire

    return expire()


@shared_task(acks_late=True)
def sweep_left_uploads() -> int:
    """Hourly (the beat): delete what a web process killed mid-upload left in the upload
    folder (FILE_UPLOAD_TEMP_DIR), anything older than any request lasts. Returns how many."""
    folder = Path(settings.FILE_UPLOAD_TEMP_DIR)
    if not folder.is_dir():
        return 0
    cutoff = time.time() - settings.UPLOAD_LEFT_AFTER
    swept = 0
    for path in folder.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                swept += 1
        except FileNotFoundError:  # another sweep, or the request itself, was first
            continue
    if swept:
        log.warning("swept %d upload(s) a killed web process left behind", swept)
    return swept
