"""Structured logs: JSON lines from structlog, through django-structlog, which gives every line
of a request its request id and user, and carries the request id into the Celery tasks the
request queues (each task line has its task id). `LOG_FORMAT=console` prints the same events
readably for a developer (`make run` does).

One `request_finished` line per request (with its status `code` and `ms`), one
`task_succeeded` or `task_failed` per task. Standard-library loggers (Django, Celery,
ours) are rendered by the same formatter, so every line is one JSON object."""

from __future__ import annotations

import time

import structlog
from django.dispatch import receiver
from django_structlog import signals

SHARED = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure_structlog() -> None:
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *SHARED,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            structlog.processors.UnicodeDecoder(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )


def logging_config(level: str = "INFO", log_format: str = "json") -> dict:
    renderer = (
        structlog.dev.ConsoleRenderer(colors=False)
        if log_format == "console"
        else structlog.processors.JSONRenderer()
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    renderer,
                ],
                "foreign_pre_chain": [*SHARED, structlog.stdlib.ExtraAdder()],
            }
        },
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            "matplotlib": {"level": "WARNING"},
            "axes": {"level": "WARNING"},
            "django.server": {"level": "WARNING"},  # runserver's own line repeats ours
            "fontTools": {"level": "WARNING"},
            "weasyprint": {"level": "WARNING"},  # a line per layout step of every PDF
            "health_check": {"level": "ERROR"},  # a failed check is in the 503 it answers
        },
    }


@receiver(signals.bind_extra_request_metadata)
def _request_started(request, logger, log_kwargs, **kwargs):
    request._outturn_started = time.perf_counter()


@receiver(signals.bind_extra_request_finished_metadata)
def _request_finished(request, logger, response, log_kwargs, **kwargs):
    started = getattr(request, "_outturn_started", None)
    if started is not None:
        log_kwargs["ms"] = round((time.perf_counter() - started) * 1000)
