"""The daily digest, sent by Celery beat (CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from .digest import send_digests

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def send_daily_digests() -> int:
    """Idempotent for the day: each person's digest is claimed before it is sent."""
    sent = send_digests(timezone.localdate())
    log.info("daily digest: %d sent", sent)
    return sent
