"""The Celery app as deployed, with the knobs only the real-worker tests turn, so that none of
them sits in production code: a recompute slowed (a window to kill the worker in), the daily
digest every few seconds. Workers started by tests/workers.py load it with `-A`."""

from __future__ import annotations

import os
import time

from celery.signals import worker_process_init

from config.celery import app

__all__ = ["app"]

if delay := float(os.environ.get("TEST_RECOMPUTE_DELAY", "0")):

    @worker_process_init.connect
    def slow_the_recompute(**kwargs):
        """In each pool process, once Django is set up: every recompute waits first."""
        from indicators import tasks

        real = tasks.recompute

        def slowed(*args, **kwargs):
            time.sleep(delay)  # a fault test kills the worker in this window
            return real(*args, **kwargs)

        tasks.recompute = slowed


if every := float(os.environ.get("TEST_DIGEST_EVERY_SECONDS", "0")):
    app.conf.beat_schedule["daily-digest"]["schedule"] = every
