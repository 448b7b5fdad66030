"""Real Celery worker processes for the tests that need one, on the test database."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def require_redis() -> str:
    """CI must exercise a real broker: there a missing Redis fails the run; elsewhere it skips."""
    url = os.environ.get("REDIS_URL", "")
    try:
        if not url:
            raise ConnectionError("REDIS_URL is not set")
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except (ConnectionError, redis.exceptions.RedisError) as error:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Redis for this test: {error}")
        pytest.skip(f"no Redis broker: {error}")
    return url


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def purge_broker() -> None:
    """Empty the shared broker's queues (the default one and every routed one): a task left
    by an earlier test (a beat's sweep, a digest, a killed worker's unacknowledged message)
    must never run in a later test's workers, where it would work on that test's database."""
    from config.celery import app

    queues = {app.conf.task_default_queue}
    queues |= {route["queue"] for route in (app.conf.task_routes or {}).values()}
    client = redis.Redis.from_url(require_redis(), socket_connect_timeout=2)
    client.delete(*queues, "unacked", "unacked_index")


@contextmanager
def celery_worker(*arguments: str, env: dict | None = None):
    """A `celery worker` on the test database and the real broker, on empty queues; stopped
    (and the queues emptied again) on exit."""
    purge_broker()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": require_redis(),
        **(env or {}),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tests.celery_app",
            "worker",
            "--loglevel=WARNING",
            "--without-mingle",
            "--without-gossip",
            *arguments,
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        purge_broker()
