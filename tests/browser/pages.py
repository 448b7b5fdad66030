"""Page objects: what a person does on each page, in their words."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Outturn:
    page: object
    base_url: str

    def sign_in(self, username: str, password: str) -> None:
        self.page.goto(f"{self.base_url}/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Sign in").click()

    def summary_counts(self) -> dict[str, str]:
        totals = self.page.locator(".outturn-summary__totals td")
        return {
            cell.get_attribute("data-status") or "total": cell.inner_text() for cell in totals.all()
        }


INTERACTIVE = "a[href], button, select, input:not([type=hidden]), textarea, summary, [tabindex='0']"


def tab_through(page, limit: int = 400) -> tuple[int, int]:
    """Press Tab until focus comes back round; return (controls reached, controls on page)."""
    page.evaluate(
        """(selector) => document.querySelectorAll(selector).forEach(
             (el, i) => el.setAttribute('data-tab-id', i))""",
        INTERACTIVE,
    )
    total = page.locator(f":is({INTERACTIVE}):visible").count()
    reached = set()
    page.locator("body").focus()
    for _ in range(limit):
        page.keyboard.press("Tab")
        tab_id = page.evaluate("document.activeElement && document.activeElement.dataset.tabId")
        if tab_id is None and reached:
            break
        if tab_id is not None:
            if tab_id in reached and len(reached) >= total:
                break
            reached.add(tab_id)
    return len(reached), total


def fits_width(page) -> bool:
    """Nothing but the table scrollers may scroll sideways."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
