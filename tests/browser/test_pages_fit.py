"""Issue 28, findings 6 and 7, done when: the measure, compare and panel pages at 1366 and
375 px. Nothing makes the page scroll sideways, a chart's period labels never overlap each
other or its legend, and axe finds nothing."""

from __future__ import annotations

import pytest

from tests.browser.pages import Outturn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [1366, 375]


def _boxes(page, selector: str) -> list[dict]:
    return [box for box in (e.bounding_box() for e in page.locator(selector).all()) if box]


def _overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def _chart_is_readable(page) -> list[str]:
    page.locator("#measure-chart .xtick text, .outturn-chart .xtick text").first.wait_for()
    labels = page.locator(".outturn-chart .xtick text")
    texts = [(t.text_content() or "").strip() for t in labels.all()]
    ticks = _boxes(page, ".outturn-chart .xtick text")
    legend = _boxes(page, ".outturn-chart .legend")
    assert len(ticks) >= 2, texts
    for i, first in enumerate(ticks):
        for second in ticks[i + 1 :]:
            assert not _overlap(first, second), texts
        for box in legend:
            assert not _overlap(first, box), texts
    return texts


@pytest.mark.parametrize("width", WIDTHS)
def test_the_measure_page_s_chart_labels_never_collide(
    spc_series, live_server, page, axe, screenshot, width
):
    """SPC1's 18 quarters with its control lines: the densest axis the demo has."""
    page.set_viewport_size({"width": width, "height": 900})
    Outturn(page, live_server.url).sign_in("panel", "outturn-panel-2016")
    page.goto(f"{live_server.url}/a/doncaster/m/SPC1/")
    texts = _chart_is_readable(page)
    assert all(not text.endswith(".") for text in texts)  # never shrunk to "20."
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert axe(page) == []
    screenshot(page, f"measure-{width}")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_compare_and_panel_pages_fit(demo, live_server, page, axe, screenshot, width):
    page.set_viewport_size({"width": width, "height": 900})
    Outturn(page, live_server.url).sign_in("chair", "outturn-chair-2016")
    for name, url in [
        ("compare", "/compare/A1/2016-17-q2/?authority=doncaster"),
        ("panel", "/a/doncaster/panel/"),
    ]:
        page.set_viewport_size({"width": width, "height": 900})  # screenshot() resizes
        page.goto(f"{live_server.url}{url}")
        wide = page.evaluate(
            """() => [...document.querySelectorAll('*')]
                 .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                 .slice(0, 5).map(e => e.tagName + '.' + e.className)"""
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, wide)
        for table in page.locator("main table").all():
            box = table.bounding_box()
            scrolls = table.locator("xpath=ancestor::*[@role='region']").count()
            assert scrolls or box["x"] + box["width"] <= width, name
        assert axe(page) == [], name
        screenshot(page, f"{name}-{width}")
