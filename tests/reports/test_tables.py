"""The quarter's tables draw their rows in Python (reports.tables.AuthorityTable.rows_html),
and its summary and cards too (reports.cards): they must draw exactly what django-tables2's
own rows and the summary's and card's templates drew, on every quarter of the demo, sorted
every way a reader can sort them, revisions marked."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import django_tables2 as tables
import pytest
from django.contrib.auth.models import User
from django.template import Context, Template
from django.test import RequestFactory
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from authorities.models import Authority
from indicators.models import Period, Value
from indicators.rules import PeriodKind
from reports.cards import Cards, summary_table
from reports.pages import measures_table, quarter_page
from reports.quarter import build_quarter
from reports.tables import AuthorityTable, MeasuresTable

from ..strategies import CODE_CHARACTERS

pytestmark = pytest.mark.django_db

BEFORE = Path(__file__).parent / "drawn_before"


def _before(name: str, loop: str = "", each: str = "") -> Template:
    """A template as it was before Python drew what it drew; `loop` and `each` wrap a
    template drawn once an item (an included partial) in the loop that included it."""
    text = "{% load outturn %}" + (BEFORE / name).read_text()
    if loop:
        text = f"{{% for {each} in {loop} %}}{text}{{% endfor %}}"
    return Template(text)


# django-tables2's rows, as its template loop drew them before rows_html took its place.
DJANGO_TABLES2_ROWS = Template(
    "{% for row in table.paginated_rows %}<tr {{ row.attrs.as_html }}>"
    "{% for column, cell in row.items %}"
    '{% if forloop.first %}<th scope="row" {{ column.attrs.td.as_html }}>{{ cell }}</th>'
    "{% else %}<td {{ column.attrs.td.as_html }}>{{ cell }}</td>{% endif %}"
    "{% endfor %}</tr>{% empty %}"
    '<tr class="govuk-table__row"><td class="govuk-table__cell" '
    'colspan="{{ table.columns|length }}">{{ table.empty_text }}</td></tr>{% endfor %}'
)
CARD = _before("card.html", loop="rows", each="row")
SUMMARY = _before("summary.html")
SORTS = ["", "m-sort=status", "m-sort=-status", "m-sort=-code", "m-sort=name", "v-sort=-name"]


def _drawn_by_django_tables2(table) -> str:
    # A fresh count of rows: django-tables2 numbers its rows odd and even across a table's life.
    table._counter = itertools.count()
    return DJANGO_TABLES2_ROWS.render(Context({"table": table}))


def _tidy(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


def _drawn_alike(quarter, user, rf, mark=lambda quarter: None) -> list[str]:
    """Each table of the quarter, sorted each way, and its cards, drawn both ways and
    compared; our HTML."""
    drawn = []
    for sort in SORTS:
        request = rf.get("/", dict(q.split("=") for q in [sort] if q))
        request.user = user
        table = measures_table(quarter, request)
        context = quarter_page(quarter, request, table)  # marks revisions, as the page does
        mark(quarter)
        for each in (table, context["volumetric_table"]):
            ours, theirs = each.rows_html(), _drawn_by_django_tables2(each)
            assert _tidy(ours) == _tidy(theirs), (quarter.authority, quarter.period, sort)
            drawn.append(ours)
    ours = summary_table(quarter)
    assert _tidy(ours) == _tidy(SUMMARY.render(Context({"quarter": quarter})))
    drawn.append(ours)
    cards = Cards(quarter)
    for ours, rows in [
        (cards.performing_well(), quarter.performing_well),
        (cards.concerns(), quarter.concerns),
    ]:
        theirs = CARD.render(Context({"rows": rows, "quarter": quarter}))
        assert _tidy(ours) == _tidy(theirs), (quarter.authority, quarter.period)
        drawn.append(ours)
    return drawn


def test_every_demo_quarter_draws_as_django_tables2_draws_it(spc_series, rf: RequestFactory):
    pairs = (
        Value.objects.filter(period__kind=PeriodKind.QUARTER)
        .values_list("authority_id", "period_id")
        .distinct()
    )
    authorities = Authority.objects.select_related("region").in_bulk()
    periods = Period.objects.in_bulk()
    user = User.objects.get(username="panel")
    drawn = []
    for authority_id, period_id in sorted(set(pairs)):
        quarter = build_quarter(authorities[authority_id], periods[period_id])
        drawn += _drawn_alike(quarter, user, rf)
    html = "".join(drawn)
    assert html.count("<tr ") > 300
    assert html.count('<li class="outturn-card') > 20
    for shown in ["Hard to shift", "Not returned", "Special cause", "outturn-comparison"]:
        assert shown in html


def test_every_kind_of_cell_draws_as_django_tables2_draws_it(demo, rf: RequestFactory):
    """What the demo's quarters lack: a provisional figure, a note, what it takes in
    children, a small cohort's interval, a revision since the panel saw it, neighbours and
    a national band."""
    figures = Value.objects.filter(period__code="2016-17 Q2", authority__slug="doncaster")
    figures.filter(indicator__code="A2").update(numerator=123, denominator=150, provisional=True)
    figures.filter(indicator__code="B14").update(
        value=40, numerator=8, denominator=20, note="Two late <returns>"
    )
    quarter = build_quarter(
        Authority.objects.select_related("region").get(slug="doncaster"),
        Period.objects.get(code="2016-17 Q2"),
    )

    def mark(quarter):
        first = quarter.measures[0]
        first.presented = {"value": None, "status": "outside_tolerance"}
        compared = first.comparison
        compared.neighbours, compared.neighbours_of = [51.5, 60.25, 70], 10
        compared.own, compared.quartile = 58.5, "B"

    html = "".join(_drawn_alike(quarter, User.objects.get(username="panel"), rf, mark))
    for shown in [
        "Provisional",
        "Two late &lt;returns&gt;",
        "15 more children would have met the target",
        "outturn-interval",
        "The panel saw no figure, outside tolerance",
        "Neighbours: mean",
        "band <strong>B</strong>",
    ]:
        assert shown in html


class _Odd:
    """A record whose cells django-tables2 finds every way its Accessor can: an attribute,
    a method it calls, a step that is None, an attribute missing, a key before an attribute."""

    def __init__(self, name, inner=None, keyed=None):
        self.name, self.inner, self.keyed = name, inner, keyed

    def shout(self):
        return self.name.upper()


class _Keyed(dict):
    label = "by attribute"  # a key of the same name wins, as django-tables2 looks it up


class _OddTable(AuthorityTable):
    name = tables.Column()
    shout = tables.Column()
    inner = tables.Column(accessor="inner__name")
    missing = tables.Column(accessor="inner__nothing__here")
    keyed = tables.Column(accessor="keyed__label")


def test_a_cell_is_found_as_django_tables2_finds_it():
    """rows_html finds a cell's value attribute by attribute where it can, and through
    django-tables2's Accessor otherwise: the same cells either way."""
    records = [
        _Odd("<first>", inner=_Odd("inside"), keyed=_Keyed(label="by key")),
        _Odd("second", keyed=_Keyed()),
        _Odd("third", inner=_Odd(None)),
        {"name": "a dict", "shout": "given", "inner": None},
    ]
    table = _OddTable(records)
    ours = table.rows_html()
    assert _tidy(ours) == _tidy(_drawn_by_django_tables2(table))
    for shown in ["&lt;first&gt;", "&lt;FIRST&gt;", "inside", "by key", "by attribute", "given"]:
        assert shown in ours


def test_a_table_with_no_rows_says_so(demo):
    quarter = build_quarter(
        Authority.objects.get(slug="doncaster"), Period.objects.get(code="2016-17 Q2")
    )
    nothing = MeasuresTable([], authority=quarter.authority, period=quarter.period)
    assert nothing.rows_html() == (
        '<tr class="govuk-table__row"><td class="govuk-table__cell" colspan="6">'
        "No measures match these filters.</td></tr>"
    )


def test_a_filter_that_matches_nothing_says_so_on_the_page(panel_member, client):
    html = client.get("/a/doncaster/q/2016-17-q2/?status=no_value").content.decode()
    assert "No measures match these filters." in html
    assert ">None<" not in html


# A measure's history rows as the template drew them before history_rows took their place.
HISTORY = Template(
    "{% for change in history %}"
    '<tr class="govuk-table__row">'
    '<td class="govuk-table__cell">{{ change.when|date:"j M Y H:i" }}</td>'
    '<td class="govuk-table__cell">{{ change.who|default:"–" }}{% if change.reason %}<br>'
    '<span class="govuk-body-s">{{ change.reason }}</span>{% endif %}</td>'
    '<td class="govuk-table__cell">{{ change.what }}: {{ change.field }}</td>'
    '<td class="govuk-table__cell outturn-text">{{ change.before|truncatechars:300 }}</td>'
    '<td class="govuk-table__cell outturn-text">{{ change.after|truncatechars:300 }}</td>'
    "</tr>{% endfor %}"
)


def test_a_measures_history_draws_as_its_template_drew_it(demo):
    from indicators.models import Indicator
    from reports.history import Change, timeline
    from reports.tables import history_rows

    doncaster = Authority.objects.get(slug="doncaster")
    changes = [
        change
        for indicator in Indicator.objects.all()
        for change in timeline(doncaster, indicator, f"test-{indicator.pk}")
    ]
    summer = datetime(2016, 7, 1, 23, 30, tzinfo=UTC)
    changes += [
        Change(summer, "", "Figure, Quarter 2 2016/17", "value", "–", "81.5"),
        Change(summer, "", "Action", "text", "Cafe\u0301 (not NFC)", "e\u0301" * 301),
        Change(
            summer,
            "officer",
            "Challenge",
            "council comment",
            "<b>&</b> 'q' \"",
            "x" * 400,
            reason="Corrected after <review>",
        ),
    ]
    ours = history_rows(changes)
    assert _tidy(ours) == _tidy(HISTORY.render(Context({"history": changes})))
    assert ours.count("<tr ") == len(changes) > 20
    assert "2 Jul 2016 00:30" in ours  # 23:30 UTC is half past midnight in London's summer
    assert "x" * 299 + "…" in ours
    assert "&lt;review&gt;" in ours


MINUTE = Template('{{ moment|date:"j M Y H:i" }}')  # the template puts it in local time


@settings(deadline=None, max_examples=300)
@given(
    st.datetimes(
        # hypothesis takes naive bounds and puts each moment in one of `timezones`
        min_value=datetime(1990, 1, 1),  # noqa: DTZ001
        max_value=datetime(2100, 12, 31),  # noqa: DTZ001
        timezones=st.sampled_from([UTC, ZoneInfo("Europe/London"), ZoneInfo("Pacific/Chatham")]),
    )
)
def test_a_moment_is_written_as_the_date_filter_writes_it(moment):
    """reports.tables.minute against Django's own filter, British summer time and its edges,
    odd time zones and single-digit days included."""
    from reports.tables import minute

    assert minute(moment) == MINUTE.render(Context({"moment": moment}))


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (datetime(2016, 3, 27, 0, 59, tzinfo=UTC), "27 Mar 2016 00:59"),  # GMT still
        (datetime(2016, 3, 27, 1, 0, tzinfo=UTC), "27 Mar 2016 02:00"),  # clocks forward
        (datetime(2016, 10, 30, 0, 30, tzinfo=UTC), "30 Oct 2016 01:30"),
        (datetime(2016, 10, 30, 1, 30, tzinfo=UTC), "30 Oct 2016 01:30"),  # back: twice
        (datetime(2017, 1, 5, 9, 5, tzinfo=UTC), "5 Jan 2017 09:05"),
    ],
)
def test_a_moment_is_written_in_londons_time(moment, shown):
    from reports.tables import minute

    assert minute(moment) == shown


# A measure page's status strip and table of figures, and a card, as the templates drew
# them before Python did (tests/reports/drawn_before).
STRIP = _before("status_strip.html")
MEASURE_ROWS = _before("measure_figures.html")


def test_a_measures_figures_and_status_strip_draw_as_the_template_drew_them(spc_series):
    from indicators.models import Indicator
    from reports.measure import build_story
    from reports.tables import figures_rows, status_strip

    doncaster = Authority.objects.select_related("region").get(slug="doncaster")
    quarter = Period.objects.get(code="2016-17 Q2")
    drawn = []
    for indicator in Indicator.objects.select_related("benchmark"):
        for until in (None, quarter):
            story = build_story(doncaster, indicator, until)
            theirs = STRIP.render(Context({"story": story}))
            assert _tidy(status_strip(story)) == _tidy(theirs), indicator.code
            for side in ("council", "provider", ""):
                context = {"story": story, "indicator": indicator, "authority": doncaster}
                theirs = MEASURE_ROWS.render(Context({**context, "side": side}))
                ours = figures_rows(story, side)
                assert _tidy(ours) == _tidy(theirs), (indicator.code, until, side)
                drawn.append(ours)
    html = "".join(drawn)
    assert html.count("<tr ") > 300
    for shown in ["Correct<span", "Change the target", "Set the target", "period not stated"]:
        assert shown in html


@given(st.text(alphabet=CODE_CHARACTERS, min_size=1, max_size=30))
@settings(deadline=None)  # the first reverse() loads the URLs
def test_a_link_drawn_from_the_base_path_is_the_one_reverse_draws(code):
    """Links to a measure are its quarter's base path and the code quoted (measure_page),
    without a reverse() each: the same address reverse() gives, for any code a measure may
    have (indicators.rules.code_problem)."""
    from types import SimpleNamespace

    from django.urls import reverse

    from indicators.rules import code_problem
    from indicators.templatetags.outturn import measure_page
    from reports.tables import measure_path

    assume(code_problem(code) is None)
    authority, period = SimpleNamespace(slug="doncaster"), SimpleNamespace(slug="2016-17-q2")
    expected = reverse("reports:quarter_measure", args=["doncaster", "2016-17-q2", code])
    assert measure_page(code, measure_path(authority, period)) == expected
