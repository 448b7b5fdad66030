"""Send a task to the worker, or run it here if the broker cannot be reached."""

from __future__ import annotations

import logging

from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)


def send_or_run(task, *args):
    """Queue the task; if the broker cannot be reached, run it here and now, with a warning.
    A broker outage may slow a request down but never loses the work."""
    if task.app.conf.task_always_eager:
        return task.apply(args=args).get()
    try:
        return task.apply_async(args=args, retry=False)
    # RuntimeError: the Redis result backend's "Retry limit exceeded". Both of our tasks are
    # idempotent, so running one here that may also have been queued is harmless.
    except (OperationalError, ConnectionError, OSError, TimeoutError, RuntimeError) as error:
        log.warning("broker unreachable (%s): running %s in-process", error, task.name)
        return task.run(*args)
