"""The PDF briefing, read back as a person and a text extractor would read it."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from django.core.management import call_command
from PIL import Image

from reports.models import Briefing
from tests.http import close

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def poppler():
    if not shutil.which("pdftotext"):
        if os.environ.get("CI"):
            pytest.fail("CI needs poppler-utils (pdftotext, pdftoppm)")
        pytest.skip("poppler-utils is not installed")


def text_of(path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture(scope="module")
def demo_briefing(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo's Q2 briefing, built once for the module (it is the slowest thing the suite
    makes) in a transaction that is rolled back, so no test sees the other's data."""
    from django.db import transaction
    from django.test import TestCase

    from config.celery import app
    from demo.load import load_demo

    path = tmp_path_factory.mktemp("briefing") / "q2.pdf"
    eager, app.conf.task_always_eager = app.conf.task_always_eager, True  # as every test runs
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            with TestCase.captureOnCommitCallbacks(execute=True):
                load_demo()
            call_command("briefing", authority="Doncaster", period="2016-17 Q2", output=str(path))
            transaction.set_rollback(True)
    finally:
        app.conf.task_always_eager = eager
    return path


def test_the_summary_counts_and_hard_to_shift_are_in_the_text(demo_briefing):
    text = " ".join(text_of(demo_briefing).split())
    assert "Children's services performance: Quarter 2 2016/17" in text
    assert "All categories 2 3 11 2 18" in text
    assert "Children in Care 0 1 4 0 5" in text
    assert "Hard to shift • A2 Single assessments completed within 45 working days" in text


def test_each_section_has_its_figures_and_commentary(demo_briefing):
    text = " ".join(text_of(demo_briefing).split())
    assert "A2 Single assessments completed within 45 working days ✗ Outside tolerance" in text
    assert "Quarter 2 2016/17 82%" in text
    assert "Assessment timeliness has fallen again" in text
    assert "Three teams account for most of the drop" in text
    assert "Overdue: Report which teams are behind" in text
    assert "Appendix: every measure" in text
    assert "E1 Contacts into social care (monthly average) 1,669 1,843 -174" in text


def test_every_page_is_numbered_and_the_pdf_is_tagged(demo_briefing):
    info = subprocess.run(["pdfinfo", str(demo_briefing)], capture_output=True, text=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages")))
    assert "Tagged:          yes" in info
    text = text_of(demo_briefing)
    for page in range(1, pages + 1):
        assert f"Page {page} of {pages}" in text


def test_page_one_renders_as_an_image_that_is_not_blank(demo_briefing, tmp_path):
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "40",
            "-f",
            "1",
            "-l",
            "1",
            str(demo_briefing),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    image = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    dark = sum(1 for pixel in image.get_flattened_data() if pixel < 128)
    assert dark > 500  # the heading and the cover's details are there


def test_charts_are_drawn_into_the_measure_sections(demo, tmp_path):
    from authorities.models import Authority
    from indicators.models import Period
    from reports.briefing import BriefingTimings, render_pdf

    timings = BriefingTimings()
    render_pdf(
        Authority.objects.get(slug="doncaster"), [Period.objects.get(code="2016-17 Q2")], timings
    )
    assert len(timings.charts) >= 6
    assert timings.pages > 5


def test_a_quarter_with_no_data_says_so(demo, tmp_path):
    path = tmp_path / "empty.pdf"
    call_command("briefing", authority="E08000017", period="2019-20 Q3", output=str(path))
    text = " ".join(text_of(path).split())
    assert "There are no figures for Doncaster in Quarter 3 2019/20" in text


def test_the_quarter_page_offers_the_pdf(panel_member, client):
    response = client.get("/a/doncaster/q/2016-17-q2/briefing.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_a_year_is_built_in_the_background_with_progress(
    demo, client, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import User

    client.force_login(User.objects.get(username="officer"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/a/doncaster/y/2016-17/briefing/")
    briefing = Briefing.objects.get()
    assert response.url == f"/briefings/{briefing.pk}/"
    assert briefing.period_codes == ["2016-17 Q1", "2016-17 Q2", "2016-17 Q3", "2016-17 Q4"]
    page = client.get(response.url).content.decode()
    assert "Download the PDF" in page  # eager in tests: already built
    download = client.get(f"/briefings/{briefing.pk}/download/")
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    close(download)


def test_bad_briefing_arguments_are_explained(demo, tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="is a month"):
        call_command("briefing", authority="Doncaster", period="2016-07", output=str(tmp_path))
    with pytest.raises(CommandError, match='"Nowhere"'):
        call_command("briefing", authority="Nowhere", period="2016-17 Q2", output=str(tmp_path))


def test_a_stored_briefing_is_marked_out_of_date_when_what_it_used_changes(
    demo, client, monkeypatch, django_capture_on_commit_callbacks
):
    """A year briefing built before a target change said A1 was hard to shift and 'Ready'."""
    from django.contrib.auth.models import User

    from indicators import writes
    from indicators.models import Target

    monkeypatch.setattr("reports.briefing.render_pdf", lambda *args, **kwargs: b"%PDF-1.7")
    client.force_login(User.objects.get(username="officer"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/a/doncaster/y/2016-17/briefing/")
    page = " ".join(client.get(response.url).content.decode().split())
    assert "Ready" in page
    assert "Out of date" not in page
    target = Target.objects.get(indicator__code="A2", fiscal_year=2016)
    target.target, target.tolerance = 80, 75
    with django_capture_on_commit_callbacks(execute=True):
        writes.save_target(target, reason="New contract")
    page = " ".join(client.get(response.url).content.decode().split())
    assert "Out of date." in page
    assert "Ready" not in page


def test_the_page_the_export_and_the_pdf_say_the_same_for_every_measure(
    demo_briefing, panel_member, client
):
    """Every measure of the demo's Q2: the same figure, at the same rounding, and the same
    status, on the quarter page, in export_quarter's CSV and in the PDF's appendix."""
    import csv
    import io
    import re

    from django.utils.html import strip_tags

    from indicators.rules import Status
    from indicators.templatetags.outturn import figure

    table = client.get("/a/doncaster/q/2016-17-q2/").context["table"]
    page = {
        row.record.indicator.code: (
            " ".join(strip_tags(str(row.get_cell("this_quarter"))).split()),
            " ".join(strip_tags(str(row.get_cell("status"))).split()),
        )
        for row in table.rows
    }
    out = io.StringIO()
    call_command("export_quarter", authority="E08000017", period="2016-17 Q2", stdout=out)
    exported = {row["indicator"]: row for row in csv.DictReader(io.StringIO(out.getvalue()))}
    raw = subprocess.run(
        ["pdftotext", "-raw", str(demo_briefing), "-"], capture_output=True, text=True, check=True
    ).stdout  # reading order: a wrapped cell stays whole
    text = " ".join(raw.split())
    appendix = text[text.index("Appendix: every measure") :]
    codes = [row.record.indicator for row in table.rows]
    assert len(codes) == 18
    for indicator in codes:
        shown, status = page[indicator.code]
        row = exported[indicator.code]
        if row["value"]:
            assert shown.startswith(figure(float(row["value"]), indicator)), indicator.code
        label = Status(row["status"]).label
        if row["status_reported"] == "true":
            label = f"Reported: {label.lower()}"
        assert label in status, indicator.code
        start = appendix.index(f"{indicator.code} {indicator.name}")
        line = appendix[start : start + 400]
        following = re.search(r" (?:[A-F]\d+|[A-Z]+-[A-Z]+) [A-Z][a-z]", line[3:])
        line = line[: following.start() + 3] if following else line
        figure_shown = shown.split()[0] if row["value"] else "–"
        assert f" {figure_shown} " in f"{line} ", (indicator.code, line)
        assert label in line, (indicator.code, line)


@pytest.mark.django_db(transaction=True)
def test_the_briefing_command_needs_no_browser(demo, tmp_path):
    """No Chromium on PATH and no kaleido importable: the command finishes (it hung for ever)
    and its charts are drawn."""
    import sys

    env = {**os.environ, "PATH": "/nonexistent", "DATABASE_URL": _database_url()}
    script = (
        "import sys; sys.modules['kaleido'] = None\n"  # any import of kaleido now fails
        "import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
        "django.setup()\n"
        "from django.core.management import call_command\n"
        f"call_command('briefing', authority='Doncaster', period='2016-17 Q2', "
        f"output={str(tmp_path / 'q2.pdf')!r})\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert shutil.which("chromium", path="/nonexistent") is None
    text = " ".join(text_of(tmp_path / "q2.pdf").split())
    assert "Children's services performance: Quarter 2 2016/17" in text


def _database_url() -> str:
    from tests.workers import database_url

    return database_url()
