from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError as DatabaseOperationalError
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerOperationalError

from .recompute import recompute

log = logging.getLogger(__name__)

BROKER_DOWN = (BrokerOperationalError, ConnectionError, OSError, TimeoutError)


@shared_task(
    acks_late=True,
    autoretry_for=(DatabaseOperationalError,),
    max_retries=3,
    retry_backoff=True,
)
def recompute_statuses(authority_ids=None, indicator_ids=None) -> int:
    """Idempotent: everything is derived from the stored values and targets, so a redelivered
    or retried run ends in the same state."""
    return recompute(authority_ids, indicator_ids)


def schedule_recompute(authority_ids=None, indicator_ids=None) -> None:
    """After the current transaction commits, queue a recompute of those series (None: all).
    If the broker cannot be reached, run it in-process: a broker outage never leaves
    statuses stale."""
    authority_ids = sorted(authority_ids) if authority_ids is not None else None
    indicator_ids = sorted(indicator_ids) if indicator_ids is not None else None

    def send() -> None:
        if recompute_statuses.app.conf.task_always_eager:
            recompute(authority_ids, indicator_ids)
            return
        try:
            recompute_statuses.apply_async(args=(authority_ids, indicator_ids), retry=False)
        except BROKER_DOWN as error:
            log.warning("broker unreachable (%s): recomputing in-process", error)
            recompute(authority_ids, indicator_ids)

    transaction.on_commit(send)
