"""Issue 17, the files: refused at the limit while streaming, nothing refused or abandoned
kept, every problem downloadable, and what the check passes the confirm writes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from imports import service
from imports.files import read_table
from imports.models import ImportBatch
from imports.problems import FileProblem
from indicators.models import Period, Value
from tests.http import read_all

pytestmark = pytest.mark.django_db

HEADER = "authority,indicator,period,value\n"


def upload(client, data: bytes, name: str = "return.csv"):
    return client.post(
        "/imports/upload/", {"kind": "returns", "file": SimpleUploadedFile(name, data)}
    )


def test_an_oversized_upload_is_refused_as_it_streams_and_nothing_is_kept(
    officer, client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.IMPORT_MAX_BYTES = 64 * 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # past this Django spools to a temporary file
    data = (HEADER + "E08000017,A2,2016-17 Q2,85\n" * 5000).encode()
    response = upload(client, data)
    assert response.status_code == 200
    text = " ".join(response.content.decode().split())
    assert "The file is larger than 0 MB, the largest Outturn accepts" in text
    assert "nothing of it was kept" in text
    assert ImportBatch.objects.count() == 0
    assert list(tmp_path.rglob("*")) == []


def test_a_refused_file_is_not_kept_but_every_problem_is(officer, client, settings, tmp_path):
    """A million-row file of bad rows listed 5,000 problems and kept the file."""
    settings.MEDIA_ROOT = tmp_path
    data = (HEADER + "E08000017,A2,2016-17 Q2,lots\n" * 6000).encode()
    response = upload(client, data)
    batch = ImportBatch.objects.get()
    count = batch.counts["problems"]  # each row's value, and each repeat of row 2's key
    assert count > 6000
    assert f"Nothing was saved: {count} problems" in " ".join(response.content.decode().split())
    assert not batch.file
    assert len(batch.problems) == 5000
    rows = read_all(client.get(f"/imports/{batch.pk}/problems.csv")).decode().splitlines()
    assert len(rows) == count + 1
    assert any(row.startswith("6001,value,lots,") for row in rows[5000:])
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [
        batch.problems_file.name.split("/")[-1]
    ]


def test_a_cancelled_draft_loses_its_file_and_old_drafts_expire(officer, settings, tmp_path):
    from django.contrib.auth.models import User

    settings.MEDIA_ROOT = tmp_path
    user = User.objects.get(username="officer")
    first = service.stage(
        "returns", (HEADER + "E08000017,A2,2016-17 Q3,90\n").encode(), "a.csv", user
    )
    second = service.stage(
        "returns", (HEADER + "E08000017,A2,2016-17 Q3,91\n").encode(), "b.csv", user
    )
    service.cancel(first.batch)
    first.batch.refresh_from_db()
    assert first.batch.state == "cancelled"
    assert not first.batch.file
    assert service.expire_drafts() == 0  # a day-old draft stays
    assert service.expire_drafts(now=timezone.now() + timedelta(days=8)) == 1
    second.batch.refresh_from_db()
    assert second.batch.state == "cancelled"
    assert not second.batch.file
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_row_with_fewer_cells_than_the_header_is_refused():
    with pytest.raises(FileProblem) as refused:
        read_table(b"authority,indicator,period,value\nE08000017,A2,2016-17 Q2\n")
    assert str(refused.value.problems[0]) == (
        "Row 2: has 3 cells where the header has 4; every row needs a cell for every column, "
        "even if it is empty"
    )


def test_a_nul_byte_anywhere_is_refused_with_its_row():
    data = (HEADER + "E08000017,A2,2016-17 Q2,85\n" * 300).encode()
    assert len(data) > 4096
    data += b"E08000017,A2,2016-17 Q3,8\x005\n"
    with pytest.raises(FileProblem) as refused:
        read_table(data)
    assert str(refused.value.problems[0]).startswith("Row 302: holds a NUL character")


def test_an_exported_formula_guard_is_undone_on_import():
    """Outturn's CSV exports put an apostrophe before text a spreadsheet would run."""
    from core.csv import spreadsheet_safe

    comment = "-2 points since Q1: =worse"
    data = f"comment,value\n{spreadsheet_safe(comment)},{spreadsheet_safe('=1+1')}\n".encode()
    table = read_table(data)
    assert table.loc[0, "comment"] == comment
    assert table.loc[0, "value"] == "=1+1"
    assert read_table(b"comment,x\n'plain quote,1\n").loc[0, "comment"] == "'plain quote"


def test_two_wide_columns_for_one_period_are_refused_by_the_check(demo):
    """The check passed them and the confirm failed: ON CONFLICT cannot affect a row twice."""
    data = b"authority,indicator,2016-17 Q3,Q3 2016/17\nE08000017,A2,90,91\n"
    staged = service.stage("returns", data, "wide.csv")
    assert [str(p) for p in staged.problems] == [
        'Row 2, column q3 2016/17: "91" gives a second figure for Quarter 3 2016/17 '
        "(column 2016-17 q3 gives one already)"
    ]


@pytest.mark.parametrize("text", ["0000-01 Q1", "9999-00 Q4", "1066-67", "2099-00"])
def test_absurd_periods_are_problems_and_create_no_periods(demo, text):
    before = Period.objects.count()
    staged = service.stage("returns", f"{HEADER}E08000017,A2,{text},5\n".encode(), "p.csv")
    assert staged.problems
    assert Period.objects.count() == before


@pytest.mark.parametrize(
    ("indicator", "value", "said"),
    [
        ("V-CIC", "1e308", "is above 10,000,000, the most a figure in a count can be"),
        ("A2", "-0.5", "is negative"),
        ("A2", "inf", "is not a number"),
    ],
)
def test_implausible_figures_are_refused(demo, indicator, value, said):
    staged = service.stage(
        "returns", f"{HEADER}E08000017,{indicator},2016-17 Q3,{value}\n".encode(), "v.csv"
    )
    assert any(said in str(p) for p in staged.problems), [str(p) for p in staged.problems]
    assert not Value.objects.filter(period__code="2016-17 Q3", indicator__code=indicator).exists()


def test_quoted_cells_may_hold_separators_and_line_breaks():
    """A comment over two lines, or with commas, is one cell: no row is short."""
    table = read_table(
        b'authority,indicator,comment\nE08000017,A2,"First line,\nsecond line"\nE08000017,A8,x\n'
    )
    assert table.loc[0, "comment"] == "First line,\nsecond line"
    with pytest.raises(FileProblem) as refused:
        read_table(b'authority,indicator,comment\nE08000017,"A2"\nE08000017,A8,x\n')
    assert str(refused.value.problems[0]).startswith("Row 2: has 2 cells where the header has 3")
