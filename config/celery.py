import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("outturn")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

from . import logging as _task_logging  # noqa: E402,F401  (connects the task log signals)


def send_or_run(task, *args):
    """Queue the task; if the broker cannot be reached, run it here and now, with a warning.
    A broker outage may slow a request down but never loses the work."""
    import logging

    from kombu.exceptions import OperationalError

    if task.app.conf.task_always_eager:
        return task.apply(args=args).get()
    try:
        return task.apply_async(args=args, retry=False)
    # RuntimeError: the Redis result backend's "Retry limit exceeded". Both of our tasks are
    # idempotent, so running one here that may also have been queued is harmless.
    except (OperationalError, ConnectionError, OSError, TimeoutError, RuntimeError) as error:
        logging.getLogger(__name__).warning(
            "broker unreachable (%s): running %s in-process", error, task.name
        )
        return task.run(*args)
