"""`load_demo` reproduces the judgements of Doncaster's Q2 2016/17 performance challenge."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command

from indicators.models import Target, Value

pytestmark = pytest.mark.django_db

# (indicator, status, direction, hard to shift) at Q2 2016/17, as the seed report gives them.
SEED_Q2 = [
    ("A1", "on_target", "", False),
    ("A2", "outside_tolerance", "", True),
    ("A3", "on_target", "better", False),
    ("A4", "on_target", "", False),
    ("A06", "on_target", "", False),
    ("A09", "on_target", "better", False),
    ("A8", "outside_tolerance", "", True),
    ("B8", "on_target", "", False),
    ("B9", "on_target", "", False),
    ("B10", "on_target", "", False),
    ("B13", "on_target", "better", False),
    ("B14", "within_tolerance", "better", False),
    ("YOS-EET", "on_target", "", False),
    ("F03", "on_target", "", False),
    ("YOS-REOFF", "no_target", "", False),
    ("C14", "within_tolerance", "better", False),
    ("C-SUPERV", "within_tolerance", "", False),
    ("C-TURNOVER", "no_target", "", False),
    ("E1", "no_target", "down", False),
]


@pytest.fixture
def q2(demo):
    return {
        v.indicator.code: v
        for v in Value.objects.filter(
            authority__code="E08000017", period__code="2016-17 Q2"
        ).select_related("indicator")
    }


@pytest.mark.parametrize(("code", "status", "direction", "hard_to_shift"), SEED_Q2)
def test_demo_reproduces_the_seed(q2, code, status, direction, hard_to_shift):
    value = q2[code]
    assert (value.status, value.direction, value.hard_to_shift) == (
        status,
        direction,
        hard_to_shift,
    )


def test_demo_figures_and_targets_match_the_seed(q2):
    assert q2["A2"].value == 82
    assert q2["C14"].value == 11
    assert q2["F03"].value == 0.08
    a2 = Target.objects.get(indicator__code="A2", fiscal_year=2016)
    assert (a2.target, a2.tolerance) == (92, 90)


def test_demo_counts_match_the_seed_summary_table(q2):
    contract = [v for v in q2.values() if v.indicator.polarity != "none"]
    statuses = [v.status for v in contract]
    assert len(contract) == 18
    assert statuses.count("outside_tolerance") == 2
    assert statuses.count("within_tolerance") == 3
    assert statuses.count("on_target") == 11
    assert statuses.count("no_target") == 2


def test_loading_the_demo_twice_changes_nothing(demo):
    before = list(Value.objects.order_by("id").values())
    call_command("load_demo", "--without-national", stdout=None)
    after = list(Value.objects.order_by("id").values())
    strip = [{k: v for k, v in row.items() if k != "updated_at"} for row in before]
    assert strip == [{k: v for k, v in row.items() if k != "updated_at"} for row in after]


def test_demo_logins_are_printed(capsys):
    call_command("demo_logins")
    out = capsys.readouterr().out
    assert "panel" in out
    assert "officer" in out
    assert "admin" in out


def test_the_shipped_national_data_is_dfes_published_files(shared_data):
    """demo/data/national/ is shared/data/dfe gzipped (manage.py refresh_national_data),
    values.csv with every figure of DfE's tidy files that it lacks after its own rows."""
    import gzip

    from demo.load import NATIONAL_DIR, NATIONAL_FILES
    from demo.management.commands.refresh_national_data import with_every_published_figure

    for name in NATIONAL_FILES:
        shipped = gzip.decompress((NATIONAL_DIR / name).read_bytes())
        published = (shared_data / name.removesuffix(".gz")).read_bytes()
        if name == "values.csv.gz":
            published, _ = with_every_published_figure(
                published, sorted(shared_data.glob("ees/*.csv"))
            )
        assert shipped == published, name


def test_the_shipped_values_hold_every_figure_either_source_holds(shared_data):
    """Issue 29, finding 7: values.csv lacks the abolished Cumbria (CIN-REREF, CPP-REPEAT,
    CPP-2YRS 2012-13 to 2022-23…) that DfE's tidy files give; the shipped data has both, and
    each figure of the tidy files is in it, under the code DfE gives it."""
    import gzip
    import io

    import pandas as pd

    from demo.load import NATIONAL_DIR

    shipped = pd.read_csv(
        io.BytesIO(gzip.decompress((NATIONAL_DIR / "values.csv.gz").read_bytes())),
        dtype=str,
        keep_default_na=False,
    )
    held = set(zip(shipped["authority"], shipped["indicator"], shipped["period"], strict=True))
    cumbria = shipped[shipped["authority"] == "E10000006"]
    assert set(cumbria["indicator"]) >= {"CIN-REREF", "CPP-REPEAT", "CPP-2YRS", "CIN-REFS"}
    assert ("E10000006", "CIN-REREF", "2021-22") in held
    c1 = pd.read_csv(
        shared_data / "ees" / "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv",
        dtype=str,
        keep_default_na=False,
    )
    councils = c1[c1["geographic_level"] == "Local authority"]
    for row in councils.itertuples():
        year = int(row.time_period)
        assert (row.new_la_code, "CIN-REREF", f"{year - 1}-{year % 100:02d}") in held, row
    # Where both give a figure, they are one row: nothing is repeated.
    assert not shipped.duplicated(["authority", "indicator", "period"]).any()


def test_cumbria_is_ranked_in_the_years_it_reported(db, django_capture_on_commit_callbacks):
    """Loaded from what the demo ships, Cumbria is ranked for CIN-REREF 2021-22, as DfE's tidy
    file gives it (23.5% of 4,267 referrals), and counted in every ranking of that year."""
    from demo.load import load_national
    from indicators.models import Indicator, Period
    from reports.ranking import rank

    with django_capture_on_commit_callbacks(execute=True):
        load_national()
    ranking = rank(
        Indicator.objects.get(code="CIN-REREF"), Period.objects.get(code="2021-22"), None
    )
    cumbria = next(row for row in ranking.rows if row["authority"].code == "E10000006")
    assert cumbria["value"] == 23.5
    assert cumbria["rank"] is not None


def test_make_runs_demo_compares_with_england_from_the_shipped_data(
    db, client, django_capture_on_commit_callbacks
):
    """A fresh clone has no ../shared: the demo's own national slice gives England, region,
    neighbours, ranks and Ofsted, and the demo's national equivalents link."""
    from django.contrib.auth.models import User

    from demo.load import load_demo

    with django_capture_on_commit_callbacks(execute=True):
        load_demo(national=True)
    client.force_login(User.objects.get(username="panel"))
    quarter = client.get("/a/doncaster/q/2016-17-q2/").context["quarter"]
    a1 = next(row for row in quarter.measures if row.indicator.code == "A1")
    assert a1.comparison.indicator.code == "CIN-REREF"
    assert a1.comparison.england == 22.5
    assert a1.comparison.quartile in {"A", "B", "C", "D"}
    assert client.get("/compare/CIN-REREF/2023-24/?authority=doncaster").status_code == 200
    assert b"Inspection history" in client.get("/a/doncaster/").content
    # Every page the README names answers, for the admin who can see them all (People is
    # theirs alone), with what the README says it shows.
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    addresses = re.findall(r"^\| [^|]+ \| `(/[^`]*)` \|", readme, flags=re.M)
    assert len(addresses) >= 7
    client.force_login(User.objects.get(username="admin"))
    for address in addresses:
        response = client.get(address)
        assert response.status_code == 200, address
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    compare = client.get("/compare/CIN-REREF/2023-24/?authority=doncaster").context["ranking"]
    assert compare.chosen_row["rank"] is not None
    # README's own links to the docs point at files that exist.
    for link in re.findall(r"\]\(((?:docs/)[^)#]+)\)", readme):
        assert (Path(__file__).resolve().parents[2] / link).exists(), link


def test_the_demos_commentary_is_dated_before_its_panel_not_today(demo, client):
    from django.contrib.auth.models import User

    from scrutiny.models import Action, ChallengeRecord

    records = ChallengeRecord.objects.all()
    assert {r.council_at.date().isoformat() for r in records if r.council_at} == {"2016-11-21"}
    assert {r.provider_at.date().isoformat() for r in records if r.provider_at} == {"2016-11-21"}
    assert {a.created_at.year for a in Action.objects.all()} == {2016}
    client.force_login(User.objects.get(username="panel"))
    history = client.get("/a/doncaster/m/A2/").context["history"]
    commentary = [c for c in history if c.what.startswith("Challenge") or c.what == "Action"]
    assert commentary
    assert {change.when.year for change in commentary} == {2016}


def test_the_refresh_refuses_when_the_two_sources_disagree(shared_data):
    """DfE's two publications of a figure must agree; if they ever do not, nothing is
    written and the refresh names the figure."""
    from django.core.management.base import CommandError

    from demo.management.commands.refresh_national_data import with_every_published_figure

    values = b"authority,indicator,period,value,numerator,denominator\n"
    c1 = shared_data / "ees" / "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"
    merged, added = with_every_published_figure(
        values + b"E08000017,CIN-REREF,2024-25,29.4,,\n", [c1]
    )
    rows = c1.read_text(encoding="utf-8-sig").count("\n") - 1
    assert added >= rows  # every other figure of the file (two a row) after the given row
    assert merged.startswith(values + b"E08000017,CIN-REREF,2024-25,29.4,,\n")
    with pytest.raises(CommandError, match="E08000017 CIN-REREF 2024-25 as 29.4, values.csv as 99"):
        with_every_published_figure(values + b"E08000017,CIN-REREF,2024-25,99,,\n", [c1])
