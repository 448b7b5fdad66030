import logging.config
import os

from celery import Celery
from celery.signals import setup_logging
from django_structlog.celery.steps import DjangoStructLogInitStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("outturn")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# django-structlog's worker step: task lines carry their task id and the queuing request's id.
app.steps["worker"].add(DjangoStructLogInitStep)


@setup_logging.connect
def _use_our_logging(**kwargs):
    """Workers log through the same JSON formatter as the web (Celery would install its own)."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
