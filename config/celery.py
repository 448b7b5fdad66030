import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("outturn")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

from . import logging as _task_logging  # noqa: E402,F401  (connects the task log signals)
