"""Server time of the scrutiny pages at national scale (issue: scrutiny views).

Loads every English authority with its statistical neighbours, DfE's values.csv, and a
synthetic contract set of 60 indicators x 40 quarters for every authority (with targets),
then times the quarter view, a measure page and the compare page through Django's test
client (server time only: no browser, no network) and prints the median, p95 and queries.

    .venv/bin/python bench/pages_bench.py --database postgres   # or sqlite
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_bench import (  # noqa: E402
    SHARED,
    add_synthetic_measures,
    machine_speed,
    make_return,
    national_authority_codes,
    setup_database,
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--requests", type=int, default=25)
    parser.add_argument(
        "--profile",
        nargs="?",
        const="quarter",
        metavar="PAGE",
        help="also print where a warm page's time goes (the first whose name contains PAGE; "
        "default: the quarter view)",
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="profile the page as first drawn after a write (the cache emptied), not warm",
    )
    args = parser.parse_args()
    database_url, cleanup = setup_database(args.database, args.url)
    os.environ.update(DATABASE_URL=database_url, LOG_LEVEL="WARNING", DEBUG="false")
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import warnings

    import django

    # The test client serves no static files: whitenoise's note that collectstatic never ran
    # is not the bench's business.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.IMPORT_MAX_BYTES = 1 << 30
    settings.ALLOWED_HOSTS = ["testserver"]
    try:
        call_command("migrate", verbosity=0)
        quiet = io.StringIO()
        call_command(
            "load_authorities",
            str(SHARED / "authorities.csv"),
            neighbours=str(SHARED / "statistical_neighbours.csv"),
            stdout=quiet,
        )
        call_command("import_indicators", str(SHARED / "indicators.csv"), stdout=quiet)
        call_command("import_returns", str(SHARED / "values.csv"), stdout=quiet)
        load_contract_set()
        settle()
        measure(args.requests, args.profile, args.cold)
    finally:
        from django.db import connections

        connections.close_all()
        cleanup()


def load_contract_set() -> None:
    from imports import service

    add_synthetic_measures(60)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "contract.csv"
        rows = make_return(path, national_authority_codes(), 60, 40)
        staged = service.stage("returns", path.read_bytes(), path.name)
        batch = service.apply(staged.batch)
        print(f"loaded values.csv and a contract set of {rows:,} rows ({batch.state})")


def settle() -> None:
    """The database as a served one stands a minute after its imports: autovacuum has
    vacuumed and analysed the tables just filled (the visibility map lets a distribution be
    read from its index alone; the planner knows the figures' spread). The import analysed
    the figures already (indicators.bulk.analyse_after_commit); nothing on SQLite."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def profile(client, url: str, cold: bool = False) -> None:
    """cProfile of one request: the 25 costliest functions by their own time, then ours and
    the template tags' by their time with what they call."""
    import cProfile
    import pstats

    from django.core.cache import cache

    client.get(url)  # warm: imports and template loading are not the page's cost
    if cold:
        cache.clear()
    profiler = cProfile.Profile()
    profiler.enable()
    client.get(url)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(25)
    ours = r"reports|indicators|scrutiny|core|templatetags|loader_tags|defaulttags"
    stats.sort_stats("cumulative").print_stats(ours, 30)


def measure(requests: int, profiling: str | None = None, cold: bool = False) -> None:
    from django.contrib.auth.models import User
    from django.test import Client

    from core.memory import settle_startup_objects
    from indicators.models import Value

    user = User.objects.create_superuser("bench", password="bench-password-1")
    settle_startup_objects()  # as config.wsgi does in a served process
    client = Client()
    client.force_login(user)
    print(f"values stored: {Value.objects.count():,}")
    print(machine_speed())
    print(database_speed())
    pages = {
        "quarter view (Doncaster, 2022-23 Q4, 60 measures)": "/a/doncaster/q/2022-23-q4/",
        "measure detail (Doncaster, SYN-07)": "/a/doncaster/m/SYN-07/",
        "measure detail (Doncaster, CIN-REREF)": "/a/doncaster/m/CIN-REREF/",
        "compare (SYN-07, 2022-23 Q4, 153 authorities)": (
            "/compare/SYN-07/2022-23-q4/?authority=doncaster"
        ),
        "compare (CIN-REREF, 2023-24, with region filter)": (
            "/compare/CIN-REREF/2023-24/?authority=doncaster&region=E12000003"
        ),
    }
    if profiling:
        profile(client, next(url for name, url in pages.items() if profiling in name), cold)
    from django.core.cache import cache

    print(
        "Warm: nothing written since the page was last drawn (its figures, comparisons and "
        "tables come from the cache). After a write: the cache emptied before each request, "
        "as the first view after any write of figures or targets, and its target (issue 31); "
        "the definitions a process holds for everything's version (indicators.definitions), "
        "which such a write leaves as they were, stay held. Its own write: one of "
        "Doncaster's SYN-07 figures changed before each request (its own pages and SYN-07's "
        "comparisons rebuilt, core.versions); "
        "another's: one of Rotherham's (Doncaster's own figures stay cached)."
    )
    print(
        f"{'page':50} {'warm':>8} {'p95':>7} {'q':>3} {'target':>7} {'ratio':>6}"
        f" {'after a write':>14} {'q':>3} {'target':>7} {'ratio':>6}"
        f" {'its own write':>14} {'another':>8}"
    )
    own, other = _writer("E08000017"), _writer("E08000018")
    for name, url in pages.items():
        kind = "quarter" if name.startswith("quarter") else "other"
        target, cold_target = TARGETS[kind], COLD_TARGETS[kind]
        warm, warm_queries = timed(client, url, requests)
        cold, cold_queries = timed(client, url, requests, before=cache.clear)
        after_own, _ = timed(client, url, requests, before=own)
        after_other, _ = timed(client, url, requests, before=other)
        print(
            f"{name:50} {statistics.median(warm):6.1f}ms {warm[int(0.95 * (len(warm) - 1))]:5.1f}ms"
            f" {warm_queries:3} {target:5.0f}ms {statistics.median(warm) / target:6.2f}"
            f" {statistics.median(cold):12.1f}ms {cold_queries:3} {cold_target:5.0f}ms"
            f" {statistics.median(cold) / cold_target:6.2f}"
            f" {statistics.median(after_own):12.1f}ms {statistics.median(after_other):6.1f}ms"
        )
    # A shared machine's speed moves within minutes: its speed after the pages too, so that
    # a run measured while it slowed says so.
    print(f"after the pages, {machine_speed()}; {database_speed()}")


def database_speed() -> str:
    """How quickly PostgreSQL answers now: a first drawing is twenty-odd statements, each a
    round trip, and this shared machine's round trips vary more than its Python loop does
    (the same cold quarter view took 68 and 100 ms an hour apart at the same loop)."""
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        for _ in range(1_000):
            started = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            times.append(time.perf_counter() - started)
    median = statistics.median(times) * 1000
    return f"a round trip to the database: {median:.3f} ms (median of 1,000)"


def _writer(authority_code: str):
    """A write of one of this authority's SYN-07 figures through the one write path (its
    recompute included), a different figure each time."""
    from itertools import count

    from indicators import writes
    from indicators.models import Value

    value = Value.objects.get(
        authority__code=authority_code, indicator__code="SYN-07", period__code="2022-23 Q4"
    )
    steps = count(1)

    def write() -> None:
        value.value = 50 + next(steps) % 40
        writes.save_value(value, reason="bench")
        from indicators.recompute import recompute

        recompute([value.authority_id], [value.indicator_id])

    return write


TARGETS = {"quarter": 50.0, "other": 30.0}  # issue 16: median server time, warm, ms
COLD_TARGETS = {"quarter": 60.0, "other": 30.0}  # issue 31: the first view after a write


def timed(client, url: str, requests: int, before=lambda: None) -> tuple[list[float], int]:
    """Sorted times of `requests` requests (after one to warm up), and the last one's queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert client.get(url).status_code == 200, url
    times = []
    for _ in range(requests):
        before()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return sorted(times), len(queries)


if __name__ == "__main__":
    main()
