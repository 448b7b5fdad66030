"""Load run (issue 31: speed for every reader as a shared service).

gunicorn (3 workers), the Celery workers and beat on loopback, PostgreSQL and Redis; 100
panel members of 50 councils, driven by Locust headless (bench/locustfile.py), read random
quarter views, measure pages and compare pages of random quarters and measures (not a few hot
pages), each reading a page for 5 to 15 seconds before the next (`--think`). Two runs of the
same browsing: first with nothing being written, then while a national return (60 measures x
48 quarters for every council, 440,640 rows) and two councils' own returns are applied at
once, each checked, confirmed and written by the real worker. Prints each run's p95, p50,
throughput and errors beside the targets (p95 <= 500 ms, 0 errors), the p95 of the requests
made while the imports ran, then checks every imported value is present. A third run, with
nothing written, has the members click every 0.2 to 1 second: more than the machine can
serve, so it measures how many pages a second it serves at most (no target).

Every page read must be the page itself: a redirect (to sign in, say) is an error. Before
2026-12-07 the members' session was made with another secret key than the stack's, so every
"page" was a redirect to the sign-in page and its form; docs/benchmarks.md says what that hid.

    .venv/bin/python bench/load_run.py [--seconds 60] [--users 100] [--councils 50]
"""

from __future__ import annotations

import argparse
import csv
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

from import_bench import (  # noqa: E402
    SHARED,
    add_synthetic_measures,
    make_return,
    national_authority_codes,
    setup_database,
)
from stack import running_stack  # noqa: E402

TARGET_P95 = 500  # ms, issue 31 (issue 16 asked 250 ms of 50 members of one council)
PRELOADED_QUARTERS = 8  # 2013-14 Q1 to 2014-15 Q4, every council, before the runs
SECRET_KEY = "load-run-" + "k" * 50
COUNCIL_QUARTERS = 12  # each of the two councils' own returns: 2013-14 Q1 to 2015-16 Q4


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--councils", type=int, default=50, help="whose pages are read")
    parser.add_argument("--seconds", type=float, default=60, help="each run's length")
    parser.add_argument(
        "--web-workers",
        type=int,
        default=3,
        help="gunicorn's synchronous workers (3, as the Dockerfile and docs/deploy.md run it)",
    )
    parser.add_argument(
        "--think",
        default="5,15",
        help="seconds a member reads a page before the next click: LOW,HIGH (default 5,15)",
    )
    parser.add_argument(
        "--without-import", action="store_true", help="only the run with nothing written"
    )
    parser.add_argument(
        "--without-saturation",
        action="store_true",
        help="leave out the run that asks for more pages than the machine can serve",
    )
    parser.add_argument(
        "--command-line",
        action="store_true",
        help="import with manage.py import_returns instead of confirming it to the worker",
    )
    parser.add_argument(
        "--import-nice",
        type=int,
        default=0,
        help="run the importer at this lower CPU priority (nice), to see what priority does",
    )
    args = parser.parse_args()
    database_url, cleanup = setup_database("postgres", args.url)
    os.environ.update(
        DATABASE_URL=database_url,
        REDIS_URL=args.redis,
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="config.settings",
        # The stack's own key: the members' session is made here and must be one the stack
        # can read (with another key every page read was the sign-in page's redirect).
        SECRET_KEY=SECRET_KEY,
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
        preload()
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


def preload() -> None:
    """Every council's first quarters of the 60 measures, so every quarter view read has
    figures before anything is written."""
    from imports import service

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "preload.csv"
        make_return(path, national_authority_codes(), 60, PRELOADED_QUARTERS)
        batch = service.apply(service.stage("returns", path.read_bytes(), path.name).batch)
        assert batch.state == "applied", batch.message


def run(args, database_url: str) -> None:
    from django.db import connections

    from authorities.models import Authority
    from indicators.rules import PeriodKind, from_sequence

    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": args.redis,
        "DEBUG": "false",
        "SECRET_KEY": SECRET_KEY,
        "WHITENOISE_USE_FINDERS": "true",
        "LOG_LEVEL": "WARNING",
    }
    codes = national_authority_codes()
    readers = {
        "OUTTURN_SESSION": session_cookie("panel"),
        "OUTTURN_AUTHORITIES": ",".join(
            Authority.objects.filter(code__in=codes[: args.councils]).values_list("slug", flat=True)
        ),
        "OUTTURN_QUARTERS": ",".join(
            from_sequence(PeriodKind.QUARTER, 2013 * 4 + i).code.lower().replace(" ", "-")
            for i in range(PRELOADED_QUARTERS)
        ),
        "OUTTURN_MEASURES": ",".join(f"SYN-{i:02d}" for i in range(1, 61)),
    }
    with (
        tempfile.TemporaryDirectory() as folder,
        running_stack(env, web_workers=args.web_workers) as base,
    ):
        folder = Path(folder)
        national = folder / "national.csv"
        make_return(national, codes, 60, 48)
        # Two councils' own returns: councils the readers do not follow, and councils they do.
        councils = [folder / "council-1.csv", folder / "council-2.csv"]
        make_return(councils[0], [codes[-1]], 60, COUNCIL_QUARTERS)
        make_return(councils[1], [codes[0]], 60, COUNCIL_QUARTERS)
        connections.close_all()
        signed_in(base, readers)
        runs = {"nothing written": browse(args, base, readers, folder / "calm", [], env)}
        if not args.without_import:
            runs["while 3 imports are applied"] = browse(
                args, base, readers, folder / "busy", [national, *councils], env
            )
        if not args.without_saturation:
            runs[SATURATED] = browse(
                args, base, readers, folder / "saturated", [], env, think=SATURATING
            )
        report(args, runs)
        if not args.without_import:
            check_present(national, councils)


SATURATED = "saturated (clicks every 0.2-1 s)"
SATURATING = "0.2,1"


def signed_in(base: str, readers: dict) -> None:
    """The members' session reads a page, not the sign-in page: fail before measuring."""
    import urllib.error
    import urllib.request

    quarter = readers["OUTTURN_QUARTERS"].split(",")[0]
    authority = readers["OUTTURN_AUTHORITIES"].split(",")[0]
    request = urllib.request.Request(
        f"{base}/a/{authority}/q/{quarter}/",
        headers={"Cookie": f"sessionid={readers['OUTTURN_SESSION']}"},
    )

    class Refuse(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None  # a redirect is an answer here, not something to follow

    try:
        status = urllib.request.build_opener(Refuse).open(request, timeout=60).status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 200:
        raise SystemExit(f"the members' session does not read a page ({status}): not measuring")


def browse(
    args,
    base: str,
    readers: dict,
    folder: Path,
    returns: list[Path],
    stack: dict,
    think: str | None = None,
) -> dict:
    """One run of the browsing, with these returns applied through the worker at once while
    it goes on (`stack`: the database and broker the importers use). The members start over
    one mean reading time, as people arrive, not all in the same instant."""
    folder.mkdir()
    timings = folder / "timings.csv"
    env = {**os.environ}
    think = think or args.think
    low, high = (float(part) for part in think.split(","))
    spawn_rate = max(1.0, args.users / ((low + high) / 2))
    # Locust (a well-kept load tool) drives the panel members, headless, for the run.
    locust = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "locust"),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--users",
            str(args.users),
            "--spawn-rate",
            f"{spawn_rate:.1f}",
            "--run-time",
            f"{int(args.seconds)}s",
            "--host",
            base,
            "--csv",
            str(folder / "locust"),
            "--only-summary",
        ],
        cwd=ROOT,
        env={**env, **readers, "OUTTURN_TIMINGS": str(timings), "OUTTURN_THINK": think},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(max(3.0, args.users / spawn_rate))  # every member is browsing before the imports
    began = time.time()
    importers = [
        subprocess.Popen(
            ["nice", "-n", str(args.import_nice), sys.executable, "-c", THROUGH_THE_WORKER]
            + [str(path)],
            cwd=ROOT,
            env={**env, **stack},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for path in returns
    ]
    said = []
    for path, importer in zip(returns, importers, strict=True):
        out, err = importer.communicate()
        said.append((path.name, importer.returncode, out.strip() or err.strip()[-300:]))
    ended = time.time()
    locust.wait(timeout=args.seconds + 120)
    with (folder / "locust_stats.csv").open() as stats:
        table = list(csv.DictReader(stats))
    total = next(r for r in table if r["Name"] == "Aggregated")
    return {
        "table": table,
        "total": total,
        "during": window(timings, began, ended) if returns else {"count": 0},
        "imports": said,
        "import seconds": ended - began,
    }


def report(args, runs: dict) -> None:
    low, high = args.think.split(",")
    print(
        f"{args.users} users reading {args.councils} councils' pages, {args.seconds:.0f} s a run,"
        f" each reading a page for {low}-{high} s before the next"
    )
    print(f"{'run':30} {'p95':>7} {'target':>7} {'ratio':>6} {'p50':>6} {'req/s':>6} {'errors':>6}")
    for name, run in runs.items():
        total = run["total"]
        p95, p50 = float(total["95%"]), float(total["50%"])
        target, ratio = (
            ("  none", "     –")
            if name == SATURATED
            else (f"{TARGET_P95:5}ms", f"{p95 / TARGET_P95:6.2f}")
        )
        print(
            f"{name:30} {p95:5.0f}ms {target} {ratio} {p50:4.0f}ms"
            f" {float(total['Requests/s']):6.1f} {int(total['Failure Count']):6}"
        )
        for row in run["table"]:
            print(
                f"  {row['Name']:28} p50 {float(row['50%']):5.0f}ms  p95 {float(row['95%']):5.0f}ms"
                f"  p99 {float(row['99%']):5.0f}ms  ({int(row['Request Count']):,} requests)"
            )
        during = run["during"]
        if during["count"]:
            print(
                f"  while the imports ran ({run['import seconds']:.0f} s):"
                f" p95 {during['p95']:.0f}ms"
                f" (ratio {during['p95'] / TARGET_P95:.2f}), p50 {during['p50']:.0f}ms,"
                f" {during['count']:,} requests, {during['errors']} errors"
            )
        for name_, code, said in run["imports"]:
            print(f"  import {name_}: exit {code}: {said}")


def check_present(national: Path, councils: list[Path]) -> None:
    """Every figure the last file to write it said is stored (the councils' returns were
    applied after or before the national one: whichever committed last stands)."""
    import pandas as pd

    from imports.models import ImportBatch
    from indicators.models import Value

    deadline = time.monotonic() + 300
    while ImportBatch.objects.filter(recompute_state__in=["queued", "running"]).exists():
        if time.monotonic() > deadline:
            break
        time.sleep(1)
    expected = {}
    batches = ImportBatch.objects.filter(state="applied").order_by("applied_at")
    files = {path.name: path for path in [national, *councils]}
    for name in batches.values_list("file_name", flat=True):
        if name in files:
            frame = pd.read_csv(files[name], dtype={"value": float})
            keys = zip(frame["authority"], frame["indicator"], frame["period"], strict=True)
            expected.update(zip(keys, frame["value"], strict=True))
    rows = Value.objects.filter(indicator__code__startswith="SYN-").values_list(
        "authority__code", "indicator__code", "period__code", "value"
    )
    stored = {(a, i, p): v for a, i, p, v in rows}
    wrong = sum(1 for key, value in expected.items() if stored.get(key) != value)
    verdict = "(all)" if not wrong else f"(MISSING OR WRONG: {wrong:,})"
    print(
        f"values present afterwards: {len(expected) - wrong:,} of {len(expected):,} as the last "
        f"file to write each said {verdict}"
    )


# An officer's national upload: checked (here, standing in for the web request that checks
# it), confirmed, and saved by the real worker; waits until the worker has saved it.
THROUGH_THE_WORKER = """
import sys, time
import django
django.setup()
from imports import service
from pathlib import Path
path = Path(sys.argv[1])
staged = service.stage("returns", path.read_bytes(), path.name)
assert not staged.problems, staged.problems[:3]
batch, confirmed = service.confirm(staged.batch)
while batch.state == "applying":
    time.sleep(0.2)
    batch.refresh_from_db()
print(f"{path.name}: {batch.state} by the worker, {batch.counts} (import {batch.pk})")
sys.exit(batch.state != "applied")
"""


def window(timings: Path, began: float, ended: float) -> dict:
    """Percentiles of the requests that started while the import ran (Locust's own table
    covers the whole run, before and after the import too)."""
    import numpy as np

    times, errors = [], 0
    with timings.open() as lines:
        for line in lines:
            start, milliseconds, failed = line.split(",")
            if began <= float(start) <= ended:
                times.append(float(milliseconds))
                errors += int(failed)
    if not times:
        return {"count": 0}
    p50, p95, p99 = np.percentile(times, [50, 95, 99])
    return {"count": len(times), "p50": p50, "p95": p95, "p99": p99, "errors": errors}


if __name__ == "__main__":
    main()
