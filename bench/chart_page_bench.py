"""How light a chart page is (issue 16, target 3): the plotly bundle's compressed size
(target 500 KB) and a cold headless Chromium's time to DOMContentLoaded on the measure page
against the local server (target 500 ms), median of five cold browsers, after one untimed
visit that warms the server (its worker's first request loads templates and fills caches, as
a running server's did long ago): the browser is cold, the server is not. Also prints when
the chart itself is drawn, which now comes just after DOMContentLoaded (static/js/charts.js).

Loads the demo into a throwaway SQLite database and serves it with gunicorn and whitenoise
(compressing as a deployment does), then drives Debian's Chromium with Playwright.

    .venv/bin/python bench/chart_page_bench.py
"""

from __future__ import annotations

import gzip
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from stack import free_port, wait_for  # noqa: E402

BUNDLE = ROOT / "build" / "static" / "vendor" / os.environ.get("BUNDLE", "plotly-basic.min.js")
TARGET_KB, TARGET_MS = 500, 500


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "WHITENOISE_USE_FINDERS": "true",
            "SECRET_KEY": "chart-bench-" + "k" * 40,
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
        }
        python = sys.executable
        for command in (["migrate", "-v", "0"], ["load_demo"]):
            subprocess.run(
                [python, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True
            )
        port = free_port()
        server = subprocess.Popen(
            [
                str(Path(python).parent / "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",  # one, so the warm-up visit warms the server that answers every run
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/healthz")
            times, drawn = measure(base)
        finally:
            server.terminate()
            server.wait(timeout=20)
    size_kb = len(gzip.compress(BUNDLE.read_bytes())) / 1024
    ms = statistics.median(times)
    print(f"{'measure':42} {'figure':>9} {'target':>7} {'ratio':>6}")
    bundle = "plotly bundle, compressed"
    page = "measure page, cold DOMContentLoaded"
    print(f"{bundle:42} {size_kb:7.0f}KB {TARGET_KB:5}KB {size_kb / TARGET_KB:6.2f}")
    print(
        f"{page:42} {ms:7.0f}ms {TARGET_MS:5}ms {ms / TARGET_MS:6.2f}"
        f"  (runs: {', '.join(f'{t:.0f}' for t in times)} ms)"
    )
    print(
        f"{'  the chart drawn (no target)':42} {statistics.median(drawn):7.0f}ms"
        f"  (runs: {', '.join(f'{t:.0f}' for t in drawn)} ms; measured when playwright sees it)"
    )


def measure(base: str) -> list[float]:
    from playwright.sync_api import sync_playwright

    times, drawn = [], []
    with sync_playwright() as playwright:
        for run in range(6):
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_context().new_page()
            page.goto(f"{base}/login/")
            page.get_by_label("Username").fill("panel")
            page.get_by_label("Password").fill("outturn-panel-2016")
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state()
            # A cold cache for the chart page: a fresh context keeps only the session cookie.
            cookies = page.context.cookies()
            fresh = browser.new_context()
            fresh.add_cookies(cookies)
            chart = fresh.new_page()
            chart.goto(f"{base}/a/doncaster/m/C14/", wait_until="domcontentloaded")
            loaded = chart.evaluate(
                "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"
            )
            # When the chart itself is on the screen (drawn just after the page is ready).
            chart.wait_for_selector("[data-chart] .main-svg")
            if run:  # the first visit warms the server
                times.append(loaded)
                drawn.append(chart.evaluate("performance.now()"))
            browser.close()
    return times, drawn


if __name__ == "__main__":
    main()
