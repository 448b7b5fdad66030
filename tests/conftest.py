from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import call_command

from config.celery import app as celery_app
from indicators import definitions

from .snapshot import load_once

ROOT = Path(__file__).resolve().parents[1]
NATIONAL = ROOT / "demo" / "data" / "national"
SAMPLE = ROOT / "tests" / "data" / "dfe"
SHARED_DATA = Path(
    os.environ.get(
        "OUTTURN_SHARED_DATA",
        Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dfe",
    )
)


def pytest_addoption(parser):
    parser.addoption(
        "--screenshots",
        action="store_true",
        help="browser tests save full-page screenshots of what they check to test-artifacts/",
    )


@pytest.fixture(scope="session", autouse=True)
def _no_session_left_open(django_db_setup, django_db_blocker):
    """At the end of a run on PostgreSQL, any other session still open on the test database
    (a thread's connection not yet let go) is named on stderr and ended, so that dropping
    the database never fails the run after every test has passed (seen once, with no
    test to blame)."""
    import sys

    from django.db import connection

    yield
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, state, query FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        for pid, state, query in cursor.fetchall():
            sys.stderr.write(
                f"tests: a session was left open on the test database ({state}): {query[:300]}\n"
            )
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.fixture(autouse=True)
def _fast_and_eager(settings):
    """Quick hashing, plain static storage, and Celery in-process unless a test says not."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    # Each test's database starts from the same versions (core.versions), so nothing cached
    # by another test's pages, nor definitions held for them, may be read as this one's.
    cache.clear()
    definitions.forget()
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture(scope="session")
def shared_data(tmp_path_factory) -> Path:
    """DfE's published data: beside the repository where it is (../shared/data/dfe, never
    copied into it); on a fresh clone, the national slice the demo ships (DfE's own files,
    gzipped: demo/data/national) with a sample of DfE's tidy files (tests/data/dfe/ees), so
    nothing is skipped for want of it."""
    if SHARED_DATA.exists():
        return SHARED_DATA
    if os.environ.get("CI"):
        pytest.fail(f"{SHARED_DATA} is missing: CI must run with shared/ beside the repo")
    folder = tmp_path_factory.mktemp("dfe")
    unpack(NATIONAL, folder)
    unpack(SAMPLE / "ees", folder / "ees")
    return folder


def unpack(source: Path, target: Path) -> None:
    """Every gzipped file in `source` and its folders, unpacked to the same places in
    `target` (the data the tests ship for a fresh clone: tests/data)."""
    for packed in source.rglob("*.gz"):
        unpacked = target / packed.relative_to(source).with_suffix("")
        unpacked.parent.mkdir(parents=True, exist_ok=True)
        unpacked.write_bytes(gzip.decompress(packed.read_bytes()))


@pytest.fixture
def demo(db, django_capture_on_commit_callbacks):
    """The Doncaster demo, through the one write path, whose recompute runs after the commit.
    Loaded for real once a session, then restored row for row (tests/snapshot.py)."""
    from demo.load import load_demo

    def load():
        with django_capture_on_commit_callbacks(execute=True):
            load_demo()

    load_once("demo", load)


@pytest.fixture
def panel_member(demo, client):
    from django.contrib.auth.models import User

    user = User.objects.get(username="panel")
    client.force_login(user)
    return user


@pytest.fixture
def england(db, shared_data):
    """Every English authority and DfE's indicator definitions, as an officer would start."""

    def load():
        call_command("load_authorities", str(shared_data / "authorities.csv"))
        call_command("import_indicators", str(shared_data / "indicators.csv"))

    load_once("england", load)
    return shared_data


@pytest.fixture
def officer(demo, client):
    user = User.objects.get(username="officer")
    client.force_login(user)
    return user


@pytest.fixture
def published(england, django_capture_on_commit_callbacks):
    """DfE's published national data as the README loads it: authorities with their
    statistical neighbours, every figure of values.csv, then DfE's tidy files (ees/), which
    add what values.csv lacks (the abolished Cumbria, Inner and Outer London…), all through
    the import. Returns (folder, values.csv's staged import)."""
    from imports import service

    def load():
        call_command(
            "load_authorities",
            str(england / "authorities.csv"),
            neighbours=str(england / "statistical_neighbours.csv"),
        )
        with django_capture_on_commit_callbacks(execute=True):
            staged = service.stage("returns", (england / "values.csv").read_bytes(), "values.csv")
            service.apply(staged.batch)
            for path in sorted((england / "ees").glob("*.csv")):
                tidy = service.stage("ees", path.read_bytes(), path.name)
                assert not tidy.problems, (path.name, tidy.problems[:3])
                service.apply(tidy.batch)
        return staged

    return england, load_once("published", load)


# A measure with 18 quarters for Doncaster: eleven alternating around 82, then seven in a row
# below the average and still within tolerance (target 70, tolerance 60) — a statistical
# "shift", special cause concern, that red/amber/green alone does not show.
SPC_QUARTERS = [
    f"{year}-{(year + 1) % 100:02d} Q{quarter}"
    for year in range(2012, 2017)
    for quarter in (1, 2, 3, 4)
][:18]
SPC_FIGURES = [76, 88] * 5 + [76] + [66, 65, 67, 66, 65, 66, 65]


@pytest.fixture
def spc_series(demo, django_capture_on_commit_callbacks):
    """Indicator SPC1 with SPC_FIGURES for Doncaster over SPC_QUARTERS, through the write path."""
    import pandas as pd

    from indicators import writes

    def load():
        with django_capture_on_commit_callbacks(execute=True):
            writes.save_indicators(
                pd.DataFrame(
                    [
                        {
                            "code": "SPC1",
                            "name": "Reviews held on time",
                            "category": "Children in Care",
                            "unit": "percent",
                            "polarity": "higher_is_better",
                            "decimals": "0",
                            "description": "",
                            "benchmark": "",
                        }
                    ]
                )
            )
            writes.save_targets_by_code(
                pd.DataFrame(
                    [
                        {
                            "indicator": "SPC1",
                            "year": f"{year}-{(year + 1) % 100:02d}",
                            "target": "70",
                            "tolerance": "60",
                            "authority": "E08000017",
                        }
                        for year in range(2012, 2017)
                    ]
                )
            )
            writes.save_values_by_code(
                pd.DataFrame(
                    {
                        "authority": "E08000017",
                        "indicator": "SPC1",
                        "period": SPC_QUARTERS,
                        "value": [str(v) for v in SPC_FIGURES],
                    }
                )
            )

    load_once("spc series", load)
