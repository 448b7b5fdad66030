"""Issue 32: child-level returns in, DfE's headline indicators out, nothing about a child
kept. Each definition is proved on a small return written by hand whose answer is known."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from imports import service
from imports.models import ImportBatch
from indicators.models import Indicator, Value
from tests.conftest import unpack
from tests.imports.child_level_files import cin, csv

pytestmark = pytest.mark.django_db

CHILD_ID = "SECRET-CHILD-0001"  # never to be found anywhere after an import
UPN = "Z999888777666"
DOB = "2009-11-23"


def figures(period: str | None = None) -> dict[str, Value]:
    """The council's own figures, by national code, for `period` (else the latest year)."""
    values = Value.objects.filter(authority__code="E08000017", indicator__code__endswith="-OWN")
    if period is None:
        period = values.filter(period__kind="year").order_by("-period__end").first().period.code
    values = values.filter(period__code=period)
    return {v.indicator.code.removesuffix("-OWN"): v for v in values.select_related("indicator")}


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def stage_and_apply(kind, data, name, **options):
    staged = service.stage(kind, data, name, options={"authority": "E08000017", **options})
    assert not staged.problems, [str(p) for p in staged.problems]
    batch = service.apply(staged.batch)
    assert batch.state == ImportBatch.State.APPLIED, batch.message
    return staged


# Re-referrals: the year 2017-18, last year's return given ------------------------------------

LAST_YEAR = cin(
    "2017-03-31",
    [
        {"id": f"C{n}", "referrals": [{"date": "2016-06-01", "closure": "2016-07-01"}]}
        for n in "ABC"
    ],
)
THIS_YEAR = cin(
    "2018-03-31",
    [
        {"id": "CA", "referrals": [{"date": "2017-05-31"}]},  # 364 days on: a re-referral
        {"id": "CB", "referrals": [{"date": "2017-06-02"}]},  # 366 days on: not
        {"id": "CC", "referrals": [{"date": "2017-06-01"}]},  # 365: exactly 12 months: counts
        {"id": "CD", "referrals": [{"date": "2017-09-09"}]},  # a first referral
    ],
)


def test_a_re_referral_is_within_12_months_of_the_last(england):
    both = zipped({"2016.xml": LAST_YEAR, "2017.xml": THIS_YEAR})
    staged = stage_and_apply("cin", both, "cin.zip")
    found = figures()
    assert found["CIN-REFS"].value == 4
    rereferrals = found["CIN-REREF"]
    assert (rereferrals.numerator, rereferrals.denominator, rereferrals.value) == (2, 4, 50.0)
    assert rereferrals.period.code == "2017-18"
    assert "The council's own calculation" in rereferrals.note
    assert staged.batch.kind == "cin"


def test_without_last_year_s_return_re_referrals_are_not_computed_and_it_says_why(england):
    staged = stage_and_apply("cin", THIS_YEAR, "2017.xml")
    assert any("needs the previous year's CIN census" in note for note in staged.notes)
    assert "CIN-REREF" not in figures()
    assert figures()["CIN-REFS"].value == 4


def test_an_in_year_extract_gives_the_12_months_to_each_quarter_end_it_covers(england):
    """With last year's census, a census extract taken on 31 December 2017 gives figures for
    the 12 months to 30 June, 30 September and 31 December 2017, each saying so."""
    extract = cin(
        "2017-12-31",
        [
            {"id": "CA", "referrals": [{"date": "2017-05-31"}]},
            {"id": "CD", "referrals": [{"date": "2017-11-09", "plans": [("2015-12-31", "", 0)]}]},
        ],
    )
    stage_and_apply("cin", zipped({"2016.xml": LAST_YEAR, "extract.xml": extract}), "cin.zip")
    q1, q3 = figures("2017-18 Q1"), figures("2017-18 Q3")
    assert q1["CIN-REFS"].value == 1  # 1 July 2016 to 30 June 2017: CA's second referral
    assert q1["CIN-REFS"].note.endswith("the 12 months to 30 June 2017.")
    assert q3["CIN-REFS"].value == 2
    assert q3["CPP-2YRS"].note.endswith("at 31 December 2017.")
    assert q3["CPP-2YRS"].value == 100.0  # begun 31 December 2015: two years that day
    assert "CIN-REREF" not in q1  # 12 months before 1 July 2016 are not in the files
    assert figures("2016-17")["CIN-REFS"].value == 3  # the year last year's census covers
    assert not Value.objects.filter(period__code="2017-18").exists()  # the year is not over


# Assessments within 45 working days ------------------------------------------------------------


def test_an_assessment_on_the_45th_working_day_counts_with_bank_holidays_between(england):
    """Referred on Thursday 13 April 2017: Good Friday, Easter Monday, the May Day and spring
    bank holidays and every weekend fall before the 45th working day, 21 June 2017."""
    by_hand = ["2017-04-14", "2017-04-17", "2017-05-01", "2017-05-29"]
    assert np.busday_offset("2017-04-13", 45, holidays=by_hand) == np.datetime64("2017-06-21")
    referral = "2017-04-13"
    children = [
        {"id": "A1", "referrals": [{"date": referral, "assessments": [(referral, "2017-06-21")]}]},
        {"id": "A2", "referrals": [{"date": referral, "assessments": [(referral, "2017-06-22")]}]},
    ]
    stage_and_apply("cin", cin("2018-03-31", children), "2017.xml")
    timely = figures()["CIN-ASSESS45"]
    assert (timely.numerator, timely.denominator, timely.value) == (1, 2, 50.0)
    national = Indicator.objects.get(code="CIN-ASSESS45-OWN")
    assert (national.benchmark.code, national.benchmark_match) == ("CIN-ASSESS45", "same")


# Protection plans ----------------------------------------------------------------------------


def test_a_plan_open_on_31_march_after_exactly_two_years_counts(england):
    plans = [
        ("2015-03-31", "", 0),  # exactly two years on 31 March 2017: counts
        ("2015-04-01", "", 0),  # a day short
        ("2014-01-01", "2017-03-31", 0),  # ended on 31 March: not open at its end
    ]
    children = [
        {"id": f"P{n}", "referrals": [{"date": "2014-01-01", "plans": [plan]}]}
        for n, plan in enumerate(plans)
    ]
    stage_and_apply("cin", cin("2017-03-31", children), "2016.xml")
    long = figures()["CPP-2YRS"]
    assert (long.numerator, long.denominator, long.value) == (1, 2, 50.0)


def test_a_second_or_later_plan_is_counted_from_its_number_of_previous_plans(england):
    children = [
        {"id": f"R{n}", "referrals": [{"date": "2016-05-01", "plans": [("2016-06-01", "", n)]}]}
        for n in range(3)
    ]
    children.append(  # a plan that began before the year is not one of the year's
        {"id": "R9", "referrals": [{"date": "2015-05-01", "plans": [("2015-06-01", "", 4)]}]}
    )
    stage_and_apply("cin", cin("2017-03-31", children), "2016.xml")
    repeat = figures()["CPP-REPEAT"]
    assert (repeat.numerator, repeat.denominator, repeat.value) == (2, 3, 66.7)


# The SSDA903 ---------------------------------------------------------------------------------

HEADER = csv("CHILD,SEX,DOB,UPN", [f"{n},1,01/01/2008,{UPN}" for n in (1, 2, 3, 4)])
EPISODES = csv(
    "CHILD,DECOM,RNE,LS,CIN,PLACE,DEC,REC,HOME_POST,PL_POST",
    [
        "1,01/05/2016,S,C2,N1,U1,01/08/2016,P1,AB1 2CD,EF3 4GH",  # three placements
        "1,01/08/2016,P,C2,N1,U1,01/12/2016,P1,,",
        "1,01/12/2016,P,C2,N1,U1,,,,",
        "2,01/01/2015,S,C2,N1,U1,01/06/2016,X1,,",  # in care all year, one placement:
        "2,01/06/2016,L,C1,N1,U1,01/09/2016,X1,,",  # a change of legal status only,
        "2,01/09/2016,T,C1,N1,U1,,,,",  # and a move to or from a temporary placement
        "3,01/04/2016,S,V2,N1,U1,01/10/2016,E11,,",  # left care in the year
    ],
)
OC3 = csv(
    "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM",
    [
        "1,01/01/1997,YES,F1,B1",  # in higher education, suitably housed
        "2,01/01/1997,YES,P4,K1",  # working part time, suitably housed
        "3,01/01/1996,YES,G5,B2",  # not in education, employment or training; unsuitable
        "4,01/01/1997,NO,0,0",  # not in touch: counts in the whole, as DfE counts
    ],
)


def test_placements_looked_after_children_and_care_leavers(england):
    files = {"header.csv": HEADER, "episodes.csv": EPISODES, "oc3.csv": OC3}
    staged = stage_and_apply("ssda903", zipped(files), "903.zip", year="2016-17")
    found = figures()
    assert found["CLA-COUNT"].value == 2
    three = found["CLA-3PLUS"]
    assert (three.numerator, three.denominator, three.value) == (1, 2, 50.0)
    assert (found["CL-SUITACC"].numerator, found["CL-SUITACC"].denominator) == (2, 4)
    assert (found["CL-EET"].numerator, found["CL-EET"].value) == (2, 50.0)
    lacking = "CLA-LTSTAB not computed for the periods ending 31 March 2017"
    assert any(lacking in note for note in staged.notes)


def test_overlapping_episodes_are_refused_where_they_are_and_never_by_value(england):
    episodes = csv(
        "CHILD,DECOM,RNE,LS,DEC,REC",
        [f"{CHILD_ID},01/05/2016,S,C2,01/08/2016,P1", f"{CHILD_ID},01/07/2016,P,C2,,"],
    )
    staged = service.stage(
        "ssda903",
        zipped({"episodes.csv": episodes}),
        "903.zip",
        options={"authority": "E08000017", "year": "2016-17"},
    )
    messages = [str(p) for p in staged.problems]
    assert messages == ["episodes, row 3, DECOM: begins before the child's previous episode ended"]
    assert not Value.objects.exists()


def test_a_closure_before_its_referral_is_refused_where_it_is(england):
    child = {"id": CHILD_ID, "referrals": [{"date": "2016-06-01", "closure": "2016-05-01"}]}
    staged = service.stage("cin", cin("2017-03-31", [child]), "2016.xml", options={})
    assert [str(p) for p in staged.problems] == [
        "2016.xml: child record 1, referral 1, CINclosureDate: is before the referral"
    ]


# Nothing about a child is kept -----------------------------------------------------------------


def _everything_stored(tmp_media) -> str:
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    texts = [out.getvalue()]
    for path in Path(tmp_media).rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".gz":
                import gzip

                data = gzip.decompress(data)
            texts.append(data.decode("utf-8", "replace"))
    return "\n".join(texts)


def _cached() -> str:
    """Everything in the cache (the suite's is the local-memory cache: its values are
    pickles, whose text is searched as bytes)."""
    from django.core.cache import cache

    held = getattr(cache, "_cache", {})
    return " ".join(bytes(v).decode("latin-1") for v in held.values() if isinstance(v, bytes))


@pytest.mark.parametrize("refused", [False, True])
def test_an_ssda903_leaves_no_child_identifier_anywhere(
    england, settings, tmp_path, caplog, refused
):
    settings.MEDIA_ROOT = tmp_path
    caplog.set_level("DEBUG")
    postcode = "ZZ9 9ZZ"
    ends = "01/04/2016" if refused else "01/08/2016"  # refused: it ends before it began
    header = csv("CHILD,SEX,DOB,UPN", [f"{CHILD_ID},1,23/11/2009,{UPN}"])
    episodes = csv(
        "CHILD,DECOM,RNE,LS,DEC,REC,HOME_POST,PL_POST",
        [f"{CHILD_ID},01/05/2016,S,C2,{ends},P1,{postcode},{postcode}"],
    )
    files = {"header.csv": header, "episodes.csv": episodes}
    staged = service.stage(
        "ssda903", zipped(files), "903.zip", options={"authority": "E08000017", "year": "2016-17"}
    )
    assert bool(staged.problems) == refused
    if not refused:
        service.apply(staged.batch)
    stored = _everything_stored(tmp_path) + caplog.text + _cached()
    stored += " ".join(str(p) for p in staged.problems) + " ".join(staged.notes)
    for secret in [CHILD_ID, UPN, "23/11/2009", postcode]:
        assert secret not in stored


@pytest.mark.parametrize("refused", [False, True])
def test_no_child_identifier_is_kept_anywhere(england, settings, tmp_path, caplog, refused):
    settings.MEDIA_ROOT = tmp_path
    caplog.set_level("DEBUG")
    closure = "2016-05-01" if refused else "2016-07-01"
    referrals = [{"date": "2016-06-01", "closure": closure}]
    child = {"id": CHILD_ID, "upn": UPN, "dob": DOB, "referrals": referrals}
    staged = service.stage("cin", cin("2017-03-31", [child]), f"{CHILD_ID}.xml", options={})
    if not refused:
        service.apply(staged.batch)
    stored = _everything_stored(tmp_path) + caplog.text
    stored += " ".join(str(p) for p in staged.problems) + " ".join(staged.notes)
    stored += _cached()
    for secret in [UPN, DOB]:
        assert secret not in stored
    # The file's name is the officer's (here, deliberately, a child's id): the one place it
    # appears is the import's own name, so name files by return, not by child.
    assert stored.count(CHILD_ID) == stored.count(f"{CHILD_ID}.xml")


# The command line, and DfE's fake returns ------------------------------------------------------


def test_the_command_reads_the_kind_from_the_files(england, tmp_path, capsys):
    (tmp_path / "2016.xml").write_bytes(LAST_YEAR)
    (tmp_path / "2017.xml").write_bytes(THIS_YEAR)
    call_command(
        "import_returns", str(tmp_path / "2016.xml"), str(tmp_path / "2017.xml"),
        authority="E08000017",
    )  # fmt: skip
    assert "imported" in capsys.readouterr().out
    assert figures()["CIN-REREF"].value == 50.0


SHARED_CHILD_LEVEL = Path(
    os.environ.get(
        "OUTTURN_SHARED_CHILD_LEVEL",
        Path(__file__).resolve().parents[3] / "shared" / "data" / "child-level",
    )
)
# A fresh clone's copy of the same fake returns, gzipped (tests/data/child-level/README.md).
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "child-level"


@pytest.fixture
def fake_returns(tmp_path) -> Path:
    if SHARED_CHILD_LEVEL.exists():
        return SHARED_CHILD_LEVEL
    if os.environ.get("CI"):
        pytest.fail("CI needs ../shared/data/child-level")
    unpack(SAMPLE, tmp_path)
    return tmp_path


def test_dfe_s_fake_returns_are_checked_and_yield_figures(england, fake_returns):
    """The validators' fake returns are generated, not curated: the SSDA903 has 72
    overlapping episodes, each refused where it is; without those children it imports."""
    census = (fake_returns / "cin" / "fake_CIN_data.xml").read_bytes()
    staged = service.stage("cin", census, "fake.xml", options={"authority": "E08000017"})
    assert [str(p) for p in staged.problems] == [
        "The census covers 1 April 2022 to 21 July 2022: no 12 months to a quarter's end. "
        "Give last year's census with it."
    ]  # its reference date is the day it was generated; its <Year> is 2022
    census = census.replace(b"2022-07-21</ReferenceDate>", b"2022-03-31</ReferenceDate>")
    stage_and_apply("cin", census, "fake_CIN_data.xml")
    assert figures()["CIN-REFS"].value > 0
    tables = {p.name: p.read_bytes() for p in (fake_returns / "ssda903").glob("*.csv")}
    staged = service.stage("ssda903", zipped(tables), "903.zip", options={"authority": "E08000017"})
    assert len(staged.problems) == 72
    import pandas as pd

    episodes = pd.read_csv(io.BytesIO(tables["episodes.csv"]), dtype=str)
    bad = {int(str(p).split("row ")[1].split(",")[0]) - 2 for p in staged.problems}
    drop = set(episodes.iloc[sorted(bad)]["CHILD"])
    tables["episodes.csv"] = episodes[~episodes["CHILD"].isin(drop)].to_csv(index=False).encode()
    stage_and_apply("ssda903", zipped(tables), "903-clean.zip")
    looked_after = Value.objects.get(indicator__code="CLA-COUNT-OWN", period__kind="year")
    assert looked_after.value > 0
    assert figures(looked_after.period.code)["CL-EET"].denominator > 0


def test_the_council_s_own_calculation_stands_beside_dfe_s_and_never_replaces_it(
    published, admin_client
):
    """Both are shown, with the difference: the reconciliation analysts do by hand."""
    dfe = Value.objects.get(
        authority__code="E08000017", indicator__code="CIN-REREF", period__code="2015-16"
    )
    earlier = cin("2015-03-31", [{"id": "X", "referrals": [{"date": "2014-06-01"}]}])
    later = cin(
        "2016-03-31",
        [
            {"id": "X", "referrals": [{"date": "2015-05-01"}]},
            {"id": "Y", "referrals": [{"date": "2015-05-01"}]},
        ],
    )
    stage_and_apply("cin", zipped({"a.xml": earlier, "b.xml": later}), "cin.zip")
    assert Value.objects.get(pk=dfe.pk).value == dfe.value  # DfE's figure is untouched
    response = admin_client.get("/a/doncaster/m/CIN-REREF-OWN/")
    row = next(r for r in response.context["national"] if r.period.code == "2015-16")
    assert (row.own, row.mine) == (dfe.value, 50.0)
    assert row.difference == 50.0 - dfe.value
    html = " ".join(response.content.decode().split())
    assert "CIN-REREF-OWN against DfE&#x27;s" in html or "CIN-REREF-OWN against DfE's" in html
    assert f"{50.0 - dfe.value:.1f} points above" in html


def test_a_local_measure_with_the_same_definition_takes_the_figure_too(england, demo):
    """Doncaster's A1 (re-referrals in the last 12 months) is DfE's CIN-REREF: its
    Quarter 2 2016/17 figure becomes the census's 12 months to 30 September 2016."""
    before = cin("2015-03-31", [{"id": "V", "referrals": [{"date": "2014-06-01"}]}])
    earlier = cin("2016-03-31", [{"id": "X", "referrals": [{"date": "2015-12-01"}]}])
    extract = cin(
        "2016-09-30",
        [
            {"id": "X", "referrals": [{"date": "2016-08-01"}]},  # within 12 months
            {"id": "Y", "referrals": [{"date": "2016-08-01"}]},
            {"id": "Z", "referrals": [{"date": "2016-09-01"}]},
            {"id": "W", "referrals": [{"date": "2016-09-02"}]},
        ],
    )
    files = {"2014.xml": before, "2015.xml": earlier, "extract.xml": extract}
    staged = stage_and_apply("cin", zipped(files), "cin.zip")
    a1 = Value.objects.get(
        authority__code="E08000017", indicator__code="A1", period__code="2016-17 Q2"
    )
    assert (a1.numerator, a1.denominator) == (1, 5)  # X's December referral is in the 12 months
    assert a1.value == 20.0
    assert "the 12 months to 30 September 2016" in a1.note
    assert staged.counts["changed"] >= 1  # it was 24 as reported: a change the preview showed


def test_rates_per_10000_need_the_population_an_admin_enters(england):
    from authorities.models import Authority, Population

    children = [
        {"id": "O1", "referrals": [{"date": "2016-05-01"}]},  # open at 31 March
        {"id": "O2", "referrals": [{"date": "2016-05-01", "closure": "2017-03-31"}]},  # not
    ]
    staged = stage_and_apply("cin", cin("2017-03-31", children), "2016.xml")
    assert any("CIN-RATE" in note and "population aged 0-17" in note for note in staged.notes)
    assert "CIN-RATE" not in figures("2016-17")
    Population.objects.create(
        authority=Authority.objects.get(code="E08000017"), fiscal_year=2016, children=62_500
    )
    files = {"header.csv": HEADER, "episodes.csv": EPISODES, "oc3.csv": OC3}
    stage_and_apply("ssda903", zipped(files), "903.zip", year="2016-17")
    stage_and_apply("cin", cin("2017-03-31", children), "2016-again.xml")
    found = figures("2016-17")
    assert (found["CIN-RATE"].numerator, found["CIN-RATE"].denominator) == (1, 62_500)
    assert found["CIN-RATE"].value == 0.2  # 1 in 62,500 is 0.16 per 10,000
    assert (found["CLA-RATE"].numerator, found["CLA-RATE"].value) == (2, 0.3)


def _903_xml(episodes: bytes, oc3: bytes) -> bytes:
    """The same return as DfE's SSDA903 XML: a <CHILD> per child, its <EPISODE>s and <OC3>."""
    import pandas as pd

    table = pd.read_csv(io.BytesIO(episodes), dtype=str, keep_default_na=False)
    leavers = pd.read_csv(io.BytesIO(oc3), dtype=str, keep_default_na=False)
    parts = ["<?xml version='1.0'?><EXPSSDA903>"]
    for child in sorted(set(table["CHILD"]) | set(leavers["CHILD"])):
        parts.append(f"<CHILD><HEADER><CHILDID>{child}</CHILDID><DOB>{DOB}</DOB></HEADER>")
        for row in table[table["CHILD"] == child].itertuples():
            fields = ["DECOM", "RNE", "LS", "DEC", "REC"]
            parts.append(
                "<EPISODE>"
                + "".join(f"<{f}>{getattr(row, f)}</{f}>" for f in fields)
                + "</EPISODE>"
            )
        for row in leavers[leavers["CHILD"] == child].itertuples():
            fields = ["IN_TOUCH", "ACTIV", "ACCOM"]
            parts.append(
                "<OC3>" + "".join(f"<{f}>{getattr(row, f)}</{f}>" for f in fields) + "</OC3>"
            )
        parts.append("</CHILD>")
    parts.append("</EXPSSDA903>")
    return "".join(parts).encode()


def test_the_ssda903_as_xml_gives_the_same_figures_as_its_tables(england, tmp_path, capsys):
    xml = _903_xml(EPISODES, OC3)
    (tmp_path / "903.xml").write_bytes(xml)
    call_command(
        "import_returns", str(tmp_path / "903.xml"), authority="E08000017", year="2016-17"
    )  # the kind read from the file
    assert "imported" in capsys.readouterr().out
    found = figures("2016-17")
    assert found["CLA-COUNT"].value == 2
    assert (found["CLA-3PLUS"].numerator, found["CLA-3PLUS"].denominator) == (1, 2)
    assert (found["CL-SUITACC"].numerator, found["CL-EET"].numerator) == (2, 2)
    overlapping = csv(
        "CHILD,DECOM,RNE,LS,DEC,REC", ["7,01/05/2016,S,C2,01/08/2016,P1", "7,01/07/2016,P,C2,,"]
    )
    staged = service.stage(
        "ssda903", _903_xml(overlapping, csv("CHILD,IN_TOUCH,ACTIV,ACCOM", [])), "bad.xml",
        options={"authority": "E08000017", "year": "2016-17"},
    )  # fmt: skip
    assert [str(p) for p in staged.problems] == [
        "bad.xml: child record 1, episode 2, DECOM: "
        "begins before the child's previous episode ended"
    ]


def test_an_officer_uploads_a_census_previews_its_figures_and_confirms(
    england, officer, client, django_capture_on_commit_callbacks
):
    """From the upload page: the officer's own authority is the return's; the preview shows
    the figures the census gives; confirming stores them; the file is not kept."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = client.get("/imports/upload/").content.decode()
    assert "A child-level return (the CIN census or the SSDA903)" in page
    both = zipped({"2016.xml": LAST_YEAR, "2017.xml": THIS_YEAR})
    response = client.post(
        "/imports/upload/",
        {"kind": "cin", "file": SimpleUploadedFile("cin-2017.zip", both), "authority": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    preview = client.get(response.url).content.decode()
    assert "CIN-REREF-OWN" in preview
    batch = ImportBatch.objects.get(kind="cin")
    with batch.file.open("rb") as kept:
        assert b"<Message>" not in kept.read()  # the figures, never the census
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{batch.pk}/confirm/")
    assert figures("2017-18")["CIN-REREF"].value == 50.0


def _903_year(year: int, rows: list[str]) -> dict[str, bytes]:
    """One year's SSDA903 tables in a folder of their own: header and episodes."""
    header = csv("CHILD,SEX,DOB", ["1,1,01/01/2006", "2,1,01/01/2006", "3,1,01/01/2006",
                                    "4,1,01/01/2000", "5,1,01/01/2006"])  # fmt: skip
    episodes = csv("CHILD,DECOM,RNE,LS,DEC,REC", rows)
    return {f"{year}/header.csv": header, f"{year}/episodes.csv": episodes}


def test_long_term_stability_looks_back_over_the_earlier_returns(england):
    """At 31 March 2017: looked after since 1 April 2014 in one placement (1), or since June
    2014 with a change of legal status only (5): stable; moved in September 2015 (2): not;
    in care only since January 2015 (3): not in the cohort; 17 years old (4): not either."""
    years = {
        2015: [  # the 2014-15 return: episodes open during it, open ones with no end yet
            "1,01/04/2014,S,C2,,", "2,01/06/2014,S,C2,,", "3,01/01/2015,S,C2,,",
            "4,01/04/2014,S,C2,,", "5,01/06/2014,S,C2,,",
        ],
        2016: [
            "1,01/04/2014,S,C2,,", "2,01/06/2014,S,C2,01/09/2015,P1", "2,01/09/2015,P,C2,,",
            "3,01/01/2015,S,C2,,", "4,01/04/2014,S,C2,,", "5,01/06/2014,S,C2,01/01/2016,X1",
            "5,01/01/2016,L,C1,,",
        ],
        2017: [
            "1,01/04/2014,S,C2,,", "2,01/09/2015,P,C2,,", "3,01/01/2015,S,C2,,",
            "4,01/04/2014,S,C2,,", "5,01/01/2016,L,C1,,",
        ],
    }  # fmt: skip
    files = {}
    for year, rows in years.items():
        files |= _903_year(year, rows)
    staged = stage_and_apply("ssda903", zipped(files), "903-three-years.zip", year="2016-17")
    with staged.batch.file.open("rb") as kept:
        assert b"01/01/2006" not in kept.read()  # a date of birth told "under 16", then gone
    stability = figures("2016-17")["CLA-LTSTAB"]
    assert (stability.numerator, stability.denominator, stability.value) == (2, 3, 66.7)
    Value.objects.all().delete()
    staged = stage_and_apply(
        "ssda903", zipped(_903_year(2017, years[2017])), "903.zip", year="2016-17"
    )
    lacking = "CLA-LTSTAB not computed for the periods ending 31 March 2017"
    assert any(lacking in note for note in staged.notes)


def test_an_in_year_ssda903_with_last_year_s_gives_each_quarter_s_12_months(england):
    """Last year's return with this year's taken to 31 December 2017 ("2017-18 Q3"): children
    looked after at each quarter's end, and placements in the 12 months to it."""
    last = csv(
        "CHILD,DECOM,RNE,LS,DEC,REC",
        ["1,01/05/2016,S,C2,01/08/2016,P1", "1,01/08/2016,P,C2,,", "2,01/01/2017,S,C2,,"],
    )
    this = csv(
        "CHILD,DECOM,RNE,LS,DEC,REC",
        [
            "1,01/08/2016,P,C2,01/10/2017,P1",  # a third placement in October 2017
            "1,01/10/2017,P,C2,,",
            "2,01/01/2017,S,C2,01/07/2017,E11",  # left care in July
        ],
    )
    header = csv("CHILD,SEX,DOB", ["1,1,01/01/2008", "2,1,01/01/2008"])
    files = {
        "2016-17/header.csv": header, "2016-17/episodes.csv": last,
        "2017-18/header.csv": header, "2017-18/episodes.csv": this,
    }  # fmt: skip
    stage_and_apply("ssda903", zipped(files), "903.zip", year="2017-18 Q3")
    q1, q3 = figures("2017-18 Q1"), figures("2017-18 Q3")
    assert q1["CLA-COUNT"].value == 2
    assert q1["CLA-COUNT"].note.endswith("at 30 June 2017.")
    assert q3["CLA-COUNT"].value == 1
    three = q3["CLA-3PLUS"]  # August 2016 is before the 12 months to 31 December 2017
    assert (three.numerator, three.denominator) == (0, 1)
    assert q3["CLA-3PLUS"].note.endswith("the 12 months to 31 December 2017.")
    assert figures("2016-17")["CLA-COUNT"].value == 2
    assert not Value.objects.filter(period__code="2017-18").exists()


def test_a_return_that_breaks_the_reader_is_refused_in_words_and_logs_nothing_of_it(
    england, monkeypatch, caplog
):
    """Whatever goes wrong inside a child-level reader (an encrypted .zip, a compression
    zipfile cannot undo…) is a refusal saying so, never a server error, and the log names
    only the error's type: its message could quote a child's details."""
    from imports.childlevel import reduce as childlevel

    def broken(*args, **kwargs):
        raise RuntimeError(f"File is encrypted: {CHILD_ID}")

    monkeypatch.setattr(childlevel, "reduce_cin", broken)
    staged = service.stage("cin", THIS_YEAR, "2017.xml", options={"authority": "E08000017"})
    assert [str(p) for p in staged.problems] == [
        "2017.xml: could not be read as a Children in Need census (child-level, XML) file"
    ]
    assert CHILD_ID not in caplog.text


def test_an_officer_uploads_an_ssda903_s_tables_with_its_year(
    england, officer, client, django_capture_on_commit_callbacks
):
    """The SSDA903 from the upload page: a .zip of its tables and the year it covers, as an
    officer chooses them; the preview, then the figures."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    tables = zipped({"header.csv": HEADER, "episodes.csv": EPISODES, "oc3.csv": OC3})
    response = client.post(
        "/imports/upload/",
        {"kind": "ssda903", "file": SimpleUploadedFile("903.zip", tables), "year": "2016-17"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    preview = client.get(response.url).content.decode()
    assert "CLA-3PLUS-OWN" in preview
    batch = ImportBatch.objects.get(kind="ssda903")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{batch.pk}/confirm/")
    assert figures("2016-17")["CLA-COUNT"].value == 2
    refused = client.post(
        "/imports/upload/",
        {"kind": "ssda903", "file": SimpleUploadedFile("903.zip", tables), "year": "2016-07"},
    )
    page = refused.content.decode()
    assert refused.status_code == 200
    assert "is a month; give a year (2016-17) or a quarter" in page


def test_checking_a_return_writes_nothing_and_says_what_it_needs_first(demo):
    """A child-level return is checked without writing: where DfE's definitions (which
    bring the measures its figures are filed under) are not imported, it is refused, saying
    so, and no definition is made."""
    before = Indicator.objects.count()
    staged = service.stage("cin", THIS_YEAR, "2017.xml", options={"authority": "E08000017"})
    assert [str(p) for p in staged.problems] == [
        "Outturn does not hold DfE's indicator definitions yet, which bring the measures a "
        "child-level return's figures are filed under: a performance admin imports them first "
        "(manage.py import_indicators, or the upload page)"
    ]
    assert Indicator.objects.count() == before
