from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

# Playwright's sync API runs an event loop; Django's ORM refuses to run inside one otherwise.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "build" / "static" / "vendor" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("CI needs Debian's chromium at /usr/bin/chromium for browser tests")
        pytest.skip("no /usr/bin/chromium (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def axe():
    """Run axe-core (built by `make install`) on the page; return WCAG 2.2 A/AA violations."""

    def run(page) -> list[dict]:
        # A click that follows a link returns before the next page has loaded: axe waits for
        # it, and if the document is replaced under it, it waits for the new one and runs again.
        for attempt in range(3):
            page.wait_for_load_state("load")
            try:
                result = _axe_once(page)
                break
            except PlaywrightError:
                if attempt == 2:
                    raise
        return [
            {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"]
        ]

    return run


def _axe_once(page) -> dict:
    # Loaded from our own static files, as the Content Security Policy allows.
    origin = "/".join(page.url.split("/")[:3])
    page.add_script_tag(url=f"{origin}/static/vendor/axe.min.js")
    # Violations only: axe works out selectors for every result type it is asked for, and
    # the passes were half of its time on a quarter view (axe's API guide, "Performance").
    return page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag', values:
           ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']},
           resultTypes: ['violations']})"""
    )


@pytest.fixture
def screenshot(request):
    """With `--screenshots`, save full-page screenshots for review into the git-ignored
    test-artifacts folder; otherwise nothing (two full-page screenshots of a tall page were
    a third of a browser test's time, for pictures nobody looks at in CI)."""
    if not request.config.getoption("screenshots"):
        return lambda page, name: None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> None:
        for label, width in [("desktop", 1280), ("mobile", 320)]:
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=SCREENSHOTS / f"{name}-{label}.png", full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})

    return save


@pytest.fixture(autouse=True)
def no_csp_violations(page):
    """Every page must work under the Content Security Policy: a refused script or style is
    a failure, not a console message nobody reads."""
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield
    assert refused == []
