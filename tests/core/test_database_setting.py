"""A web process keeps its PostgreSQL connection from one request to the next: opening one
costs PostgreSQL a new server process and a sign-in, which under load cost more than the page
(docs/benchmarks.md, Load). `?conn_max_age=0` in DATABASE_URL (django-environ's own option)
turns it off."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.workers import database_url

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import django
django.setup()
from django.core import signals
from django.db import connection
pids = []
for _ in range(3):  # three requests, as Django's handler brackets each one
    signals.request_started.send(sender=None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pids.append(cursor.fetchone()[0])
    signals.request_finished.send(sender=None)
print(len(set(pids)))
"""


def connections_used(query: str = "") -> int:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url() + query,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout.strip())


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI runs the suite on PostgreSQL")
        pytest.skip("PostgreSQL only: SQLite opens a file, not a server process")


@pytest.mark.django_db
def test_requests_share_one_postgresql_connection(postgres):
    assert connections_used() == 1


@pytest.mark.django_db
def test_conn_max_age_zero_opens_one_per_request(postgres):
    assert connections_used("?conn_max_age=0") == 3
