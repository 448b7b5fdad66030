"""What a panel member reads, in a real browser: Doncaster's Q2, then Q3 after an officer
uploads a workbook whose cells are formatted as percentages (issue 12's done-when)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.browser.pages import Outturn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def make_run(db, django_capture_on_commit_callbacks):
    """The demo as make run loads it: with the national data it ships."""
    from demo.load import load_demo

    with django_capture_on_commit_callbacks(execute=True):
        load_demo(national=True)


def percent_workbook(path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["authority", "indicator", "period", "value"])
    for code, share in [("A2", 0.87), ("A3", 0.96), ("A4", 0.7)]:
        sheet.append(["E08000017", code, "2016-17 Q3", share])
        sheet.cell(row=sheet.max_row, column=4).number_format = "0%"
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())


def test_a_panel_member_reads_figures_with_units_fair_comparisons_and_plain_statuses(
    make_run, live_server, page, axe, screenshot, tmp_path
):
    outturn = Outturn(page, live_server.url)
    outturn.sign_in("panel", "outturn-panel-2016")
    page.goto(f"{live_server.url}/a/doncaster/q/2016-17-q2/")
    a2 = page.locator("#measures-table tr[data-indicator=A2]")
    expect(a2).to_contain_text("82%")
    expect(a2).to_contain_text("Outside tolerance")
    b8 = page.locator("#measures-table tr[data-indicator=B8]")
    expect(b8).to_contain_text("Reported: on or better than target")
    expect(b8).to_contain_text("Outturn cannot check it")
    expect(page.locator(".outturn-cards--concern")).not_to_contain_text("C-SUPERV")
    assert axe(page) == []
    screenshot(page, "truth-q2")

    page.goto(f"{live_server.url}/compare/A2/2016-17-q2/?authority=doncaster")
    expect(page.locator(".outturn-local-measure")).to_contain_text(
        "A local measure, with no national comparison."
    )
    expect(page.locator("body")).not_to_contain_text("ranked 1 of 1")
    assert axe(page) == []

    page.goto(f"{live_server.url}/a/doncaster/m/A1/")
    national = page.locator("#national-table")
    expect(page.locator("#national")).to_contain_text("National equivalent: CIN-REREF")
    expect(national).to_contain_text("(year to 31 March 2024)")
    expect(national.locator("tbody tr").first).to_contain_text("%")
    expect(national).to_contain_text("ranked")
    assert axe(page) == []
    screenshot(page, "truth-a1-national")

    # Reached from the quarter, the same measure as it stood: nothing after Q2 2016/17.
    page.goto(f"{live_server.url}/a/doncaster/q/2016-17-q2/m/A1/")
    expect(page.locator(".outturn-as-it-stood")).to_contain_text(
        "As it stood at the end of Quarter 2 2016/17."
    )
    expect(page.locator("body")).not_to_contain_text("2024/25")
    assert axe(page) == []
    screenshot(page, "truth-a1-as-it-stood")

    page.context.clear_cookies()  # sign out
    outturn.sign_in("officer", "outturn-officer-2016")
    upload = tmp_path / "q3.xlsx"
    percent_workbook(upload)
    page.goto(f"{live_server.url}/imports/upload/")
    page.get_by_label("Returns (figures)").check()
    page.get_by_label("File (CSV or XLSX)").set_input_files(str(upload))
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("button", name="Confirm and import").click()
    expect(page.locator("#recompute-status")).to_contain_text("Statuses are up to date")

    page.context.clear_cookies()
    outturn.sign_in("panel", "outturn-panel-2016")
    page.goto(f"{live_server.url}/a/doncaster/q/2016-17-q3/")
    a2 = page.locator("#measures-table tr[data-indicator=A2]")
    expect(a2).to_contain_text("87%")
    expect(a2).not_to_contain_text("0.87")
    expect(a2).to_contain_text("Outside tolerance")  # 87% against a target of 92, tolerance 90
    expect(page.locator("#measures-table tr[data-indicator=A3]")).to_contain_text(
        "On or better than target"
    )
    assert axe(page) == []
    screenshot(page, "truth-q3")
