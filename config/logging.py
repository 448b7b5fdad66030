"""One log line per request and per task, as key=value pairs a log search can filter on."""

from __future__ import annotations

import logging
import time

from celery.signals import task_failure, task_postrun, task_prerun

requests_log = logging.getLogger("outturn.request")
tasks_log = logging.getLogger("outturn.task")
_started: dict[str, float] = {}


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        requests_log.info(
            "method=%s path=%s status=%s ms=%.0f user=%s",
            request.method,
            request.path,
            response.status_code,
            (time.perf_counter() - started) * 1000,
            user.get_username() if user and user.is_authenticated else "-",
        )
        return response


@task_prerun.connect
def _task_started(task_id=None, task=None, args=None, **kwargs):
    _started[task_id] = time.perf_counter()


@task_postrun.connect
def _task_finished(task_id=None, task=None, args=None, state=None, retval=None, **kwargs):
    seconds = time.perf_counter() - _started.pop(task_id, time.perf_counter())
    tasks_log.info(
        "task=%s id=%s state=%s seconds=%.2f args=%s result=%s",
        task.name,
        task_id,
        state,
        seconds,
        _short(args),
        _short(retval),
    )


@task_failure.connect
def _task_failed(task_id=None, exception=None, sender=None, **kwargs):
    tasks_log.error("task=%s id=%s state=FAILURE error=%r", sender.name, task_id, exception)


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."
