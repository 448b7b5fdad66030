"""One page title: the page's own words, "Error: " first when it reports a problem."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).strip()


def test_a_page_title_ends_with_the_service_name(panel_member, client):
    assert title(client.get("/a/doncaster/q/2016-17-q2/")) == (
        "Doncaster: Quarter 2 2016/17 – Outturn"
    )


def test_a_form_with_errors_says_so_first(officer, client):
    response = client.post("/imports/upload/", {"kind": "returns"})
    assert title(response) == "Error: Upload a file – Outturn"
    assert title(client.get("/imports/upload/")) == "Upload a file – Outturn"
