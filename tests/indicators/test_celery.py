"""Recompute through Celery: a real worker over a real broker, and the in-process fallback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from kombu.exceptions import OperationalError

from config.celery import app as celery_app
from indicators import tasks
from indicators.models import Value
from tests.factories import AuthorityFactory, IndicatorFactory, TargetFactory, ValueFactory

ROOT = Path(__file__).resolve().parents[2]


def _require_redis() -> str:
    """CI must exercise a real broker: there a missing Redis fails the run; elsewhere it skips."""
    url = os.environ.get("REDIS_URL", "")
    try:
        if not url:
            raise ConnectionError("REDIS_URL is not set")
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except (ConnectionError, redis.exceptions.RedisError) as error:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Redis for the worker test: {error}")
        pytest.skip(f"no Redis broker: {error}")
    return url


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(monkeypatch):
    """A real `celery worker` process, on a queue of its own, against the test database."""
    redis_url = _require_redis()
    queue = f"outturn-test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": _database_url(), "REDIS_URL": redis_url}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            queue,
            "--loglevel=INFO",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    celery_app.conf.task_always_eager = False  # the autouse fixture restores it
    try:
        yield queue
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


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
