"""How long the Doncaster Q2 2016/17 briefing takes (issue: PDF briefing; goal 3 s).

Loads the demo into a throwaway SQLite database and builds the briefing three times: the
first pays for importing matplotlib (charts need no browser), the next two show a warm
process, as in a web or Celery worker that has built one before. Prints the time per chart
and per page.

    .venv/bin/python bench/briefing_bench.py
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_bench import setup_database  # noqa: E402


def main() -> None:
    url, cleanup = setup_database("sqlite", "")
    os.environ.update(DATABASE_URL=url, LOG_LEVEL="WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    try:
        call_command("migrate", verbosity=0)
        call_command("load_demo", stdout=io.StringIO())
        run()
    finally:
        from django.db import connections

        connections.close_all()
        cleanup()


def run() -> None:
    from authorities.models import Authority
    from indicators.models import Period
    from reports.briefing import BriefingTimings, render_pdf

    authority = Authority.objects.get(slug="doncaster")
    period = Period.objects.get(code="2016-17 Q2")
    print(
        f"{'run':6} {'total':>8} {'charts':>7} {'per chart':>10} {'render':>8} {'pages':>6} "
        f"{'per page':>9} {'size':>8}"
    )
    for run_number in (1, 2, 3):
        timings = BriefingTimings()
        started = time.perf_counter()
        pdf = render_pdf(authority, [period], timings)
        total = time.perf_counter() - started
        per_chart = statistics.mean(timings.charts) if timings.charts else 0
        print(
            f"{'cold' if run_number == 1 else 'warm':6} {total:7.2f}s {len(timings.charts):7} "
            f"{per_chart:9.3f}s {timings.render:7.2f}s {timings.pages:6} "
            f"{timings.render / max(1, timings.pages):8.3f}s {len(pdf) / 1024:6.0f} KB"
        )


if __name__ == "__main__":
    main()
