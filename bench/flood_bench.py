"""How long an officer's recompute waits while 15 year-briefings are queued (issue 17, target
≤ 10 s; it was 6 min 15 s when papers and recomputes shared one queue).

Runs the production processes natively (bench/stack.py: gunicorn, the recompute worker and
the briefings worker, as docker-compose runs them) on a throwaway PostgreSQL database and
Redis; queues 15 year-briefings, then imports a one-row return and times the gap between
the import finishing and its recompute being done.

    .venv/bin/python bench/flood_bench.py
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_bench import setup_database  # noqa: E402
from stack import running_stack  # noqa: E402

TARGET_SECONDS = 10.0
BRIEFINGS = 15


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
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
        call_command("migrate", verbosity=0)
        call_command("load_demo", stdout=io.StringIO())
        run(args, database_url)
    finally:
        from django.db import connections

        connections.close_all()
        cleanup()


def run(args, database_url: str) -> None:
    from django.db import connections

    from authorities.models import Authority
    from config.celery import app
    from imports.models import ImportBatch
    from reports.models import Briefing

    app.conf.broker_url = args.redis
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": args.redis,
        "DEBUG": "false",
        "SECRET_KEY": "flood-bench-" + "k" * 50,
        "WHITENOISE_USE_FINDERS": "true",
        "LOG_LEVEL": "WARNING",
    }
    doncaster = Authority.objects.get(slug="doncaster")
    quarters = ["2016-17 Q1", "2016-17 Q2", "2016-17 Q3", "2016-17 Q4"]
    with tempfile.TemporaryDirectory() as folder, running_stack(env, beat=False):
        briefings = [
            Briefing.objects.create(authority=doncaster, period_codes=quarters)
            for _ in range(BRIEFINGS)
        ]
        for briefing in briefings:  # as the web queues them (routed to the briefings queue)
            app.send_task("reports.tasks.build_briefing", args=[briefing.pk], queue="briefings")
        path = Path(folder) / "q3.csv"
        path.write_text("authority,indicator,period,value\nE08000017,A2,2016-17 Q3,91\n")
        connections.close_all()
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "manage.py", "import_returns", str(path)],
            cwd=ROOT,
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )
        imported = time.perf_counter()
        batch = ImportBatch.objects.latest("id")
        while ImportBatch.objects.get(pk=batch.pk).recompute_state != "done":
            if time.perf_counter() - imported > 600:
                break
            time.sleep(0.1)
        delay = time.perf_counter() - imported
        whole = time.perf_counter() - started
        waiting = Briefing.objects.exclude(state="done").count()
        print(f"{'measure':44} {'seconds':>8} {'target':>7} {'ratio':>6}")
        print(
            f"{'recompute delay, 15 year-briefings queued':44} {delay:8.2f} "
            f"{TARGET_SECONDS:7.2f} {delay / TARGET_SECONDS:6.2f}  "
            f"({waiting} of {BRIEFINGS} briefings still waiting when the recompute was done)"
        )
        print(
            f"{'upload to statuses current (command + recompute)':44} {whole:8.2f} "
            f"{'':7} {'':6}  (a fresh `manage.py import_returns` process included)"
        )


if __name__ == "__main__":
    main()
