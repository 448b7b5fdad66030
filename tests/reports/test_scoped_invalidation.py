"""A write empties only what shows it (core.versions): the written authority's own pages,
and the comparisons that include its figures; every other cached page is served as it was.
And no row that every writer waits on: two councils' imports commit side by side."""

from __future__ import annotations

import gzip
import os
import re
import threading

import pytest
from django.core.cache import cache
from django.db import connection, connections

from authorities.loading import load_authorities, load_neighbours
from imports import service
from indicators import writes
from indicators.models import Value
from reports import benchmarks
from reports import quarter as quarter_module

from .test_quarter_cache import (
    challenge_text,
    change_target,
    correct_figure,
    import_figure,
    import_targets,
    new_neighbours,
    rebase,
    rename_indicator,
)

pytestmark = pytest.mark.django_db

DONCASTER = "/a/doncaster/q/2016-17-q2/"
ROTHERHAM = "/a/rotherham/q/2016-17-q2/"  # shows A2 too: its comparisons include Doncaster's
DERBY = "/a/derby/q/2016-17-q2/"  # shows B9 alone: nothing of Doncaster's A2


PLACES = b"""code,dfe_code,name,kind,region_code,replaced_by
E92000001,,England,nation,,
E12000003,,Yorkshire and The Humber,region,E92000001,
E12000004,,East Midlands,region,E92000001,
E08000017,371,Doncaster,local_authority,E12000003,
E08000018,372,Rotherham,local_authority,E12000003,
E06000015,831,Derby,local_authority,E12000004,
"""


@pytest.fixture
def councils(panel_member, tmp_path, django_capture_on_commit_callbacks):
    """Rotherham and Derby beside the demo's Doncaster, each with a quarter's figures;
    Rotherham's neighbours are Doncaster (so its A2 comparisons include Doncaster's)."""
    (tmp_path / "places.csv").write_bytes(PLACES)
    load_authorities(tmp_path / "places.csv")
    (tmp_path / "neighbours.csv.gz").write_bytes(
        gzip.compress(b"authority,rank,neighbour\nE08000018,1,E08000017\n")
    )
    load_neighbours(tmp_path / "neighbours.csv.gz")
    with django_capture_on_commit_callbacks(execute=True):
        import_figure(
            "authority,indicator,period,value\n"
            "E08000018,A2,2016-17 Q2,71\nE08000018,A3,2016-17 Q2,90\n"
            "E08000018,B9,2016-17 Q2,64\n"
            "E06000015,B9,2016-17 Q2,58\n"
        )


def default_target() -> None:
    text = "indicator,year,target,tolerance,authority\nA2,2016-17,80,75,\n"
    staged = service.stage("targets", text.encode(), "t.csv")
    assert not staged.problems, staged.problems
    assert service.apply(staged.batch).state == "applied"


def delete_figure() -> None:
    writes.delete_values(
        [
            Value.objects.get(
                authority__code="E08000017", indicator__code="A2", period__code="2016-17 Q2"
            )
        ]
    )


FIGURE = {DONCASTER: "own", ROTHERHAM: "comparisons", DERBY: "kept"}
OWN = {DONCASTER: "own", ROTHERHAM: "kept", DERBY: "kept"}
CHALLENGE = {DONCASTER: "challenge", ROTHERHAM: "kept", DERBY: "kept"}
EVERYTHING = {DONCASTER: "own", ROTHERHAM: "own", DERBY: "own"}
# Each kind of write, and what each authority's quarter page does next: rebuilt whole
# ("own"), its comparisons alone rebuilt ("comparisons"), its challenge text alone read
# afresh, as it always is ("challenge"), or served as it was ("kept").
WRITES = {
    "Doncaster's imported figure": (
        lambda tmp: import_figure("authority,indicator,period,value\nE08000017,A2,2016-17 Q2,93\n"),
        FIGURE,
    ),
    "Doncaster's corrected figure": (lambda tmp: correct_figure(), FIGURE),
    "Doncaster's deleted figure": (lambda tmp: delete_figure(), FIGURE),
    "Doncaster's target, by hand": (lambda tmp: change_target(), OWN),
    "Doncaster's targets, imported": (lambda tmp: import_targets(), OWN),
    "Doncaster's council comment": (lambda tmp: challenge_text(), CHALLENGE),
    "a default target for every authority": (lambda tmp: default_target(), EVERYTHING),
    "an indicator's definition": (lambda tmp: rename_indicator(), EVERYTHING),
    "statistical neighbours": (new_neighbours, EVERYTHING),
    "a control-chart rebase": (lambda tmp: rebase(), EVERYTHING),
}


def visible(html: str) -> str:
    # The sign-out form's token is masked afresh on every response.
    return re.sub(r'csrfmiddlewaretoken" value="[^"]*"', "", " ".join(html.split()))


@pytest.mark.parametrize("what", WRITES)
def test_a_write_empties_only_the_pages_that_show_it(
    what, councils, client, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    write, expected = WRITES[what]
    built: list[tuple[str, int]] = []
    figures, compare = quarter_module._figures, benchmarks.compare

    def counting_figures(authority, period, *args):
        built.append(("own", authority.pk))
        return figures(authority, period, *args)

    def counting_compare(authority, indicators, *args, **kwargs):
        # Which measures' comparisons are made afresh: each is cached on its own.
        built.append(("comparisons", authority.pk, sorted(i.code for i in indicators)))
        return compare(authority, indicators, *args, **kwargs)

    monkeypatch.setattr(quarter_module, "_figures", counting_figures)
    monkeypatch.setattr(benchmarks, "compare", counting_compare)
    drawn = fragments_drawn(monkeypatch)

    def get(url):
        response = client.get(url)
        assert response.status_code == 200
        return response.context["quarter"], visible(response.content.decode())

    before = {url: get(url) for url in expected}
    for url in expected:  # each is cached
        assert get(url)[0].cache_key == before[url][0].cache_key
    with django_capture_on_commit_callbacks(execute=True):  # the recompute, as a worker runs it
        write(tmp_path)
    for url, happens in expected.items():
        built.clear()
        drawn.clear()
        quarter, html = get(url)
        authority = quarter.authority.pk
        if happens == "kept":
            assert quarter.cache_key == before[url][0].cache_key, url
            assert html == before[url][1], url
            assert built == [], url
            assert drawn == [], url
        elif happens == "comparisons":
            assert quarter.cache_key != before[url][0].cache_key, url
            # Rotherham shows A2, A3 and B9: a write of Doncaster's A2 has A2's comparison
            # made again, and the other two served as they were.
            assert built == [("comparisons", authority, ["A2"])], url
            # The table shows the comparisons; the summary, cards and switcher do not.
            assert "quarter_measures" in drawn, url
            assert not OWN_FRAGMENTS & set(drawn), url
        elif happens == "challenge":
            assert quarter.cache_key != before[url][0].cache_key, url
            assert built == [], url
            assert "quarter_challenge" in drawn, url
            assert not OWN_FRAGMENTS & set(drawn), url
        else:
            assert quarter.cache_key != before[url][0].cache_key, url
            assert ("own", authority) in built, url
            assert OWN_FRAGMENTS <= set(drawn), url


def test_a_neighbours_new_figure_is_in_its_measures_comparison_at_once(
    councils, client, django_capture_on_commit_callbacks
):
    """Each measure's comparison is cached on its own: once Doncaster (Rotherham's one
    neighbour) has an A2 figure for 2015-16, the year Rotherham's A2 is compared at (the
    latest with England's), Rotherham's A2 compares with it at once, and its other measures'
    comparisons are the ones cached before, unchanged."""

    def comparisons():
        response = client.get(ROTHERHAM)
        assert response.status_code == 200
        quarter = response.context["quarter"]
        return {row.indicator.code: row.comparison for row in quarter.measures}

    before = comparisons()
    assert before["A2"].period.code == "2015-16"
    assert before["A2"].neighbours == []
    with django_capture_on_commit_callbacks(execute=True):
        import_figure("authority,indicator,period,value\nE08000017,A2,2015-16,93\n")
    after = comparisons()
    assert after["A2"].period.code == "2015-16"
    assert after["A2"].neighbours == [93.0]
    assert after["A2"].neighbours_mean == 93.0
    assert set(before) - {"A2"}
    for code in set(before) - {"A2"}:
        assert vars(after[code]) == vars(before[code]), code


# What the quarter page draws from its own figures alone (Quarter.figures_key).
OWN_FRAGMENTS = {"quarter_summary", "quarter_switcher"}


def fragments_drawn(monkeypatch) -> list[str]:
    """The names of the page's cached fragments drawn afresh (not served from the cache),
    in the order drawn."""
    from django.templatetags.cache import CacheNode

    drawn: list[str] = []
    render = CacheNode.render

    def counting(node, context):
        nodelist = node.nodelist

        class Counted:
            def render(self, context):
                drawn.append(node.fragment_name)
                return nodelist.render(context)

        node.nodelist = Counted()
        try:
            return render(node, context)
        finally:
            node.nodelist = nodelist

    monkeypatch.setattr(CacheNode, "render", counting)
    return drawn


def test_a_figure_written_is_in_the_comparisons_of_the_pages_that_show_it(councils, client):
    """Rotherham's A3 beside its neighbour's: Doncaster's new figure, not the cached one."""

    def neighbours():
        response = client.get(ROTHERHAM)
        row = next(r for r in response.context["quarter"].measures if r.indicator.code == "A3")
        return row.comparison.neighbours

    before = neighbours()
    import_figure("authority,indicator,period,value\nE08000017,A3,2016-17 Q2,93\n")
    assert before
    assert before != [93]
    assert neighbours() == [93]


def test_a_national_distribution_is_shared_and_rebuilt_only_for_the_measure_written(
    councils, django_assert_num_queries
):
    """Every council's comparisons of a period share each measure's distribution of figures
    (for the national quartiles); a write of one authority's figure of A2 rebuilds A2's
    alone, and the rebuilt one holds the new figure — read from the figures until the worker
    has kept A2's distributions again (indicators.distributions), then as kept."""
    from indicators import distributions
    from indicators.models import Indicator, Period
    from reports.benchmarks import _distributions

    quarter = Period.objects.get(code="2016-17 Q2")
    a2, b9 = Indicator.objects.get(code="A2"), Indicator.objects.get(code="B9")
    chosen = {a2.id: quarter, b9.id: quarter}
    with django_assert_num_queries(2):  # the versions, then both as the worker kept them
        first = _distributions(chosen)
    assert sorted(first[(b9.id, quarter.id)]) == [58, 64, 72]  # Derby, Rotherham, Doncaster
    with django_assert_num_queries(1):  # the versions alone: both were cached
        assert _distributions(chosen) == first
    # Written, and its recompute (after the commit, which this test's transaction never
    # reaches) not yet run: A2's kept distribution is out of date, so it is not used.
    import_figure("authority,indicator,period,value\nE08000017,A2,2016-17 Q2,93\n")
    with django_assert_num_queries(3) as queries:  # the versions, the kept, A2's figures
        second = _distributions(chosen)
    assert f'"indicator_id" IN ({a2.id})' in queries.captured_queries[2]["sql"]
    assert 93 in second[(a2.id, quarter.id)]
    assert 93 not in first[(a2.id, quarter.id)]
    assert second[(b9.id, quarter.id)] == first[(b9.id, quarter.id)]
    assert distributions.refresh() == 1  # the worker catches up: A2's alone
    cache.clear()
    with django_assert_num_queries(2):  # the versions, then both as kept: A2's with its 93
        third = _distributions(chosen)
    assert {pair: sorted(figures) for pair, figures in third.items()} == {
        pair: sorted(figures) for pair, figures in second.items()
    }


@pytest.mark.django_db(transaction=True)
def test_two_councils_imports_commit_side_by_side(demo, monkeypatch, tmp_path):
    """Doncaster's import is held open after writing, before its commit; Rotherham's import
    is applied and committed meanwhile. Before the versions were scoped, every writer took
    one row first, and Rotherham's would have waited for Doncaster's commit."""
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI runs this on PostgreSQL")
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them)")
    (tmp_path / "places.csv").write_bytes(PLACES)
    load_authorities(tmp_path / "places.csv")
    doncaster = service.stage(
        "returns", b"authority,indicator,period,value\nE08000017,A2,2016-17 Q3,88\n", "d.csv"
    ).batch
    rotherham = service.stage(
        "returns", b"authority,indicator,period,value\nE08000018,A2,2016-17 Q3,73\n", "r.csv"
    ).batch
    assert doncaster.state == rotherham.state == "checked"
    written, committed = threading.Event(), threading.Event()
    write = service._write
    results = {}

    def held(batch, checked):
        counts = write(batch, checked)
        if batch.pk == doncaster.pk:
            written.set()
            # Held open until Rotherham's import has committed (or long enough to say it
            # could not).
            results["Rotherham's committed first"] = committed.wait(timeout=20)
        return counts

    monkeypatch.setattr(service, "_write", held)

    def apply(batch, before=None, after=None):
        try:
            if before:
                assert before.wait(timeout=20)
            results[batch.pk] = service.apply(batch).state
            if after:
                after.set()
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=apply, args=(doncaster,)),
        threading.Thread(target=apply, args=(rotherham, written, committed)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == {
        "Rotherham's committed first": True,  # False: it waited for Doncaster's commit
        doncaster.pk: "applied",
        rotherham.pk: "applied",
    }
    stored = dict(
        Value.objects.filter(indicator__code="A2", period__code="2016-17 Q3").values_list(
            "authority__code", "value"
        )
    )
    assert stored == {"E08000017": 88, "E08000018": 73}


def test_a_paper_goes_out_of_date_only_when_something_it_shows_moves(councils):
    """A built paper stays the answer (reports.papers) until something it shows is written:
    Derby's figures of a measure Doncaster does not report leave Doncaster's paper current;
    Rotherham's A2, which Doncaster's paper compares, and Doncaster's own do not."""
    from authorities.models import Authority
    from reports.briefing import fingerprint
    from tests.factories import IndicatorFactory

    IndicatorFactory(code="DERBY-1")
    doncaster = Authority.objects.get(code="E08000017")
    first = fingerprint(doncaster)
    import_figure("authority,indicator,period,value\nE06000015,DERBY-1,2016-17 Q2,40\n")
    assert fingerprint(doncaster) == first
    import_figure("authority,indicator,period,value\nE08000018,A2,2016-17 Q2,70\n")
    second = fingerprint(doncaster)
    assert second != first
    change_target()
    assert fingerprint(doncaster) != second


def test_a_new_quarter_is_on_every_council_s_next_page(councils, client):
    """Doncaster's first figure of Quarter 3 creates the quarter: Rotherham's Quarter 2 page,
    cached, links to it next (a new period moves what every page reads)."""
    before = client.get(ROTHERHAM).context["quarter"]
    assert before.next_period is None
    import_figure("authority,indicator,period,value\nE08000017,A2,2016-17 Q3,88\n")
    after = client.get(ROTHERHAM).context["quarter"]
    assert after.next_period is not None
    assert after.next_period.code == "2016-17 Q3"
    assert after.cache_key != before.cache_key


def test_each_measure_is_read_at_its_own_chosen_period_only(db, django_assert_num_queries):
    """Two measures compared at different periods, each with figures at the other's: each
    one's comparators and national distribution hold its own period's figures alone, read
    in one query each."""
    from authorities.models import Authority
    from reports.benchmarks import _distributions, _figures
    from tests.factories import AuthorityFactory, IndicatorFactory, ValueFactory, period

    quarter, year = period("2016-17 Q2"), period("2016-17")
    quarterly, yearly = IndicatorFactory(), IndicatorFactory()
    place = AuthorityFactory(kind=Authority.Kind.LOCAL_AUTHORITY)
    for indicator, at, figure in [
        (quarterly, quarter, 10.0),
        (quarterly, year, 99.0),  # not its chosen period
        (yearly, year, 20.0),
        (yearly, quarter, 98.0),  # nor this
    ]:
        ValueFactory(authority=place, indicator=indicator, period=at, value=figure)
    chosen = {quarterly.id: quarter, yearly.id: year}
    with django_assert_num_queries(1):
        found, unstated = _figures(chosen, {place.id})
    assert found == {quarterly.id: {place.id: 10.0}, yearly.id: {place.id: 20.0}}
    assert unstated == set()
    national = _distributions(chosen)
    assert national == {(quarterly.id, quarter.id): [10.0], (yearly.id, year.id): [20.0]}
