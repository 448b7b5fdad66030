"""Issue 14's journey in a real browser: a panel member asks the provider a question with a
date; the trust answers it; the chair closes it; the briefing lists it; the history shows
each step. axe-clean on each new page."""

from __future__ import annotations

import subprocess

import pytest
from playwright.sync_api import expect

from tests.browser.pages import Outturn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTION = "How many assessments are waiting for a manager's sign-off?"


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def test_ask_answer_close_and_brief(demo, live_server, page, axe, screenshot, tmp_path):
    outturn = Outturn(page, live_server.url)
    outturn.sign_in("panel", "outturn-panel-2016")
    page.goto(f"{live_server.url}/a/doncaster/q/2016-17-q2/")
    page.get_by_role("link", name="Add a question or recommendation").click()
    page.get_by_label("Question", exact=True).check()
    page.get_by_label("The provider").check()
    page.get_by_label("The panel's words").fill(QUESTION)
    page.get_by_label("Answer by (optional)").fill("2016-12-31")
    assert axe(page) == []
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Saved: the panel's question for the provider."
    )
    expect(page.locator(".outturn-recommendations")).to_contain_text("Overdue")
    assert axe(page) == []
    screenshot(page, "panel-page")
    sign_out(page)

    outturn.sign_in("trust", "outturn-trust-2016")
    page.goto(f"{live_server.url}/a/doncaster/panel/")
    page.get_by_role("link", name="Question").first.click()
    page.get_by_label("Answer").fill("Fourteen, all within five working days.")
    page.get_by_role("button", name="Save the answer").click()
    expect(page.locator("#recommendation-status")).to_contain_text("Answered")
    assert axe(page) == []
    sign_out(page)

    outturn.sign_in("chair", "outturn-chair-2016")
    page.goto(f"{live_server.url}/a/doncaster/panel/")
    page.get_by_role("link", name="Question").first.click()
    page.get_by_role("button", name="Close").click()
    expect(page.locator("#recommendation-status")).to_contain_text("Closed")
    history = page.locator("#recommendation-history li")
    expect(history).to_have_count(3)
    expect(history.nth(0)).to_contain_text("closed by chair")
    expect(history.nth(1)).to_contain_text("answered by trust")
    expect(history.nth(2)).to_contain_text("asked by panel")
    screenshot(page, "recommendation")

    # The briefing lists what the meeting raised, closed or not, with where it stands.
    page.goto(f"{live_server.url}/a/doncaster/q/2016-17-q2/panel/new/")
    page.get_by_label("Recommendation", exact=True).check()
    page.get_by_label("The council").check()
    page.get_by_label("The panel's words").fill("Report timeliness by team every month.")
    page.get_by_role("button", name="Save").click()
    with page.expect_download() as download:
        page.goto(f"{live_server.url}/a/doncaster/q/2016-17-q2/")
        page.get_by_role("button", name="Download the PDF briefing").click()
    path = tmp_path / "q2.pdf"
    download.value.save_as(path)
    text = " ".join(
        subprocess.run(
            ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True
        ).stdout.split()
    )
    assert "The panel's questions and recommendations" in text
    assert "Report timeliness by team every month." in text
    assert f"Question: {QUESTION}" in text
    assert "Answer: Fourteen, all within five working days." in text
