"""Issue: performance challenge — the journey from the officers' pens to the panel's eyes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.pages import Outturn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def test_officers_write_the_challenge_and_the_panel_reads_it(
    demo, live_server, page, axe, screenshot
):
    outturn = Outturn(page, live_server.url)
    outturn.sign_in("officer", "outturn-officer-2016")
    page.goto(f"{live_server.url}/a/doncaster/m/A2/")
    page.get_by_role("link", name="Write the council's comment for Quarter 2 2016/17").click()
    page.wait_for_url("**/challenge/")
    assert axe(page) == []
    page.get_by_label("Area of concern").check()
    page.get_by_label("Council comment").fill(
        "Timeliness fell again.\n\n<script>alert('x')</script> is not run."
    )
    page.get_by_label("Questions to the provider").fill("Which teams are behind?")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="Write the council's comment for Quarter 2 2016/17").click()
    page.get_by_label("Action", exact=True).fill("Send the panel a team-by-team breakdown")
    page.get_by_label("Owner").fill("Head of service")
    page.get_by_label("Due date").fill("2016-11-30")
    page.get_by_role("button", name="Add the action").click()
    sign_out(page)

    outturn.sign_in("trust", "outturn-trust-2016")
    page.goto(f"{live_server.url}/a/doncaster/q/2016-17-q2/m/A2/challenge/")
    page.get_by_label("Provider response").fill("Three teams; weekly tracking until it recovers.")
    page.get_by_role("button", name="Save").click()
    sign_out(page)

    outturn.sign_in("panel", "outturn-panel-2016")
    page.goto(f"{live_server.url}/a/doncaster/q/2016-17-q2/")
    split = page.locator("section.outturn-split").filter(has_text="A2 Single assessments")
    expect(split).to_contain_text("Timeliness fell again.")
    expect(split).to_contain_text("<script>alert('x')</script> is not run.")
    expect(split).to_contain_text("Three teams; weekly tracking until it recovers.")
    expect(split).to_contain_text("Written by trust")
    actions = page.locator("#actions ~ ul.outturn-actions")
    expect(actions).to_contain_text("Send the panel a team-by-team breakdown")
    expect(actions.locator(".outturn-action--overdue").first).to_be_visible()
    assert page.get_by_role("button", name="Present to the panel").count() == 0
    assert axe(page) == []

    page.goto(f"{live_server.url}/a/doncaster/m/A2/")
    expect(page.locator("#challenge-2016-17-q2")).to_contain_text("Which teams are behind?")
    history = page.locator("table.outturn-history")
    expect(history).to_contain_text("council comment")
    expect(history).to_contain_text("Timeliness fell again.")
    assert page.get_by_role("link", name="Write the council's comment").count() == 0
    assert axe(page) == []
    screenshot(page, "measure-with-challenge")

    response = page.goto(f"{live_server.url}/a/doncaster/q/2016-17-q2/m/A2/challenge/")
    assert response.status == 403
