"""Recompute through Celery: a real worker over a real broker, and the in-process fallback."""

from __future__ import annotations

import time
import uuid

import pytest
from django.conf import settings
from kombu.exceptions import OperationalError

from config.celery import app as celery_app
from indicators import tasks
from indicators.models import Value
from tests.factories import AuthorityFactory, IndicatorFactory, TargetFactory, ValueFactory
from tests.workers import celery_worker


@pytest.fixture
def worker():
    """A real worker on a queue of its own, so nothing else feeds it."""
    queue = f"outturn-test-{uuid.uuid4().hex[:8]}"
    with celery_worker("--pool=solo", "-Q", queue):
        celery_app.conf.task_always_eager = False  # the autouse fixture restores it
        yield queue


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_recomputes_statuses(worker):
    authority = AuthorityFactory()
    indicator = IndicatorFactory()
    TargetFactory(indicator=indicator, authority=authority, target=92, tolerance=90)
    value = ValueFactory(authority=authority, indicator=indicator, value=82)
    assert value.status == "no_value"  # stored before any recompute

    started = time.monotonic()
    result = tasks.recompute_statuses.apply_async(
        args=([authority.id], [indicator.id]), queue=worker
    )
    assert result.get(timeout=90) == 1
    assert time.monotonic() - started < 90
    value.refresh_from_db()
    assert value.status == "outside_tolerance"
    assert settings.CELERY_RESULT_BACKEND  # the answer came back from another process


@pytest.mark.django_db
def test_an_unreachable_broker_falls_back_to_recomputing_in_process(
    monkeypatch, django_capture_on_commit_callbacks, caplog
):
    authority = AuthorityFactory()
    indicator = IndicatorFactory()
    TargetFactory(indicator=indicator, authority=authority, target=92, tolerance=90)
    value = ValueFactory(authority=authority, indicator=indicator, value=95)

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    celery_app.conf.task_always_eager = False  # the autouse fixture restores it
    monkeypatch.setattr(tasks.recompute_statuses, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.schedule_recompute([authority.id], [indicator.id])
    value.refresh_from_db()
    assert value.status == "on_target"
    assert "broker unreachable" in caplog.text
    assert "in-process" in caplog.text


@pytest.mark.django_db
def test_the_recompute_waits_for_the_commit(django_capture_on_commit_callbacks):
    authority = AuthorityFactory()
    indicator = IndicatorFactory()
    value = ValueFactory(authority=authority, indicator=indicator, value=95)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tasks.schedule_recompute([authority.id], [indicator.id])
    assert Value.objects.get(pk=value.pk).status == "no_value"
    assert len(callbacks) == 1
    callbacks[0]()
    assert Value.objects.get(pk=value.pk).status == "no_target"
