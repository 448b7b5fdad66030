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


def test_the_quarter_table_fits_at_1366_and_nothing_is_cut_at_375(
    demo, live_server, page, axe, screenshot
):
    """Issue 28, finding 7: at 1366 px the measures table was 2,015 px wide, England, the
    region, the neighbours and the band off-screen. Its comparisons are now one stacked cell:
    every column in view at 1366; at 375 the page itself never scrolls sideways (the table
    scrolls in its own region, which says so) and every comparison is still there."""
    outturn = Outturn(page, live_server.url)
    page.set_viewport_size({"width": 1366, "height": 900})
    outturn.page.goto(f"{live_server.url}/")
    outturn.sign_in("panel", "outturn-panel-2016")
    table = page.locator("#measures-table")
    assert table.bounding_box()["width"] <= 1366 - 2 * 15
    header = page.locator("#measures-table thead th").last
    assert header.bounding_box()["x"] + header.bounding_box()["width"] <= 1366
    expect(page.locator("tr[data-indicator=A2] td").last).to_contain_text("England")
    screenshot(page, "quarter-1366")

    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    region = page.locator(".outturn-table-scroll", has=page.locator("#measures-table"))
    assert region.get_attribute("role") == "region"
    expect(page.locator("tr[data-indicator=A2] td").last).to_contain_text("England")
    assert axe(page) == []
    screenshot(page, "quarter-375")


def test_the_filter_narrows_the_table_and_says_when_a_choice_is_not_one_it_offers(
    demo, live_server, page, axe
):
    """Chosen by the selects and the Filter button, the table shows those measures; an
    address with a status the filter has not says so at the select, and both pages pass
    axe (the select's description points at the message)."""
    outturn = Outturn(page, live_server.url)
    outturn.sign_in("panel", "outturn-panel-2016")
    page.get_by_label("Status", exact=True).select_option("outside_tolerance")
    page.get_by_role("button", name="Filter").click()
    assert "status=outside_tolerance" in page.url
    rows = page.locator("#measures-table tbody tr")
    expect(rows).to_have_count(2)  # A2 and A8, the seed's two outside tolerance
    expect(page.get_by_label("Status", exact=True)).to_have_value("outside_tolerance")
    assert axe(page) == []

    page.goto(f"{live_server.url}/a/doncaster/q/2016-17-q2/?status=bogus")
    expect(page.locator(".govuk-error-message")).to_contain_text(
        "Select a valid choice. bogus is not one of the available choices."
    )
    assert (
        page.get_by_label("Status", exact=True).get_attribute("aria-describedby")
        == "id_status_error"
    )
    assert axe(page) == []
