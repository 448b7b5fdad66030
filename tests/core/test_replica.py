"""A read replica for pages and papers (core.routing): configured by DATABASE_REPLICA_URL,
GET pages read their figures and versions from it, and everything else reads and writes the
primary."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory, override_settings

from core.models import Version
from core.routing import ReplicaReadsMiddleware, ReplicaRouter, reading_from_replica

ROOT = Path(__file__).resolve().parents[2]
PAGES_APPS = ["core", "authorities", "indicators", "scrutiny", "reports"]


class Session:  # a model of an app never read from the replica
    class _meta:  # noqa: N801 - Django's own name
        app_label = "sessions"


@pytest.fixture
def replica(monkeypatch):
    monkeypatch.setattr("core.routing.replica_configured", lambda: True)


@override_settings(READ_REPLICA_APPS=PAGES_APPS)
def test_readers_read_figures_from_the_replica_and_nothing_else_does(replica):
    router = ReplicaRouter()
    assert router.db_for_read(Version) == "default"
    with reading_from_replica():
        assert router.db_for_read(Version) == "replica"
        assert router.db_for_read(Session) == "default"  # sign-in never waits on the replica
        assert router.db_for_write(Version) == "default"
    assert router.db_for_read(Version) == "default"
    assert router.allow_migrate("replica", "indicators") is False


@override_settings(READ_REPLICA_APPS=PAGES_APPS)
@pytest.mark.parametrize(
    ("method", "where"), [("get", "replica"), ("head", "replica"), ("post", "default")]
)
def test_a_get_reads_the_replica_and_a_post_the_primary(method, where, replica):
    seen = []
    middleware = ReplicaReadsMiddleware(
        lambda request: seen.append(ReplicaRouter().db_for_read(Version))
    )
    middleware(getattr(RequestFactory(), method)("/"))
    assert seen == [where]


def test_without_a_replica_every_read_is_the_primarys():
    with reading_from_replica():
        assert ReplicaRouter().db_for_read(Version) == "default"


SCRIPT = """
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.contrib.auth.models import User

# Tables straight from the models (no migrations to replay): the routing is what is tested.
settings.MIGRATION_MODULES = {app.label: None for app in django.apps.apps.get_app_configs()}
call_command("migrate", run_syncdb=True, verbosity=0)
from indicators.models import Category, Indicator, Period
from indicators.rules import parse_period
category = Category.objects.create(name="C")
Indicator.objects.create(code="A2", name="A2", category=category, polarity="higher_is_better")
Period.ensure([parse_period("2016-17 Q2")])
user = User.objects.create_superuser("admin", password="a-long-password-1")
client = Client()
client.force_login(user)
with CaptureQueriesContext(connections["replica"]) as replica, CaptureQueriesContext(
    connections["default"]
) as primary:
    assert client.get("/compare/A2/2016-17-q2/").status_code == 200
    assert client.post("/logout/").status_code == 302
versions = lambda queries: any("core_version" in q["sql"] for q in queries.captured_queries)
print(settings.DATABASE_ROUTERS, versions(replica), versions(primary))
"""


def test_the_setting_routes_a_pages_reads_to_the_replica(tmp_path):
    database = f"sqlite:///{tmp_path / 'outturn.sqlite3'}"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database,
            "DATABASE_REPLICA_URL": database,
            "ALLOWED_HOSTS": "testserver",
            "LOG_LEVEL": "WARNING",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # The page's figures and the versions keying them from the replica, none from the primary.
    assert done.stdout.split()[-3:] == ["['core.routing.ReplicaRouter']", "True", "False"]
