"""The officer's journey through the web pages."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from imports.models import ImportBatch
from indicators.models import Value
from tests.http import read_all

pytestmark = pytest.mark.django_db

GOOD = b"authority,indicator,period,value\nE08000017,A2,2016-17 Q2,85\nE08000017,A2,2016-17 Q3,91\n"


def upload(client, data: bytes, kind: str = "returns", name: str = "return.csv", **extra):
    return client.post(
        "/imports/upload/",
        {"kind": kind, "file": SimpleUploadedFile(name, data), **extra},
    )


def test_an_officer_uploads_previews_and_confirms(
    officer, client, django_capture_on_commit_callbacks
):
    response = upload(client, GOOD)
    assert response.status_code == 302
    preview = client.get(response.url)
    html = preview.content.decode()
    assert "Nothing is saved until you confirm" in html
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">82</td>' in html
    assert Value.objects.get(indicator__code="A2", period__code="2016-17 Q2").value == 82

    batch = ImportBatch.objects.get(kind="returns")
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(f"/imports/{batch.pk}/confirm/")
    assert confirmed.status_code == 302
    html = client.get(confirmed.url).content.decode()
    assert "Imported" in html
    assert "Statuses are up to date" in html
    a2 = Value.objects.get(indicator__code="A2", period__code="2016-17 Q2")
    assert (a2.value, a2.status) == (85, "outside_tolerance")
    assert (
        Value.objects.get(indicator__code="A2", period__code="2016-17 Q3").status
        == "within_tolerance"
    )

    history = client.get("/imports/").content.decode()
    assert "return.csv" in history
    assert "Applied" in history


def test_problems_are_listed_with_row_column_and_text(officer, client):
    response = upload(client, b"authority,indicator,period,value\nE08000017,A2,2016-17 Q2,lots\n")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was saved: 1 problem" in html
    assert "<code>lots</code>" in html
    assert response.context["problems"][0].row == 2
    batch = ImportBatch.objects.get(kind="returns")
    assert not batch.file  # a refused file is never kept; its problems are
    problems = read_all(client.get(f"/imports/{batch.pk}/problems.csv")).decode()
    assert list(csv.reader(io.StringIO(problems))) == [
        ["row", "column", "text", "problem"],
        [
            "2",
            "value",
            "lots",
            "is not a number, a blank, or one of DfE's symbols (c, k, low, u, x, z)",
        ],
    ]


def test_uploading_the_same_file_twice_says_when_it_was_imported(
    officer, client, django_capture_on_commit_callbacks
):
    upload(client, GOOD)
    batch = ImportBatch.objects.get(kind="returns")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{batch.pk}/confirm/")
    response = upload(client, GOOD, name="again.csv")
    assert "was imported already" in response.content.decode().replace("This file ", "")


def test_a_form_without_a_file_shows_an_error_summary(officer, client):
    response = client.post("/imports/upload/", {"kind": "returns"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'href="#id_file"' in html
    assert "Select a CSV or XLSX file" in html


def test_templates_download(officer, client):
    response = client.get("/imports/template/returns.csv")
    assert response.content.decode().startswith("authority,indicator,period,value")
    assert client.get("/imports/template/nope.csv").status_code == 404


def test_a_panel_member_cannot_upload(demo, client):
    client.force_login(User.objects.get(username="panel"))
    assert client.get("/imports/upload/").status_code == 403
    assert upload(client, GOOD).status_code == 403
    assert client.get("/imports/").status_code == 403
    assert not ImportBatch.objects.exists()


def test_cancelling_a_preview_saves_nothing(officer, client):
    upload(client, GOOD)
    batch = ImportBatch.objects.get(kind="returns")
    client.post(f"/imports/{batch.pk}/cancel/")
    client.post(f"/imports/{batch.pk}/confirm/")
    assert Value.objects.get(indicator__code="A2", period__code="2016-17 Q2").value == 82
    batch.refresh_from_db()
    assert batch.state == "cancelled"


def test_the_duplicate_page_never_names_another_officers_file(officer, client):
    from imports import service

    data = b"authority,indicator,period,value\nE08000017,A2,2016-17 Q3,90\n"
    trust = User.objects.get(username="trust")
    service.apply(service.stage("returns", data, "trust-secret-name.csv", user=trust).batch)
    upload = SimpleUploadedFile("mine.csv", data, content_type="text/csv")
    html = client.post("/imports/upload/", {"kind": "returns", "file": upload}).content.decode()
    assert "nothing would change" in html
    assert "trust-secret-name" not in html
    assert "trust" not in html.split("<main", 1)[1].split("</main>")[0]


def test_the_preview_shows_new_figures_with_their_status_and_the_import_links_to_its_quarter(
    officer, client, django_capture_on_commit_callbacks
):
    from html import unescape

    response = upload(client, b"authority,indicator,period,value\nE08000017,A2,2016-17 Q3,95\n")
    preview = " ".join(unescape(client.get(response.url).content.decode()).split())
    assert "Every new and changed figure, with the status it would have" in preview
    assert "Doncaster A2 2016-17 Q3 new 95 On or better than target" in " ".join(
        re.sub(r"<[^>]+>", " ", preview).split()
    )
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"{response.url}confirm/")
    page = unescape(client.get(done.url).content.decode())
    assert "Imported" in page
    assert 'href="/a/doncaster/q/2016-17-q3/">Doncaster, Quarter 3 2016/17</a>' in page


def test_an_import_links_to_the_quarters_it_wrote_newest_first(officer, client):
    """A month is shown as its quarter; a year has no quarter to link to; each authority and
    quarter once, whatever the number of rows (three reads: rows by ids, periods, places)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from imports import service
    from imports.views import _quarters_changed

    data = (
        b"authority,indicator,period,value\n"
        b"E08000017,A2,2016-17 Q3,91\nE08000017,A2,2016-10,90\nE08000017,A2,2016-11,92\n"
        b"E08000017,A2,2013-05,80\nE08000017,A2,2014-15,70\n"
    )
    staged = service.stage("returns", data, "mixed.csv")
    assert not staged.problems, staged.problems
    batch = service.apply(staged.batch)
    assert batch.state == "applied", batch.message
    with CaptureQueriesContext(connection) as queries:
        quarters = _quarters_changed(batch)
    assert len(queries) == 3
    assert [(q["slug"], q["quarter"].code) for q in quarters] == [
        ("doncaster", "2016-17 Q3"),
        ("doncaster", "2013-14 Q1"),
    ]


def test_the_preview_judges_each_figure_as_the_recompute_will(officer, client):
    """At its published precision, against the authority's own target where it has one (A2:
    92, tolerance 90) and the default elsewhere, one row of each status the file can reach."""
    from html import unescape

    from indicators.models import Value

    data = (
        "authority,indicator,period,value\n"
        "E08000017,A2,2016-17 Q3,89.5\n"  # 90 at A2's whole-number precision: the tolerance
        "E08000017,A2,2016-17 Q4,89.4\n"
        "E08000017,A2,2017-18 Q1,92\n"
    )
    response = upload(client, data.encode())
    text = " ".join(
        re.sub(r"<[^>]+>", " ", unescape(client.get(response.url).content.decode())).split()
    )
    assert "A2 2016-17 Q3 new 89.5 Within tolerance" in text
    assert "A2 2016-17 Q4 new 89.4 Outside tolerance" in text
    assert "A2 2017-18 Q1 new 92 No target set" in text  # no 2017-18 target, own or default
    assert not Value.objects.filter(period__code="2016-17 Q3").exists()


def test_an_import_is_its_authoritys_record_for_both_sides(demo, client):
    """Issue 28, finding 10: a council officer got 403 on the trust's import of Doncaster's
    figures. Officers of an authority, both sides, read all its imports; confirming or
    cancelling stays the uploader's; another authority's officers see none of them."""
    from django.contrib.auth.models import Group

    from authorities.models import Authority, OfficerAssignment
    from imports import service

    data = b"authority,indicator,period,value\nE08000017,A2,2016-17 Q3,90\n"
    trust = User.objects.get(username="trust")
    applied = service.apply(service.stage("returns", data, "trust.csv", user=trust).batch)
    draft = service.stage("returns", data.replace(b"90", b"91"), "draft.csv", user=trust).batch
    client.force_login(User.objects.get(username="officer"))
    assert client.get(f"/imports/{applied.pk}/").status_code == 200
    page = client.get(f"/imports/{draft.pk}/").content.decode()
    assert "waiting for" in page
    assert "Confirm and import" not in page
    assert client.post(f"/imports/{draft.pk}/confirm/").status_code == 403
    listed = client.get("/imports/").content.decode()
    assert "trust.csv" in listed
    assert "draft.csv" in listed
    derby = Authority.objects.create(
        code="E06000015", dfe_code="831", name="Derby", slug="derby", kind="local_authority"
    )
    other = User.objects.create_user("derby", password="derby-password-2016")
    other.groups.add(Group.objects.get(name="Officers"))
    OfficerAssignment.objects.create(user=other, authority=derby, side="council")
    client.force_login(other)
    assert client.get(f"/imports/{applied.pk}/").status_code == 403
    assert "trust.csv" not in client.get("/imports/").content.decode()


def test_the_result_counts_the_figures_the_file_did_not_name_that_moved(
    officer, client, django_capture_on_commit_callbacks
):
    """Issue 28, finding 9: the result said "0 values changed status, direction or
    hard-to-shift flag" when Q2's directions moved with a new Q1 figure."""
    from indicators.models import Value

    before = Value.objects.get(indicator__code="B9", period__code="2016-17 Q2").direction
    response = upload(client, b"authority,indicator,period,value\nE08000017,B9,2016-17 Q1,70\n")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{response.url}confirm/")
    after = Value.objects.get(indicator__code="B9", period__code="2016-17 Q2").direction
    assert (before, after) == ("", "better")  # 72 after 70
    page = " ".join(client.get(response.url).content.decode().split())
    assert "1 stored figure it did not name changed direction" in page
