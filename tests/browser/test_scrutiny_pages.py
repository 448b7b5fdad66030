"""Every scrutiny page in a real browser: what it shows, axe, keyboard, 320 px, screenshots."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from imports import service
from tests.browser.pages import Outturn, fits_width, tab_through

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signed_in(demo, live_server, page):
    outturn = Outturn(page, live_server.url)
    outturn.sign_in("panel", "outturn-panel-2016")
    return outturn


def check_page(page, axe, screenshot, name):
    assert axe(page) == []
    reached, total = tab_through(page)
    assert reached >= total, f"keyboard reached {reached} of {total} controls on {name}"
    page.set_viewport_size({"width": 320, "height": 800})
    assert fits_width(page), f"{name} scrolls sideways at 320 px"
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, name)


def test_the_quarter_view(signed_in, page, axe, screenshot):
    page.goto(f"{signed_in.base_url}/a/doncaster/q/2016-17-q2/")
    assert signed_in.summary_counts() == {
        "outside_tolerance": "2",
        "within_tolerance": "3",
        "on_target": "11",
        "no_target": "2",
        "total": "18",
    }
    expect(page.locator(".outturn-cards--concern")).to_contain_text("A2")
    expect(page.locator(".outturn-hard-to-shift")).to_contain_text("A8")
    check_page(page, axe, screenshot, "quarter-view")

    page.emulate_media(media="print")  # for the panel's papers: no navigation, no forms
    expect(page.locator(".govuk-header")).to_be_hidden()
    expect(page.locator("form.outturn-switcher")).to_be_hidden()
    expect(page.locator("#measures-table")).to_be_visible()
    page.emulate_media(media="screen")

    page.get_by_label("Status", exact=True).select_option("outside_tolerance")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("#measures-table tbody tr")
    expect(rows).to_have_count(2)

    page.get_by_role("link", name="Show all measures").click()
    page.locator("#measures-table thead").get_by_role("link", name="This quarter").click()
    page.locator("#measures-table thead").get_by_role("link", name="This quarter").click()
    expect(page.locator("#measures-table th[aria-sort]")).to_have_attribute(
        "aria-sort", "descending"
    )
    expect(page.locator("#measures-table tbody tr").first).to_have_attribute("data-indicator", "A3")
    with page.expect_download() as download:
        page.get_by_role("link", name="as Excel (XLSX)").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    page.locator("#summary ~ div a[aria-label^='2 Social Care Pathway']").click()
    expect(page.locator("#measures-table tbody tr")).to_have_count(2)


def test_the_measure_page_draws_its_chart(signed_in, page, axe, screenshot):
    page.goto(f"{signed_in.base_url}/a/doncaster/m/C14/")
    page.wait_for_selector(".outturn-chart .main-svg")
    assert page.locator(".outturn-chart path.js-line, .outturn-chart .scatterlayer path").count()
    expect(page.locator("table").last).to_contain_text("Quarter 2 2016/17")
    check_page(page, axe, screenshot, "measure")


def test_compare_and_authority_pages_at_national_scale(
    signed_in, shared_data, page, axe, screenshot
):
    call_command(
        "load_authorities",
        str(shared_data / "authorities.csv"),
        neighbours=str(shared_data / "statistical_neighbours.csv"),
    )
    call_command("import_indicators", str(shared_data / "indicators.csv"))
    service.apply(
        service.stage("returns", (shared_data / "values.csv").read_bytes(), "values.csv").batch
    )
    call_command("load_ofsted", str(shared_data / "ofsted_ilacs_inspection_history.csv"))

    page.goto(f"{signed_in.base_url}/compare/CIN-REREF/2023-24/?authority=doncaster")
    page.wait_for_selector(".outturn-chart .main-svg")
    # Every authority a dot on three lines, a chart a few hundred pixels tall (issue 28, 15).
    assert page.locator(".outturn-chart .scatterlayer .point").count() >= 140
    assert page.locator(".outturn-chart").bounding_box()["height"] <= 320
    expect(page.locator(".outturn-ranking__row--chosen")).to_contain_text("Doncaster")
    check_page(page, axe, screenshot, "compare")

    page.goto(f"{signed_in.base_url}/a/doncaster/")
    expect(page.get_by_role("heading", name="Ofsted")).to_be_visible()
    expect(page.locator(".govuk-inset-text")).to_contain_text("Latest judgement:")
    check_page(page, axe, screenshot, "authority")


def test_the_accessibility_statement(signed_in, page, axe, screenshot):
    page.get_by_role("link", name="Accessibility statement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility statement for Outturn")
    check_page(page, axe, screenshot, "accessibility")
    # The check can fail: a picture without words and a field without a label, added to the
    # page, are both reported (axe asked for violations alone still finds each).
    page.evaluate(
        """() => document.querySelector('main').insertAdjacentHTML('beforeend',
           '<img src="/static/govuk/assets/images/govuk-icon-180.png"><input type="text">')"""
    )
    assert {found["id"] for found in axe(page)} >= {"image-alt", "label"}


def test_a_shift_inside_tolerance_reads_as_special_cause_concern(
    spc_series, live_server, page, axe, screenshot
):
    """Seven quarters below the average, every one within tolerance: red/amber/green says
    'within tolerance'; the control chart says the change is real, in words axe can read."""
    outturn = Outturn(page, live_server.url)
    outturn.sign_in("panel", "outturn-panel-2016")
    page.goto(f"{live_server.url}/a/doncaster/m/SPC1/")
    control = page.locator("#control-chart")
    expect(control).to_contain_text("Over 18 quarterly figures")
    expect(control).to_contain_text("Special cause: concern")
    expect(page.locator(".outturn-chart .legendtext", has_text="Average (SPC)")).to_have_count(1)
    check_page(page, axe, screenshot, "measure-spc")
    page.get_by_text("What the control chart shows").click()
    expect(control).to_contain_text("7 in a row on the same side of the average")

    page.goto(f"{live_server.url}/a/doncaster/q/2016-17-q2/")
    page.get_by_label("Signal (SPC)").select_option("special_cause_concern")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("#measures-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Within tolerance")
    expect(rows.first).to_contain_text("Special cause: concern")
    assert axe(page) == []
