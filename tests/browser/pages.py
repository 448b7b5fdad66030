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
