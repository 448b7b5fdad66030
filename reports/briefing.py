"""The quarter's scrutiny paper as a PDF: an HTML template rendered by WeasyPrint, with static
SVG charts from matplotlib (no browser). One place assembles it for the web, the command
line and the Celery task."""

from __future__ import annotations

import base64
import hashlib
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone

from authorities.models import Authority
from core import versions
from core.memory import fewer_collections
from indicators.models import Indicator, Period, Target, Value
from indicators.rules import Direction
from scrutiny import writes
from scrutiny.challenge import mark_revisions, open_actions
from scrutiny.models import Action, ChallengeRecord, Publication, Recommendation
from scrutiny.panel import for_quarter

from .measure import build_stories
from .presented import snapshot
from .quarter import Quarter, build_quarter

log = logging.getLogger(__name__)


@dataclass
class BriefingTimings:
    charts: list[float] = field(default_factory=list)
    render: float = 0.0
    pages: int = 0


@dataclass
class QuarterBriefing:
    quarter: Quarter
    sections: list[dict]  # measures of concern: a block each, with a chart
    improving: int
    worsening: int
    actions: list
    data_as_of: object
    # Today's paper: the panel's last presentation, against which revised figures are marked.
    # The paper as presented: None (it *is* the presentation).
    compared_with: Publication | None = None
    revised: list = field(default_factory=list)
    panel: dict = field(default_factory=dict)  # scrutiny.panel.for_quarter
    # The split-screen tables: measures challenged as performing well, and context measures.
    challenged_good: list[dict] = field(default_factory=list)
    challenged_context: list[dict] = field(default_factory=list)
    # What the panel is asked to do: written by the officer presenting; on today's paper, the
    # words of the quarter's last presentation (compared_with).
    asked_to: str = ""

    @property
    def split_tables(self) -> list[dict]:
        """The split-screen tables after the measures of concern, as the seed lays them out."""
        return [
            {
                "slug": "good",
                "title": "Areas of good and improving performance: the council's challenge",
                "rows": self.challenged_good,
            },
            {
                "slug": "context",
                "title": "Context measures (volumetric): the council's challenge",
                "rows": self.challenged_context,
            },
        ]


def assemble(
    authority: Authority,
    period: Period,
    timings: BriefingTimings | None = None,
    as_presented: bool = False,
) -> QuarterBriefing:
    """One quarter's part of the paper. Unless it is being frozen as presented, every figure
    or status revised since the quarter was last presented to the panel is marked with what
    the panel saw."""
    quarter = build_quarter(authority, period)
    compared_with = None
    if not as_presented:
        compared_with = (
            Publication.objects.filter(authority=authority, period=period)
            .order_by("-published_at", "-pk")
            .first()
        )
        mark_revisions(quarter, compared_with)
    today = timezone.localdate()
    directions = [row.value.direction for row in quarter.measures if row.value]
    as_of = Value.objects.filter(authority=authority).aggregate(latest=Max("updated_at"))
    blocks, good, context = _exceptions(quarter)
    return QuarterBriefing(
        quarter=quarter,
        sections=_sections(quarter, blocks, timings, today),
        challenged_good=_split_rows(good, today),
        challenged_context=_split_rows(context, today),
        improving=directions.count(Direction.BETTER),
        worsening=directions.count(Direction.WORSE),
        actions=open_actions(authority, today, quarter.definitions),
        data_as_of=as_of["latest"],
        compared_with=compared_with,
        panel=for_quarter(authority, period, quarter.definitions),
        asked_to=compared_with.asked_to if compared_with else "",
        revised=[row for row in quarter.measures + quarter.volumetric if row.presented],
    )


CONCERNS = ("concern", "potential_concern")


def _has_challenge(row) -> bool:
    challenge = row.challenge
    return bool(
        challenge
        and (challenge.classification or challenge.council_comment or challenge.provider_response)
    )


def _exceptions(quarter: Quarter) -> tuple[list, list, list]:
    """Where each measure the paper takes up goes, as the seed's report lays them out:
    measures of concern (outside or within tolerance, or classed a concern by the council)
    get a block of their own with a chart; the others the council chose to challenge are a
    row of a split-screen table, those performing well in one and the context (volumetric)
    measures in another."""
    blocks, good, context = [], [], []
    for row in quarter.measures:
        classed = row.challenge.classification if row.challenge else ""
        if row.is_concern or classed in CONCERNS:
            blocks.append(row)
        elif _has_challenge(row):
            good.append(row)
    context = [row for row in quarter.volumetric if _has_challenge(row)]
    return blocks, good, context


def _split_rows(rows: list, today) -> list[dict]:
    """A row of a split-screen table: the measure and its figure, the council's comment and
    questions, the provider's response, and the open actions."""
    return [{"row": row, "actions": _open_actions(row, today)} for row in rows]


def _open_actions(row, today) -> list:
    actions = row.challenge.actions.all() if row.challenge else []
    return [(a, a.state(today)) for a in actions if a.status == "open"]


def _sections(quarter: Quarter, rows: list, timings: BriefingTimings | None, today) -> list:
    """Each exception's block: its chart and recent quarters as the quarter stood (nothing of
    a later period), and its open actions."""
    period = quarter.period
    stories = build_stories(quarter.authority, [row.indicator for row in rows], until=period)
    sections = []
    for row in rows:
        story = stories[row.indicator.id]
        started = time.perf_counter()
        svg = chart_svg(story)
        if timings is not None:
            timings.charts.append(time.perf_counter() - started)
        recent = [v for v in story.values if v.period.kind == period.kind][-5:]
        sections.append(
            {
                "row": row,
                "chart": svg,
                "has_figures": story.has_figures,
                "recent": list(reversed(recent)),
                "actions": _open_actions(row, today),
            }
        )
    return sections


def render_pdf(
    authority: Authority,
    periods: list[Period],
    timings: BriefingTimings | None = None,
) -> bytes:
    """Today's paper for `periods`, every revision since the last presentation marked."""
    with fewer_collections():
        briefings = [assemble(authority, period, timings) for period in periods]
        return render_briefings(authority, briefings, timings)


def present(
    authority: Authority, period: Period, user, presented_on, asked_to: str = ""
) -> tuple[Publication, bool]:
    """Present a quarter to the panel: its snapshot and its PDF paper are frozen from one
    assembly of the figures, so the paper and the page "as presented" always agree. False,
    with the publication, where it was presented for that meeting already."""
    again = writes.presented(authority, period, presented_on)
    if again is not None:  # the form sent twice, or a second tab: one presentation
        return again, False
    with fewer_collections():
        briefing = assemble(authority, period, as_presented=True)
        briefing.asked_to = asked_to
        paper = render_briefings(authority, [briefing], presented_on=presented_on)
    publication = Publication(
        authority=authority,
        period=period,
        published_by=user,
        presented_on=presented_on,
        snapshot=snapshot(briefing.quarter),
        asked_to=asked_to,
    )
    name = f"{authority.slug}-{period.slug}-presented-{presented_on}.pdf"
    return writes.save_publication(publication, paper, name)


def render_briefings(
    authority: Authority,
    briefings: list[QuarterBriefing],
    timings: BriefingTimings | None = None,
    presented_on=None,
) -> bytes:
    """The PDF of assembled quarters; with `presented_on`, headed as the paper presented to
    the panel that day."""
    from weasyprint import HTML

    html = render_to_string(
        "reports/briefing.html",
        {
            "authority": authority,
            "briefings": briefings,
            "periods": [briefing.quarter.period for briefing in briefings],
            "generated_on": timezone.now(),
            "presented_on": presented_on,
        },
    )
    started = time.perf_counter()
    document = HTML(string=html, base_url=None, url_fetcher=_data_only()).render(pdf_tags=True)
    pdf = document.write_pdf(pdf_tags=True)
    if timings is not None:
        timings.render = time.perf_counter() - started
        timings.pages = len(document.pages)
    return pdf


def _data_only():
    """WeasyPrint may read the charts' data: URIs and nothing else, within 5 s: a paper never
    waits on the network (nor can anything in it make the server fetch an address)."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(timeout=5, allowed_protocols={"data"}, allow_redirects=False)


_CHARTS: OrderedDict[tuple, str | None] = OrderedDict()  # a worker's recent charts, by content
_CHARTS_KEPT = 256


def chart_svg(story) -> str | None:
    """The measure's chart as a data URI of an SVG image (matplotlib, no browser), or None
    where there is no figure to draw: the briefing then says so in a sentence. A worker keeps
    its recent charts keyed by everything drawn in them, so an unchanged measure is not
    drawn twice (the key is the content itself: a revised figure is a new chart)."""
    series = story.chart_series(with_region=False)
    key = (
        story.indicator.code,
        story.indicator.unit,
        tuple(
            (label, tuple((v.period.code, v.value) for v in values))
            for label, values in series.items()
        ),
        tuple((t.fiscal_year, t.target, t.tolerance) for t in story.targets),
    )
    if key in _CHARTS:
        _CHARTS.move_to_end(key)
        return _CHARTS[key]
    from . import static_charts  # matplotlib takes a second to import: only when drawing

    svg = static_charts.measure_svg(story.indicator, series, story.targets)
    uri = None if svg is None else "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
    _CHARTS[key] = uri
    if len(_CHARTS) > _CHARTS_KEPT:
        _CHARTS.popitem(last=False)
    return uri


def fingerprint(authority: Authority) -> str:
    """What the authority's papers show, in a few indexed queries: the versions of its own
    figures, targets and statuses and of every authority's figures of its measures and their
    national equivalents (core.versions: ranks, quartiles and comparators use every
    authority's figures), and the newest history row of its challenge records, actions and
    recommendations and its newest presentation (deletions included). A briefing built under
    another fingerprint is out of date; another council's figures of other measures never
    make it so."""
    measures = set(
        Value.objects.filter(authority=authority)
        .order_by()
        .values_list("indicator_id", flat=True)
        .distinct()
    )
    measures |= set(Target.objects.for_authority(authority).values_list("indicator_id", flat=True))
    measures |= set(
        Indicator.objects.filter(id__in=measures, benchmark__isnull=False).values_list(
            "benchmark_id", flat=True
        )
    )
    parts = [
        versions.stamp(authority.pk, measures),
        ChallengeRecord.history.filter(authority_id=authority.pk).aggregate(n=Max("history_id")),
        Action.history.filter(challenge__authority_id=authority.pk).aggregate(n=Max("history_id")),
        Recommendation.history.filter(authority_id=authority.pk).aggregate(n=Max("history_id")),
        Publication.objects.filter(authority=authority).aggregate(n=Max("id")),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()
