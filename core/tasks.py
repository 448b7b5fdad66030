"""Send a task to the worker: for most, run it here if the broker cannot be reached; for
work too heavy for a web process, say so instead."""

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
    # Every task sent this way is idempotent, so running one here that may also have been
    # queued is harmless.
    except BROKER_DOWN as error:
        log.warning("broker unreachable (%s): running %s in-process", error, task.name)
        return task.run(*args)


# RuntimeError: the Redis result backend's "Retry limit exceeded".
BROKER_DOWN = (OperationalError, ConnectionError, OSError, TimeoutError, RuntimeError)


def send(task, *args) -> bool:
    """Queue work that must never run in a web process (a paper): True once queued, or run
    where tasks run in-process by design (the embedded set-up, no broker configured); False
    if the broker cannot be reached, for the caller to say so."""
    if task.app.conf.task_always_eager:
        task.apply(args=args).get()
        return True
    try:
        task.apply_async(args=args, retry=False)
    except BROKER_DOWN as error:
        log.warning("broker unreachable (%s): %s not queued", error, task.name)
        return False
    return True
