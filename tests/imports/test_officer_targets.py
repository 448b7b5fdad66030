"""Issue 14: an officer's targets upload was read as a return ("The file has no period,
value column"): officers could not upload targets at all. Now they set their own
authority's targets; a default for every authority stays a performance admin's."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imports.models import ImportBatch
from imports.problems import Problem
from indicators.models import Target, Value

pytestmark = pytest.mark.django_db


def upload(client, data: bytes):
    return client.post(
        "/imports/upload/",
        {"kind": "targets", "file": SimpleUploadedFile("targets.csv", data)},
    )


def test_an_officer_sets_their_authoritys_targets_and_statuses_follow(
    officer, client, django_capture_on_commit_callbacks
):
    response = upload(
        client, b"indicator,year,target,tolerance,authority\nA2,2016-17,80,75,E08000017\n"
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{response.url}confirm/")
    target = Target.objects.get(indicator__code="A2", fiscal_year=2016, authority__code="E08000017")
    assert (target.target, target.tolerance) == (80, 75)
    a2 = Value.objects.get(indicator__code="A2", period__code="2016-17 Q2")
    assert a2.status == "on_target"  # 82 against the new target of 80


@pytest.mark.parametrize(
    ("row", "said"),
    [
        ("A2,2016-17,80,75,", "a default for every authority is a performance admin's"),
        ("A2,2016-17,80,75,{other}", "is not an authority you work for"),
    ],
)
def test_an_officer_cannot_set_anothers_or_everyones_targets(officer, client, row, said):
    from html import unescape

    from authorities.models import Authority

    Authority.objects.create(
        code="E06000015", dfe_code="831", name="Derby", slug="derby", kind="local_authority"
    )
    row = row.format(other="E06000015")
    response = upload(client, f"indicator,year,target,tolerance,authority\n{row}\n".encode())
    assert said in unescape(response.content.decode())
    assert ImportBatch.objects.get().state == "rejected"


def test_every_file_an_officer_may_upload_has_a_template(officer, client):
    for kind in ["returns", "targets", "challenges", "actions"]:
        response = client.get(f"/imports/template/{kind}.csv")
        assert response.status_code == 200, kind
        assert response.content.decode().count("\n") >= 2, kind


@pytest.mark.parametrize(
    ("row", "said"),
    [
        ("A2,2016-17,1e308,,E08000017", 'Row 2, column target: "1e308" The target is above 100'),
        ("A2,2016-17,250,240,E08000017", 'Row 2, column target: "250" The target is above 100'),
        (
            "A2,2016-17,90,250,E08000017",
            'Row 2, column tolerance: "250" The tolerance is above 100',
        ),
        ("A2,2016-17,-5,,E08000017", 'Row 2, column target: "-5" The target is negative'),
    ],
)
def test_an_implausible_target_in_a_file_is_a_problem_at_its_cell(officer, client, row, said):
    """Issue 30, finding 1: the targets file took 1e308 and 250%."""
    from html import unescape

    response = upload(client, f"indicator,year,target,tolerance,authority\n{row}\n".encode())
    page = " ".join(unescape(response.content.decode()).split())
    text, message = said.split('"')[1], said.split('" ')[1]
    assert f'<td class="govuk-table__cell"><code>{text}</code></td>' in page
    assert message in page
    assert str(Problem(**ImportBatch.objects.get().problems[0])).startswith(said)
    assert ImportBatch.objects.get().state == "rejected"
    stored = Target.objects.get(indicator__code="A2", authority__code="E08000017", fiscal_year=2016)
    assert (stored.target, stored.tolerance) == (92, 90)
