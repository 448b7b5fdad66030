"""Forms are drawn by crispy-forms-gds from what the form says (core.forms): every problem in
the error summary links to the field it is about, and a field's limits are the form's."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db

# Pages whose forms refuse what is sent (a blank field: a form sent with nothing at all is
# shown afresh), and who may send them.
REFUSED = [
    ("panel", "/a/doncaster/q/2016-17-q2/panel/new/", {"text": ""}),
    ("officer", "/a/doncaster/m/A2/correct/2016-17-q2/", {"value": "many"}),
    ("officer", "/a/doncaster/m/A2/target/2016-17/", {"target": ""}),
    ("officer", "/imports/upload/", {"kind": ""}),
    ("admin", "/people/add/", {"first_name": ""}),
]


def ids(html: str) -> set[str]:
    return set(re.findall(r'\sid="([^"]+)"', html))


@pytest.mark.parametrize(("who", "url", "data"), REFUSED)
def test_every_problem_in_the_summary_links_to_its_field(demo, client, who, url, data):
    client.force_login(User.objects.get(username=who))
    response = client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    summary = html.split('class="govuk-error-summary"')[1].split("</ul>")[0]
    links = re.findall(r'href="#([^"]+)"', summary)
    assert links, "no problem was listed"
    assert set(links) <= ids(html), set(links) - ids(html)
    for target in links:  # each field it names is marked as in error, with its message
        assert (
            f'aria-describedby="{target}' in html or f"{target.rsplit('_', 1)[0]}_1_error" in html
        )


def test_a_fields_limits_are_the_forms(demo, client):
    client.force_login(User.objects.get(username="officer"))
    html = client.get("/a/doncaster/m/A2/correct/2016-17-q2/").content.decode()
    reason = re.search(r"<input[^>]*name=\"reason\"[^>]*>", html).group(0)
    assert 'maxlength="100"' in reason
    assert 'aria-describedby="id_reason_hint"' in reason
    value = re.search(r"<input[^>]*name=\"value\"[^>]*>", html).group(0)
    assert 'inputmode="decimal"' in value
    assert "govuk-input--width-5" in value
