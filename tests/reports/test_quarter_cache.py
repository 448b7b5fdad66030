"""The quarter view caches its figures, comparisons, cards and rendered tables against the
versions of what they show (core.versions) and the quarter's challenge records
(reports.quarter.build_quarter). Each kind of write that can change what the page shows is
followed by a page that shows it: never a cached page from before."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from authorities.loading import load_neighbours
from authorities.models import Authority, StatisticalNeighbour
from imports import service
from indicators import writes
from indicators.models import Indicator, Period, Rebase, Target, Value
from indicators.recompute import recompute
from scrutiny.models import Action, ChallengeRecord

pytestmark = pytest.mark.django_db

URL = "/a/doncaster/q/2016-17-q2/"


def a2() -> Value:
    return Value.objects.get(
        authority__code="E08000017", indicator__code="A2", period__code="2016-17 Q2"
    )


def page(client):
    response = client.get(URL)
    assert response.status_code == 200
    html = " ".join(response.content.decode().split())
    return response.context["quarter"], html


def import_figure(text: str) -> None:
    staged = service.stage("returns", text.encode(), "r.csv")
    assert not staged.problems
    assert service.apply(staged.batch).state == "applied"


def correct_figure() -> None:
    value = a2()
    value.value = 93
    writes.save_value(value, reason="Corrected")


def change_target() -> None:
    target = Target.objects.get(indicator__code="A2", authority__code="E08000017", fiscal_year=2016)
    target.target, target.tolerance = 77, 66
    writes.save_target(target, reason="Reset")


def rename_indicator() -> None:
    indicator = Indicator.objects.get(code="A2")
    indicator.name = "Assessments in time, renamed"
    writes.save_indicator(indicator)


def import_targets() -> None:
    text = "indicator,year,target,tolerance,authority\nA2,2016-17,77,66,E08000017\n"
    staged = service.stage("targets", text.encode(), "t.csv")
    assert not staged.problems, staged.problems
    assert service.apply(staged.batch).state == "applied"


def new_neighbours(tmp_path: Path) -> None:
    """Doncaster's neighbours become Rotherham alone."""
    path = tmp_path / "neighbours.csv.gz"
    path.write_bytes(gzip.compress(b"authority,rank,neighbour\nE08000017,1,E08000018\n"))
    load_neighbours(path)


def rebase() -> None:
    writes.save_rebase(
        Rebase(
            indicator=Indicator.objects.get(code="A2"),
            starts=Period.objects.get(code="2016-17 Q1"),
            reason="New service model",
        )
    )


def challenge_text() -> None:
    record = ChallengeRecord.objects.get(
        authority__code="E08000017", indicator__code="A2", period__code="2016-17 Q2"
    )
    record.council_comment = "A comment written after the page was cached."
    record.save()


def new_action() -> None:
    record = ChallengeRecord.objects.get(
        authority__code="E08000017", indicator__code="A2", period__code="2016-17 Q2"
    )
    Action.objects.create(challenge=record, text="An action added after the page was cached")


WRITES = {
    "an imported figure": (
        lambda _: import_figure("authority,indicator,period,value\nE08000017,A2,2016-17 Q2,93\n"),
        "93%",
    ),
    "a corrected figure": (lambda _: correct_figure(), "93%"),
    "a target set by hand": (lambda _: change_target(), "77%"),
    "imported targets": (lambda _: import_targets(), "77%"),
    "an indicator's name": (lambda _: rename_indicator(), "Assessments in time, renamed"),
    "the council's comment": (lambda _: challenge_text(), "written after the page was cached"),
    "an action": (lambda _: new_action(), "An action added after the page was cached"),
}


@pytest.mark.parametrize("what", WRITES)
def test_a_write_is_on_the_next_page(what, panel_member, client, tmp_path):
    write, shown = WRITES[what]
    before, html = page(client)
    assert shown not in html
    assert page(client)[0].cache_key == before.cache_key  # the page is cached
    write(tmp_path)
    after, html = page(client)
    assert after.cache_key != before.cache_key
    assert shown in html


def test_a_status_moved_by_a_target_is_in_the_cards_and_the_summary(
    panel_member, client, django_capture_on_commit_callbacks
):
    quarter, _ = page(client)
    assert "A2" in {row.indicator.code for row in quarter.concerns}
    with django_capture_on_commit_callbacks(execute=True):  # the recompute, as a worker runs it
        change_target()  # 82 against 77: on or better than target
    quarter, _ = page(client)
    assert "A2" in {row.indicator.code for row in quarter.performing_well}
    assert a2().status == "on_target"


def test_new_neighbours_are_in_the_next_comparison(panel_member, client, tmp_path, monkeypatch):
    """Comparisons are rebuilt once Doncaster's statistical neighbours change."""
    from reports import benchmarks

    compared = []
    real = benchmarks.compare
    monkeypatch.setattr(
        benchmarks, "compare", lambda *a, **k: compared.append(a[0]) or real(*a, **k)
    )
    key = page(client)[0].cache_key
    page(client)
    assert len(compared) == 1  # built once, then cached
    Authority.objects.create(
        code="E08000018", name="Rotherham", slug="rotherham", kind="local_authority"
    )
    new_neighbours(tmp_path)
    assert list(
        StatisticalNeighbour.objects.filter(authority__code="E08000017").values_list(
            "neighbour__code", flat=True
        )
    ) == ["E08000018"]
    assert page(client)[0].cache_key != key
    assert len(compared) == 2


def edit_in_the_admin(admin_client, authority: Authority, **changes) -> None:
    """An authority's name or address changed through the admin (its neighbours as they are)."""
    form = {
        "name": authority.name,
        "code": authority.code,
        "dfe_code": authority.dfe_code,
        "slug": authority.slug,
        "kind": authority.kind,
        "region": authority.region_id or "",
        "replaced_by": authority.replaced_by,
        "neighbours-TOTAL_FORMS": 0,
        "neighbours-INITIAL_FORMS": 0,
        "neighbours-MIN_NUM_FORMS": 0,
        "neighbours-MAX_NUM_FORMS": 1000,
    }
    response = admin_client.post(
        f"/admin/authorities/authority/{authority.pk}/change/", {**form, **changes}
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def test_an_authority_renamed_in_the_admin_and_a_rebase_move_the_key(
    panel_member, client, admin_client
):
    key = page(client)[0].cache_key
    rebase()
    assert page(client)[0].cache_key != key
    key = page(client)[0].cache_key
    edit_in_the_admin(
        admin_client, Authority.objects.get(code="E08000017"), name="Doncaster (renamed)"
    )
    quarter, _ = page(client)
    assert quarter.cache_key != key
    assert quarter.authority.name == "Doncaster (renamed)"


def test_a_recompute_that_changes_a_status_moves_the_key(panel_member, client):
    key = page(client)[0].cache_key
    # A status left wrong behind the write path's back (a restore, say): the sweep repairs it
    # and the page follows.
    Value.objects.filter(pk=a2().pk).update(status="on_target")
    assert recompute() == 1
    assert page(client)[0].cache_key != key


def test_a_presented_quarter_marks_revisions_on_the_cached_tables(panel_member, client):
    officer = User.objects.get(username="officer")
    client.force_login(officer)
    client.post(f"{URL}publish/", {"presented_on": "2016-12-06"})
    page(client)  # cached after presenting
    correct_figure()
    _, html = page(client)
    assert "The panel saw 82%, outside tolerance" in html


def test_the_measures_table_is_cached_per_sort_and_filter(panel_member, client):
    def first_code(params):
        html = client.get(URL, params).content.decode()
        table = html[html.index("<table", html.index('id="measures"')) :]
        return re.search(r'href="/a/doncaster/q/2016-17-q2/m/([^/]+)/"', table).group(1)

    assert first_code({}) != first_code({"m-sort": "-code"})
    assert first_code({"status": "on_target"}) != first_code({"status": "outside_tolerance"})


MEASURE = "/a/doncaster/m/A2/"
COMPARE = "/compare/A2/2016-17-q2/"
KEPT = "kept"  # the page shows nothing of the write: served from the cache as it was
# What each page shows of each write, inside what it caches (None: only that it is rebuilt).
SHOWN_ELSEWHERE = {
    "an imported figure": {MEASURE: "93%", COMPARE: "93%"},
    "a corrected figure": {MEASURE: "93%", COMPARE: "93%"},
    "a target set by hand": {MEASURE: "77%", COMPARE: KEPT},  # a ranking shows no targets
    "imported targets": {MEASURE: "77%", COMPARE: KEPT},
    "an indicator's name": {MEASURE: None, COMPARE: None},
}


@pytest.mark.parametrize("what", SHOWN_ELSEWHERE)
@pytest.mark.parametrize("url", [MEASURE, COMPARE])
def test_a_write_is_on_the_next_measure_and_compare_page(what, url, panel_member, client, tmp_path):
    def get():
        response = client.get(url, {"authority": "doncaster"} if url == COMPARE else {})
        assert response.status_code == 200
        html = " ".join(response.content.decode().split())
        # The sign-out form's token is masked afresh on every response.
        token = r'csrfmiddlewaretoken" value="[^"]*"'
        return response.context["figures_key"], re.sub(token, "", html)

    shown = SHOWN_ELSEWHERE[what][url]
    key, html = get()
    assert get()[0] == key  # cached
    if shown == KEPT:
        WRITES[what][0](tmp_path)
        assert get() == (key, html)
        return
    if shown:
        assert shown not in html
    WRITES[what][0](tmp_path)
    after, html = get()
    assert after != key
    if shown:
        assert shown in html


# What a measure's history gains from each write: (what the change is about, its new text).
IN_THE_HISTORY = {
    "an imported figure": ("Figure, Quarter 2 2016/17", "93"),
    "a corrected figure": ("Figure, Quarter 2 2016/17", "93"),
    "a target set by hand": ("Target 2016-17", "77"),
    "imported targets": ("Target 2016-17", "77"),
    "the council's comment": ("Challenge, Quarter 2 2016/17", "written after the page was cached"),
    "an action": ("Action", "An action added after the page was cached"),
}


@pytest.mark.parametrize("what", IN_THE_HISTORY)
def test_every_write_is_in_the_next_measure_history(what, panel_member, client, tmp_path):
    """Figures' and targets' history is cached by the data version; challenge records' and
    actions' is read fresh: each shows on the next page either way."""

    def history():
        response = client.get(MEASURE)
        assert response.status_code == 200
        rendered = response.content.decode().split('id="history"')[1]  # the rendered section
        return [(c.what, c.after) for c in response.context["history"]], rendered

    label, text = IN_THE_HISTORY[what]
    before, rendered = history()
    assert history() == (before, rendered)
    WRITES[what][0](tmp_path)
    after, rendered_after = history()
    new = [(w, a) for w, a in after if (w, a) not in before]
    assert any(w == label and text in a for w, a in new), new
    assert rendered_after.count(text) > rendered.count(text)  # not a cached table from before


def test_a_new_quarter_is_in_the_next_switcher(panel_member, client):
    """The switchers are cached with the quarter: a quarter's first figure moves the key."""
    _, html = page(client)
    assert "Quarter 1 2017/18" not in html
    import_figure("authority,indicator,period,value\nE08000017,A2,2017-18 Q1,88\n")
    _, html = page(client)
    assert '<option value="2017-18-q1">Quarter 1 2017/18</option>' in html


def test_a_new_period_is_in_the_next_compare_switchers(panel_member, client):
    """The compare page's switchers are cached with its figures: a new period moves the key."""

    def html():
        response = client.get(COMPARE, {"authority": "doncaster"})
        assert response.status_code == 200
        return response.content.decode()

    assert "Quarter 1 2017/18" not in html()
    import_figure("authority,indicator,period,value\nE08000017,A2,2017-18 Q1,88\n")
    assert "/compare/A2/2017-18-q1/?authority=doncaster" in html()


@pytest.mark.parametrize("what", ["the council's comment", "an action"])
def test_challenge_text_is_in_the_next_measure_page(what, panel_member, client, tmp_path):
    """The measure page's challenge section is cached against a digest of its records and
    their actions: an edit, however made, is on the next page."""

    def section():
        response = client.get(MEASURE)
        assert response.status_code == 200
        html = " ".join(response.content.decode().split())
        return html.split('id="challenge"')[1].split('id="history"')[0]

    write, shown = WRITES[what]
    assert shown not in section()
    write(tmp_path)
    assert shown in section()


def test_an_overdue_action_says_so_on_the_next_day(panel_member, client, tmp_path, monkeypatch):
    """The challenge sections vary with the day: an action due yesterday reads as overdue."""
    import datetime

    from django.utils import timezone

    record = ChallengeRecord.objects.get(
        authority__code="E08000017", indicator__code="A2", period__code="2016-17 Q2"
    )
    today = timezone.localdate()
    Action.objects.create(challenge=record, text="Due today", due_date=today)

    def section():
        html = client.get(URL).content.decode()
        return html.split('id="challenge"')[1].split('id="actions"')[0]

    before = section()
    monkeypatch.setattr(timezone, "localdate", lambda *a: today + datetime.timedelta(days=1))
    assert section().count("Overdue") > before.count("Overdue")


def filter_form(client, params=None) -> str:
    html = client.get(URL, params or {}).content.decode()
    start = html.index('class="outturn-filter')
    return html[start : html.index("</form>", start)]


def test_the_filter_follows_categories_and_the_query(panel_member, client, admin_client):
    assert "Leaving care (a new category)" not in filter_form(client)
    response = admin_client.post(
        "/admin/indicators/category/add/", {"name": "Leaving care (a new category)", "order": 1}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "Leaving care (a new category)" in filter_form(client)
    # Cached per query: the chosen status stays chosen, and "show all" is offered.
    chosen = filter_form(client, {"status": "outside_tolerance"})
    assert re.search(r'<option value="outside_tolerance" selected>', chosen)
    assert "Show all measures" in chosen
    plain = filter_form(client)
    assert not re.search(r'<option value="outside_tolerance" selected>', plain)
    assert "Show all measures" not in plain


def test_the_filter_is_drawn_again_for_a_definition_not_for_a_figure(
    panel_member, client, monkeypatch
):
    """The filter shows the categories and the reader's choices, never a figure: a figure's
    write leaves it as drawn, a definition's draws it again."""
    from reports.filters import FilterForm

    drawn = []
    draw = FilterForm.as_govuk

    def counting(form):
        drawn.append(form)
        return draw(form)

    monkeypatch.setattr(FilterForm, "as_govuk", counting)
    url = "/a/doncaster/q/2016-17-q2/"
    first = client.get(url).content.decode()
    assert len(drawn) == 1
    correct_figure()
    assert "93%" in client.get(url).content.decode()  # the page moved on
    assert len(drawn) == 1  # its filter did not need to
    rename_indicator()
    client.get(url)
    assert len(drawn) == 2
    assert 'name="category"' in first


def test_a_cached_comparison_is_the_comparison_made(monkeypatch):
    """Each measure's comparison is cached as its figures and the id of the measure compared
    (reports.benchmarks.compared): read back, it is as it was made, one compared on its
    national equivalent included, and nothing is read again."""
    from datetime import date

    from core import versions
    from reports import benchmarks
    from tests.factories import AuthorityFactory, IndicatorFactory, ValueFactory, period

    england = AuthorityFactory(kind="nation", code="E92000001", name="England")
    council, neighbour = AuthorityFactory(), AuthorityFactory()
    StatisticalNeighbour.objects.create(authority=council, neighbour=neighbour, rank=1)
    national = IndicatorFactory(code="CIN-X")
    local = IndicatorFactory(code="L1", benchmark=national)  # only the council has L1's
    own = IndicatorFactory(code="L2")
    for place, figure in [(england, 21.5), (council, 30.0), (neighbour, 25.0)]:
        ValueFactory(authority=place, indicator=national, period=period("2015-16"), value=figure)
        ValueFactory(authority=place, indicator=own, period=period("2016-17 Q1"), value=figure)
    ValueFactory(authority=council, indicator=local, period=period("2016-17 Q1"), value=40.0)
    measures = list(Indicator.objects.filter(code__in=["L1", "L2"]).select_related("benchmark"))
    each = versions.each_measure({m.id for m in measures} | {national.id})
    made = benchmarks.compared(council, measures, date(2016, 6, 30), each)
    assert made[local.id].indicator == national
    assert made[local.id].england == 21.5
    assert made[own.id].neighbours == [25.0]
    monkeypatch.setattr(benchmarks, "compare", lambda *a, **k: pytest.fail("read again"))
    kept = benchmarks.compared(council, measures, date(2016, 6, 30), each)
    assert {m: vars(c) for m, c in kept.items()} == {m: vars(c) for m, c in made.items()}
