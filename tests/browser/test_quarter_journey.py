from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.pages import Outturn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_panel_member_signs_in_and_reads_the_quarter(demo, live_server, page, axe, screenshot):
    outturn = Outturn(page, live_server.url)
    outturn.page.goto(f"{live_server.url}/")
    assert axe(page) == []
    outturn.sign_in("panel", "outturn-panel-2016")

    assert page.url.endswith("/a/doncaster/q/2016-17-q2/")
    assert page.title() == "Doncaster: Quarter 2 2016/17 – Outturn"
    assert page.get_by_role("heading", level=1).inner_text() == "Quarter 2 2016/17"
    assert outturn.summary_counts() == {
        "outside_tolerance": "2",
        "within_tolerance": "3",
        "on_target": "11",
        "no_target": "2",
        "total": "18",
    }
    a2 = page.locator("tr[data-indicator=A2]")
    assert "82%" in a2.inner_text()
    assert "Outside tolerance" in a2.inner_text()
    assert axe(page) == []
    screenshot(page, "quarter")

    with page.expect_download() as download:
        page.get_by_role("link", name="every measure with export codes (CSV)").click()
    assert download.value.suggested_filename == "outturn-doncaster-2016-17-q2.csv"

    page.locator("a[rel=prev]").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Quarter 1 2016/17"


def test_a_wrong_password_shows_an_error_summary(demo, live_server, page, axe):
    outturn = Outturn(page, live_server.url)
    outturn.sign_in("panel", "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("Enter a correct username and password")
    assert page.title().startswith("Error: ")
    assert axe(page) == []
