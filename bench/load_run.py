"""Load run (issue: keeping every figure safe under load).

gunicorn (2 workers), a Celery worker and beat on loopback, PostgreSQL and Redis; 25 concurrent
panel members browse quarter views while an officer imports a 440,640-row national return.
Prints throughput, p50/p95 latency and errors, then checks every imported value is present.

    .venv/bin/python bench/load_run.py [--seconds 90] [--users 25]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_bench import (  # noqa: E402
    SHARED,
    add_synthetic_measures,
    make_return,
    national_authority_codes,
    setup_database,
)
from stack import running_stack  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--users", type=int, default=25)
    parser.add_argument("--seconds", type=float, default=90)
    args = parser.parse_args()
    database_url, cleanup = setup_database("postgres", args.url)
    os.environ.update(
        DATABASE_URL=database_url,
        REDIS_URL=args.redis,
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    import django

    django.setup()
    from django.core.management import call_command

    try:
        quiet = io.StringIO()
        call_command("migrate", verbosity=0)
        call_command(
            "load_authorities",
            str(SHARED / "authorities.csv"),
            neighbours=str(SHARED / "statistical_neighbours.csv"),
            stdout=quiet,
        )
        call_command("load_demo", stdout=quiet)
        call_command("import_indicators", str(SHARED / "indicators.csv"), stdout=quiet)
        add_synthetic_measures(60)
        run(args, database_url)
    finally:
        from django.db import connections

        connections.close_all()
        cleanup()


def session_cookie(username: str) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore

    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


def browse(base: str, cookie: str, stop: threading.Event, timings: list, errors: list) -> None:
    pages = ["/a/doncaster/q/2016-17-q2/", "/a/doncaster/q/2016-17-q1/", "/a/doncaster/m/A2/"]
    opener = urllib.request.build_opener()
    opener.addheaders = [("Cookie", f"sessionid={cookie}")]
    number = 0
    while not stop.is_set():
        url = base + pages[number % len(pages)]
        number += 1
        started = time.perf_counter()
        try:
            with opener.open(url, timeout=30) as response:
                response.read()
                ok = response.status == 200
        except Exception as error:  # every failure counts as an error in the report
            ok = False
            errors.append(f"{url}: {error}")
        if ok:
            timings.append(time.perf_counter() - started)


def run(args, database_url: str) -> None:
    from django.db import connections

    from imports.models import ImportBatch
    from indicators.models import Value

    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": args.redis,
        "DEBUG": "false",
        "SECRET_KEY": "load-run-" + "k" * 50,
        "WHITENOISE_USE_FINDERS": "true",
        "LOG_LEVEL": "WARNING",
    }
    cookie = session_cookie("panel")
    with tempfile.TemporaryDirectory() as folder, running_stack(env) as base:
        path = Path(folder) / "national.csv"
        rows = make_return(path, national_authority_codes(), 60, 48)
        connections.close_all()
        stop, timings, errors = threading.Event(), [], []
        users = [
            threading.Thread(target=browse, args=(base, cookie, stop, timings, errors))
            for _ in range(args.users)
        ]
        started = time.perf_counter()
        for user in users:
            user.start()
        importer = subprocess.run(
            [sys.executable, "manage.py", "import_returns", str(path)],
            cwd=ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
        )
        import_seconds = time.perf_counter() - started
        remaining = args.seconds - import_seconds
        if remaining > 0:
            time.sleep(remaining)
        stop.set()
        for user in users:
            user.join()
        elapsed = time.perf_counter() - started
        deadline = time.monotonic() + 300
        while ImportBatch.objects.filter(recompute_state__in=["queued", "running"]).exists():
            if time.monotonic() > deadline:
                break
            time.sleep(1)
        stored = Value.objects.filter(indicator__code__startswith="SYN-").count()
        print(
            f"import: {rows:,} rows in {import_seconds:.1f} s, exit {importer.returncode}: "
            f"{importer.stdout.strip() or importer.stderr.strip()[-300:]}"
        )
        print(
            f"browsing: {args.users} users for {elapsed:.0f} s: {len(timings):,} pages, "
            f"{len(timings) / elapsed:.1f} pages/s"
        )
        if timings:
            ordered = sorted(timings)
            print(
                f"latency: p50 {statistics.median(ordered) * 1000:.0f} ms, "
                f"p95 {ordered[int(0.95 * (len(ordered) - 1))] * 1000:.0f} ms, "
                f"max {ordered[-1] * 1000:.0f} ms"
            )
        print(f"errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
        states = list(ImportBatch.objects.values_list("state", "recompute_state"))
        print(f"imports: {states}")
        print(
            f"values present afterwards: {stored:,} of {rows:,}"
            f" {'(all)' if stored == rows else '(MISSING SOME)'}"
        )


if __name__ == "__main__":
    main()
