from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.pages import Outturn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_officer_uploads_a_return_fixes_it_and_confirms(
    demo, live_server, page, axe, screenshot, tmp_path
):
    outturn = Outturn(page, live_server.url)
    outturn.sign_in("officer", "outturn-officer-2016")
    page.get_by_role("link", name="Upload a file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload a file")
    assert axe(page) == []

    bad = tmp_path / "q3.csv"
    bad.write_text("authority,indicator,period,value\nDoncaster,A2,2016-17 Q3,ninety\n")
    page.get_by_label("Returns (figures)").check()
    page.get_by_label("File (CSV or XLSX)").set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved: 1 problem")
    expect(page.locator("table")).to_contain_text("ninety")
    assert axe(page) == []
    screenshot(page, "import-problems")

    good = tmp_path / "q3-fixed.csv"
    good.write_text("authority,indicator,period,value\nDoncaster,A2,2016-17 Q3,91\n")
    page.get_by_role("link", name="Upload a corrected file").click()
    page.get_by_label("File (CSV or XLSX)").set_input_files(str(good))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("Nothing is saved until you confirm")).to_be_visible()
    assert axe(page) == []
    page.get_by_role("button", name="Confirm and import").click()
    expect(page.locator(".govuk-panel")).to_contain_text("1 new")
    expect(page.locator("#recompute-status")).to_contain_text("Statuses are up to date")
    assert axe(page) == []
    screenshot(page, "import-applied")

    page.goto(f"{live_server.url}/a/doncaster/q/2016-17-q3/")
    expect(page.locator("tr[data-indicator=A2]")).to_contain_text("Within tolerance")


def test_a_confirmed_import_s_page_follows_the_worker_without_reloading(
    demo, live_server, page, axe, screenshot
):
    """While the worker saves an import, its page asks again every two seconds and swaps in
    what it says (static/js/outturn.js): no meta refresh, so nothing reloads under the
    reader, and the outcome is read out through a live region."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from imports import service
    from imports.models import ImportBatch

    data = b"authority,indicator,period,value\nE08000017,A2,2016-17 Q3,91\n"
    officer = User.objects.get(username="officer")
    batch = service.stage("returns", data, "q3.csv", user=officer).batch
    # Confirmed, and not yet taken up by a worker (none runs in this test).
    ImportBatch.objects.filter(pk=batch.pk).update(state="applying", apply_sent_at=timezone.now())

    outturn = Outturn(page, live_server.url)
    outturn.sign_in("officer", "outturn-officer-2016")
    page.goto(f"{live_server.url}/imports/{batch.pk}/")
    expect(page.locator("#save-status")).to_contain_text("being saved")
    expect(page.get_by_role("heading", name="What will change")).to_be_visible()
    assert axe(page) == []  # no meta refresh
    screenshot(page, "import-being-saved")
    page.evaluate("window.__notReloaded = true")

    service.apply(batch)  # the worker's part
    expect(page.locator(".govuk-panel")).to_contain_text("1 new", timeout=10_000)
    expect(page.locator("#recompute-status")).to_contain_text("Statuses are up to date")
    expect(page.locator("#outturn-progress-announcer")).to_contain_text("Statuses are up to date")
    assert page.evaluate("window.__notReloaded") is True  # swapped in place, not reloaded
    assert axe(page) == []
