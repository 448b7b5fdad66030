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


@pytest.mark.parametrize(
    ("username", "address", "data", "expected"),
    [
        ("officer", "/a/doncaster/m/A2/target/2016-17/", {"target": ""}, "Error: A2 target for"),
        ("officer", "/a/doncaster/m/A2/correct/2016-17-q2/", {"value": ""}, "Error: Correct A2"),
        ("panel", "/a/doncaster/q/2016-17-q2/panel/new/", {"text": ""}, "Error: The panel asks"),
        ("admin", "/people/add/", {"username": ""}, "Error: Add a person"),
    ],
)
def test_a_form_page_with_errors_says_error_once(demo, client, username, address, data, expected):
    """Issue 27, point 6: five templates prefixed "Error: " as base.html already does."""
    from django.contrib.auth.models import User

    client.force_login(User.objects.get(username=username))
    said = title(client.post(address, data))
    assert said.startswith(expected)
    assert said.count("Error:") == 1
