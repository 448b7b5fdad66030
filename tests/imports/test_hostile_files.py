"""Issue 17, the files: refused at the limit while streaming, nothing refused or abandoned
kept, every problem downloadable, and what the check passes the confirm writes."""

from __future__ import annotations

import csv
import io
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
    assert "The file is larger than 64 KB, the largest Outturn accepts" in text
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
    assert f"Nothing was saved: {count:,} problems" in " ".join(response.content.decode().split())
    assert not batch.file
    assert len(batch.problems) == 5000
    text = read_all(client.get(f"/imports/{batch.pk}/problems.csv")).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == count + 1
    assert any(row[:3] == ["6001", "value", "lots"] for row in rows[5000:])
    assert [int(row[0]) for row in rows[1:]] == sorted(int(row[0]) for row in rows[1:])
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [
        batch.problems_file.name.split("/")[-1]
    ]


def test_a_cancelled_draft_loses_its_file_and_old_drafts_expire(
    officer, client, settings, tmp_path
):
    """Issue 28, finding 15: a checked import nobody confirms no longer waits for ever: its
    page says by when to confirm, and once a week has gone it says it expired."""
    from django.contrib.auth.models import User

    settings.MEDIA_ROOT = tmp_path
    user = User.objects.get(username="officer")
    first = service.stage(
        "returns", (HEADER + "E08000017,A2,2016-17 Q3,90\n").encode(), "a.csv", user
    )
    second = service.stage(
        "returns", (HEADER + "E08000017,A2,2016-17 Q3,91\n").encode(), "b.csv", user
    )
    page = " ".join(client.get(f"/imports/{second.batch.pk}/").content.decode().split())
    assert f"Confirm by {second.batch.expires_at:%-d %B %Y}" in page
    service.cancel(first.batch)
    first.batch.refresh_from_db()
    assert first.batch.state == "cancelled"
    assert not first.batch.file
    assert service.expire_drafts() == 0  # a day-old draft stays
    assert service.expire_drafts(now=timezone.now() + timedelta(days=8)) == 1
    second.batch.refresh_from_db()
    assert second.batch.state == "expired"
    assert not second.batch.file
    page = " ".join(client.get(f"/imports/{second.batch.pk}/").content.decode().split())
    assert "This check expired: nobody confirmed it within a week" in page
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


@pytest.mark.parametrize("comment", ["'=SUM(A1)", "''+1", "'-2 points", "'plain", "=x", "-"])
def test_every_comment_comes_back_as_written_through_an_export(comment):
    """Issue 30: a comment starting '= lost its apostrophe on export and re-import. The one
    rule, scalar and column-wise, agrees, and reading the file back undoes it exactly."""
    import pandas as pd

    from core.csv import spreadsheet_safe, spreadsheet_safe_column

    written = spreadsheet_safe(comment)
    assert spreadsheet_safe_column(pd.Series([comment])).iloc[0] == written
    data = "comment,value\n" + f'"{written}",1\n'
    assert read_table(data.encode()).loc[0, "comment"] == comment


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


class Body:
    """A request body of `length` bytes, made as it is read (a 2 GB upload is never held):
    the multipart head given, then filler. Counts what the server read of it."""

    def __init__(self, head: bytes, length: int):
        self.head, self.length, self.read_bytes = head, length, 0

    def read(self, size: int = -1) -> bytes:
        size = self.length - self.read_bytes if size < 0 else size
        size = min(size, self.length - self.read_bytes)
        start, self.read_bytes = self.read_bytes, self.read_bytes + size
        part = self.head[start : start + size]
        return part + b"x" * (size - len(part))

    def readline(self, size: int = -1) -> bytes:  # not used by the multipart parser
        return self.read(size)


def _post_declaring(client, length: int) -> tuple[str, Body]:
    """POST the upload form with a body of `length` bytes, declared: the form's field, then
    a file of figures filling the rest."""
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, ClientHandler, RequestFactory

    boundary = BOUNDARY.encode()
    head = (
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="kind"\r\n\r\nreturns\r\n'
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; '
        b'filename="huge.csv"\r\nContent-Type: text/csv\r\n\r\n'
        + (HEADER + "E08000017,A2,2016-17 Q2,85\n").encode()
    )
    body = Body(head, length)
    environ = RequestFactory()._base_environ(
        PATH_INFO="/imports/upload/",
        REQUEST_METHOD="POST",
        CONTENT_TYPE=MULTIPART_CONTENT,
        CONTENT_LENGTH=str(length),
        HTTP_COOKIE=client.cookies.output(header="", sep=";"),
    )
    environ["wsgi.input"] = body
    response = ClientHandler(enforce_csrf_checks=False)(environ)
    return " ".join(response.content.decode().split()), body


def test_an_upload_declaring_two_gigabytes_is_refused_without_reading_it(officer, client):
    """Issue 30, finding 8: 524 MB was read to its end (85.7 s) before it was refused."""
    said, body = _post_declaring(client, 2 * 1024**3)
    assert "The file is larger than 50 MB, the largest Outturn accepts" in said
    assert "refused at 2,048 MB" in said
    assert body.read_bytes < 1024 * 1024  # the form's fields and no more
    assert ImportBatch.objects.count() == 0


def test_an_upload_past_the_limit_is_not_read_past_it(officer, client, settings, monkeypatch):
    """Where the declared length does not refuse it (here: told to allow any), the file is
    stopped as it streams, at the limit, never drained to its end."""
    monkeypatch.setattr("imports.uploads.FORM_HEADROOM", 4 * 1024**3)
    settings.IMPORT_MAX_BYTES = 256 * 1024
    said, body = _post_declaring(client, 2 * 1024**3)
    assert "The file is larger than 256 KB" in said
    assert body.read_bytes < 256 * 1024 + 1024 * 1024  # the limit and a chunk or two read ahead
    assert ImportBatch.objects.count() == 0


def test_problems_are_held_as_columns_not_an_object_each(demo):
    """Issue 30, finding 6: memory grew with problems (4 million took 1,753 MB): each was a
    Python object. 400,000 problems are now a few megabytes of arrays (what Python itself
    allocates is traced; Arrow's text buffers are not, and are a few bytes a problem)."""
    import tracemalloc

    from imports.returns import check_returns

    table = read_table(b"authority,indicator,period,value\n" + b"x,y,z,w\n" * 100_000)
    tracemalloc.start()
    try:
        checked = check_returns(table)
        assert len(checked.problems) == 400_000
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40 * 1024 * 1024, f"{peak / 1e6:.0f} MB traced"
    first = checked.problems[0]
    assert (first.row, first.column, first.text) == (2, "authority", "x")


def test_uploads_a_killed_web_process_left_are_swept(settings, tmp_path):
    """Issue 30: a web worker killed mid-upload left its temporary file for ever."""
    import os
    import time

    from imports.tasks import sweep_left_uploads

    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.UPLOAD_LEFT_AFTER = 3600
    left = tmp_path / "tmpab12.upload.csv"
    left.write_bytes(b"x" * 1000)
    two_hours_ago = time.time() - 7200
    os.utime(left, (two_hours_ago, two_hours_ago))
    uploading = tmp_path / "tmpcd34.upload.csv"  # a request reading it now
    uploading.write_bytes(b"y")
    assert sweep_left_uploads() == 1
    assert not left.exists()
    assert uploading.exists()
    assert "sweep-left-uploads" in settings.CELERY_BEAT_SCHEDULE


def test_a_spooled_upload_goes_to_outturns_own_folder(officer, client, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploading")
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10  # spool even this small file
    upload(client, (HEADER + "E08000017,A2,2016-17 Q3,85\n").encode())
    assert (tmp_path / "uploading").is_dir()  # made when needed; emptied by Django after
