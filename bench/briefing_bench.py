"""How long the PDF briefing takes, against issue 13's targets.

Loads the demo into a throwaway SQLite database, then measures:
- a **fresh process**: `manage.py briefing` for Doncaster's Quarter 2 2016/17, and for the
  whole year 2016-17, each in a new Python process (imports, Django, matplotlib and
  WeasyPrint all paid), best of two;
- a **warm** worker: the same quarter built again in one process, first with every chart drawn
  afresh (the worker's chart cache emptied), then as a worker that has drawn them before;
- the time **per chart** (matplotlib's SVG backend, no browser);
- **nothing changed**: the quarter's paper asked for again once the worker has built it, with
  nothing it shows written since — the paper already built is the answer (reports.papers,
  its fingerprint scoped to what the paper shows, core.versions), nothing is drawn again.

    .venv/bin/python bench/briefing_bench.py
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_bench import setup_database  # noqa: E402

TARGETS = {
    "fresh process, quarter": 3.0,
    "fresh process, year (4 quarters)": 5.0,
    "warm, charts drawn": 1.0,
    "warm, charts kept": 1.0,
    "per chart": 0.1,
    "nothing changed": 0.3,
}


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
        figures = {**fresh_processes(), **warm(), **unchanged()}
    finally:
        from django.db import connections

        connections.close_all()
        cleanup()
    print(f"\n{'measure':36} {'seconds':>8} {'target':>7} {'ratio':>6}")
    for name, (seconds, note) in figures.items():
        target = TARGETS[name]
        print(f"{name:36} {seconds:8.2f} {target:7.2f} {seconds / target:6.2f}  {note}")


def fresh_processes() -> dict[str, tuple[float, str]]:
    out = {}
    for name, period in [
        ("fresh process, quarter", "2016-17 Q2"),
        ("fresh process, year (4 quarters)", "2016-17"),
    ]:
        runs = []
        with tempfile.TemporaryDirectory() as folder:
            pdf = Path(folder) / "briefing.pdf"
            for _ in range(2):
                started = time.perf_counter()
                subprocess.run(
                    [sys.executable, "manage.py", "briefing", "--authority", "Doncaster"]
                    + ["--period", period, "--output", str(pdf)],
                    cwd=ROOT,
                    check=True,
                    capture_output=True,
                    timeout=120,
                )
                runs.append(time.perf_counter() - started)
            pages = _pages(pdf)
        out[name] = (min(runs), f"{pages} pages; runs {', '.join(f'{r:.2f}' for r in runs)} s")
    return out


def warm() -> dict[str, tuple[float, str]]:
    from authorities.models import Authority
    from indicators.models import Period
    from reports import briefing
    from reports.briefing import BriefingTimings, render_pdf

    authority = Authority.objects.get(slug="doncaster")
    period = Period.objects.get(code="2016-17 Q2")
    render_pdf(authority, [period])  # the process's first: imports, fonts
    out = {}
    drawn = []
    for name, empty_cache in [("warm, charts drawn", True), ("warm, charts kept", False)]:
        runs = []
        for _ in range(3):
            if empty_cache:
                briefing._CHARTS.clear()
            timings = BriefingTimings()
            started = time.perf_counter()
            pdf = render_pdf(authority, [period], timings)
            runs.append(time.perf_counter() - started)
            if empty_cache:
                drawn += timings.charts
        note = (
            f"{timings.pages} pages, {len(timings.charts)} charts, {len(pdf) // 1024} KB; "
            f"WeasyPrint {timings.render:.2f} s"
        )
        out[name] = (statistics.median(runs), note)
    out["per chart"] = (statistics.median(drawn), f"median of {len(drawn)} draws")
    return out


def unchanged() -> dict[str, tuple[float, str]]:
    from django.contrib.auth.models import User

    from authorities.models import Authority
    from reports.models import Briefing
    from reports.papers import current_or_waiting
    from reports.tasks import build_briefing

    authority = Authority.objects.get(slug="doncaster")
    codes = ["2016-17 Q2"]
    built = Briefing.objects.create(
        authority=authority, period_codes=codes, requested_by=User.objects.get(username="officer")
    )
    build_briefing(built.pk)  # the worker, here
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        found = current_or_waiting(authority, codes)
        runs.append(time.perf_counter() - started)
        assert getattr(found, "pk", None) == built.pk, "the paper built was not the answer"
    return {
        "nothing changed": (
            statistics.median(runs),
            "the paper built already, found by its fingerprint",
        )
    }


def _pages(pdf: Path) -> str:
    try:
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    except FileNotFoundError:
        return "?"
    return next((line.split()[-1] for line in info.splitlines() if line.startswith("Pages")), "?")


if __name__ == "__main__":
    main()
