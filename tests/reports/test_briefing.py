"""The PDF briefing, read back as a person and a text extractor would read it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image

from reports.models import Briefing
from tests.http import close, paper, read_all

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

    from authorities.models import Authority
    from config.celery import app
    from demo.load import load_demo
    from indicators.models import Period
    from reports.briefing import assemble

    path = tmp_path_factory.mktemp("briefing") / "q2.pdf"
    eager, app.conf.task_always_eager = app.conf.task_always_eager, True  # as every test runs
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            with TestCase.captureOnCommitCallbacks(execute=True):
                load_demo()
            call_command("briefing", authority="Doncaster", period="2016-17 Q2", output=str(path))
            sections = assemble(
                Authority.objects.get(slug="doncaster"), Period.objects.get(code="2016-17 Q2")
            ).sections
            blocks = [_block_texts(section) for section in sections]
            transaction.set_rollback(True)
    finally:
        app.conf.task_always_eager = eager
    paper = Paper(path)
    paper.blocks = blocks  # what each exception block must keep on one page
    return paper


class Paper(type(Path())):
    """The PDF's path, with what its exception blocks hold (`blocks`)."""


def _block_texts(section) -> tuple[str, list[str]]:
    """A block's heading and the first words of each of its parts, last part last."""
    row = section["row"]
    parts = [f"Figures for {row.indicator.code}"]
    if row.challenge:
        parts += [
            text.split("\n")[0][:40]
            for text in (row.challenge.council_comment, row.challenge.provider_response)
            if text
        ]
    parts += [action.text[:40] for action, _ in section["actions"]]
    return f"{row.indicator.code} {row.indicator.name}", parts


def pages_of(path) -> list[str]:
    """Each page's text in reading order, whitespace folded (pages end in form feeds)."""
    raw = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [" ".join(page.split()) for page in raw.split("\f") if page.strip()]


def test_the_first_page_is_the_one_minute_summary(demo_briefing):
    first = pages_of(demo_briefing)[0]
    assert "Doncaster: Quarter 2 2016/17" in first
    assert "All categories 2 3 11 2 18" in first
    assert "Children in Care 0 1 4 0 5" in first
    assert "5 measures improved and 0 got worse" in first
    assert "Hard to shift (outside tolerance two or more quarters running): A2 Single" in first
    assert "cut-off 30 September 2016" in first
    # Issue 28, finding 5: why, where the quarter before holds only a reported status.
    text = " ".join(text_of(demo_briefing).split())
    assert "hard to shift: outside tolerance in Quarter 1 2016/17, as reported, and now" in text
    assert "At a glance, on the next page" in first
    assert "Context: volumetric measures" in first
    assert "E1 Contacts into social care (monthly average) 1,669 1,843 -174" in first


def test_the_second_page_is_the_seed_s_infographic(demo_briefing):
    """Issue 28, finding 14: the measures of concern and those performing well, each with its
    figure and target, in boxes a councillor takes in at a glance; real text, so a screen
    reader reads the same."""
    glance = pages_of(demo_briefing)[1]
    assert glance.startswith("Quarter 2 2016/17 at a glance") or "at a glance" in glance[:80]
    concern = glance[glance.index("✗ Of concern (4)") : glance.index("✓ Performing well (7)")]
    assert "✗ A2 Single assessments completed within 45 working days 82% target 92%" in concern
    assert "! C14" in concern
    well = glance[glance.index("✓ Performing well (7)") :]
    for code in ["A1", "A3", "A4", "A09", "B9", "B13", "F03"]:
        assert f"✓ {code} " in well
    assert "0.08 per 1,000 target 0.42 per 1,000" in well


def test_the_split_screen_has_every_area_the_seed_challenges(demo_briefing):
    """Issue 28, finding 14: the seed's five areas performing well that the demo lacked
    (A06, A09, B9, B13, F03) and its combined E20-22 entry, as split-screen rows: the measure
    and its figure, the council's comment and questions, the provider's response."""
    text = " ".join(pages_of(demo_briefing))
    good = text[text.index("Areas of good and improving performance: the council's challenge") :]
    good = good[: good.index("Context measures (volumetric): the council's challenge")]
    for code, words in [
        ("A06", "second-best quartile nationally"),
        ("A09", "sibling groups"),
        ("B9", "placement and sufficiency strategy"),
        ("B13", "sofa-surfing"),
        ("F03", "national youth justice database"),
    ]:
        assert f"{code} " in good, code
        assert words in good, code
    context = text[text.index("Context measures (volumetric): the council's challenge") :]
    for code in ["E1", "E20", "E21", "E22"]:
        assert f"{code} " in context, code
    assert "Overdue: Send the panel a note on health assessments" in context


def test_the_demo_quarter_fits_eight_pages_and_no_block_is_split(demo_briefing):
    pages = pages_of(demo_briefing)
    assert len(pages) <= 8
    assert len(demo_briefing.blocks) >= 4  # the measures of concern
    for heading, parts in demo_briefing.blocks:
        where = [page for page in pages if parts[0] in page]  # "Figures for A2"
        assert len(where) == 1, (heading, len(where))
        page = where[0]
        assert heading in page, (heading, "split from its figures")
        for part in parts[1:]:
            assert " ".join(part.split()) in page, (heading, part, "split from its block")


def test_no_page_is_an_empty_chart(demo_briefing):
    """Every page carries text beyond its running header and footer."""
    for number, page in enumerate(pages_of(demo_briefing), start=1):
        # The running header and footer are about 25 words.
        assert len(page.split()) > 100, f"page {number} is nearly empty: {page[:200]}"


def test_each_section_has_its_figures_and_commentary(demo_briefing):
    text = " ".join(text_of(demo_briefing).split())
    assert "A2 Single assessments completed within 45 working days ✗ Outside tolerance" in text
    assert "82% ✗ Outside" in text
    assert "Assessment timeliness has fallen again" in text
    assert "Three teams account for most of the drop" in text
    assert "Overdue: Report which teams are behind" in text
    assert "Every measure, Quarter 2 2016/17" in text
    assert "E1 Contacts into social care (monthly average) 1,669 1,843 -174" in text
    # Issue 28, finding 3: the report quotes England's 81.5% without a year
    assert "England 81.5% (period not stated by its source)" in text
    assert "81.5% period not stated" in text  # the appendix, its cell wrapped


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
    assert len(timings.charts) >= 4  # a chart for each measure of concern
    assert 5 < timings.pages <= 8


def test_a_quarter_with_no_data_says_so(demo, tmp_path):
    path = tmp_path / "empty.pdf"
    call_command("briefing", authority="E08000017", period="2019-20 Q3", output=str(path))
    text = " ".join(text_of(path).split())
    assert "There are no figures for Doncaster in Quarter 3 2019/20" in text


def test_the_quarter_page_offers_the_pdf(panel_member, client):
    response = paper(client, "/a/doncaster/q/2016-17-q2/briefing.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert read_all(response).startswith(b"%PDF")


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
    appendix = text[text.index("Every measure, Quarter 2 2016/17") :]
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
    assert "Doncaster: Quarter 2 2016/17" in text
    assert "Figures for A2" in text


def _database_url() -> str:
    from tests.workers import database_url

    return database_url()


def test_the_paper_as_presented_keeps_its_figures_and_todays_marks_the_revision(
    demo, client, django_capture_on_commit_callbacks, tmp_path
):
    """Presenting Q2 freezes its PDF. A2 is then revised from 82% to 93%: the paper as
    presented still says 82%, outside tolerance; today's paper says 93% and marks it, with
    what the panel saw."""
    from django.contrib.auth.models import User

    from indicators import writes
    from indicators.models import Value
    from scrutiny.models import Publication

    quarter = "/a/doncaster/q/2016-17-q2/"
    client.force_login(User.objects.get(username="officer"))
    asked = "Note the quarter's performance and agree A2 and A8 for a deep dive in March."
    client.post(f"{quarter}publish/", {"presented_on": "2016-12-06", "asked_to": asked})
    publication = Publication.objects.get()
    assert publication.asked_to == asked
    assert publication.paper.name.endswith(".pdf")
    value = Value.objects.get(
        indicator__code="A2", authority__slug="doncaster", period__code="2016-17 Q2"
    )
    value.value = 93
    with django_capture_on_commit_callbacks(execute=True):
        writes.save_value(value, reason="Late recording found")

    page = client.get(quarter).content.decode()
    link = f"{quarter}presented/{publication.pk}/paper.pdf"
    assert "The paper as presented on 6 December 2016 (PDF)" in page
    assert link in page
    response = client.get(link)
    assert response["Content-Type"] == "application/pdf"
    presented = _saved(response, tmp_path / "presented.pdf")
    close(response)
    then = pages_of(presented)
    assert "the paper as presented to the panel on 6 December 2016" in then[0]
    # Issue 28, finding 14: what the officer presenting asks of the panel, on page one
    assert f"The panel is asked to {asked}" in then[0]
    assert "✗ A2 Single assessments completed within 45 working days 82%" in then[1]
    assert "93%" not in " ".join(then)
    assert "‡" not in " ".join(then)

    today = _saved(paper(client, f"{quarter}briefing.pdf"), tmp_path / "today.pdf")
    now = " ".join(pages_of(today))
    assert "This quarter was presented to the panel on 6 December 2016." in now
    assert f"presented on 6 December 2016, the panel was asked to {asked}" in now
    assert "1 figure or status revised since then is marked ‡" in now
    assert (
        "‡ Revised since the panel saw it on 6 December 2016: then 82%, outside tolerance; "
        "now 93%, on or better than target." in now
    )


def _saved(response, path: Path) -> Path:
    path.write_bytes(read_all(response))
    return path


def test_a_measure_without_figures_gets_a_sentence_not_an_empty_chart(demo, tmp_path):
    """A new measure with a target, chosen for challenge before its first figure arrives."""
    from authorities.models import Authority
    from indicators.models import Category
    from scrutiny.models import ChallengeRecord
    from tests.factories import IndicatorFactory, TargetFactory, period

    doncaster = Authority.objects.get(slug="doncaster")
    new = IndicatorFactory(
        code="N1", name="Early help assessments closed", category=Category.objects.first()
    )
    TargetFactory(indicator=new, authority=doncaster, fiscal_year=2016, target=80, tolerance=70)
    ChallengeRecord.objects.create(
        authority=doncaster,
        indicator=new,
        period=period("2016-17 Q2"),
        classification="potential_concern",
        council_comment="The first return is due next quarter.",
    )
    path = tmp_path / "q2.pdf"
    call_command("briefing", authority="Doncaster", period="2016-17 Q2", output=str(path))
    pages = pages_of(path)
    block = next(page for page in pages if "Figures for N1" in page)
    assert "There are no figures for this measure yet, so there is no chart." in block
    assert "No figures yet." in block
    assert "The first return is due next quarter." in block
    assert len(pages) <= 8


def test_a_briefing_that_overruns_its_limit_fails_with_a_clear_message(demo, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    from authorities.models import Authority
    from reports.tasks import build_briefing

    def overrun(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr("reports.briefing.render_pdf", overrun)
    briefing = Briefing.objects.create(
        authority=Authority.objects.get(slug="doncaster"), period_codes=["2016-17 Q2"]
    )
    assert build_briefing.apply(args=[briefing.pk]).get() == "failed"
    briefing.refresh_from_db()
    assert briefing.message.startswith("The briefing was stopped after 2 minutes")


def test_a_briefing_no_worker_picks_up_stops_refreshing_and_says_so(demo, panel_member, client):
    from datetime import timedelta

    from django.utils import timezone

    from authorities.models import Authority

    briefing = Briefing.objects.create(
        authority=Authority.objects.get(slug="doncaster"), period_codes=["2016-17 Q2"]
    )
    page = client.get(f"/briefings/{briefing.pk}/").content.decode()
    assert "data-progress" in page
    Briefing.objects.filter(pk=briefing.pk).update(
        requested_at=timezone.now() - timedelta(minutes=6)
    )
    page = " ".join(client.get(f"/briefings/{briefing.pk}/").content.decode().split())
    assert "data-progress" not in page
    assert "a worker has not finished it in five minutes" in page


def test_only_installed_fonts_are_asked_for(caplog):
    """Issue 30: a missing-font warning was logged for every chart in a paper."""
    import matplotlib

    from reports.static_charts import installed

    assert installed(["No Such Sans", "DejaVu Sans"]) == ["DejaVu Sans"]
    assert installed(["No Such Sans"]) == ["DejaVu Sans"]
    assert "No Such Sans" not in matplotlib.rcParams["font.family"]
    assert all(family in installed([family]) for family in matplotlib.rcParams["font.family"])


def test_a_quarters_paper_shows_nothing_from_after_it(england, demo, tmp_path):
    """Issue 28, finding 1, and its 'done when': after a Quarter 3 2016/17 return, the Quarter 2
    paper and the paper as presented chart no Q3 point (A2 was 82% -> 87%, A3 96% -> 97%), and
    England's series stops at 2015/16 (it ran to 2024/25), the charts' own text included; the
    paper states its cut-off."""
    import re
    from datetime import date

    from authorities.models import Authority
    from imports import service
    from indicators.models import Period
    from reports.briefing import present

    service.apply(
        service.stage("returns", (england / "values.csv").read_bytes(), "values.csv").batch
    )
    q3 = (
        "authority,indicator,period,value\nE08000017,A2,2016-17 Q3,87\nE08000017,A3,2016-17 Q3,97\n"
    )
    service.apply(service.stage("returns", q3.encode(), "q3.csv").batch)
    doncaster, q2 = Authority.objects.get(slug="doncaster"), Period.objects.get(code="2016-17 Q2")
    path = tmp_path / "q2.pdf"
    call_command("briefing", authority="Doncaster", period="2016-17 Q2", output=str(path))
    publication, _ = present(doncaster, q2, None, date(2016, 12, 6))
    presented = tmp_path / "presented.pdf"
    with publication.paper.open("rb") as stored:
        presented.write_bytes(stored.read())
    for pdf in (path, presented):
        text = " ".join(text_of(pdf).split())
        assert "cut-off 30 September 2016" in text
        # Issue 28, finding 2: a related national measure's figures carry the difference.
        assert "† A09 is compared on CPP-REPEAT, a related measure: DfE counts a plan" in text
        assert "Quarter 3 2016/17" not in text
        assert "Quarter 4 2016/17" not in text
        assert not re.findall(r"20(?:1[7-9]|2\d)/\d\d", text), re.findall(r"20\d\d/\d\d", text)
