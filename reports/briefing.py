"""The quarter's scrutiny paper as a PDF: an HTML template rendered by WeasyPrint, with static
SVG charts from matplotlib (no browser). One place assembles it for the web, the command
line and the Celery task."""

from __future__ import annotations

import base64
import hashlib
import logging
import time
from dataclasses import dataclass, field

from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone

from authorities.models import Authority
from indicators.models import Period, Target, Value
from indicators.rules import Direction
from scrutiny.challenge import open_actions
from scrutiny.models import Action, ChallengeRecord

from .measure import build_stories
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
    sections: list[dict]
    improving: int
    worsening: int
    actions: list
    data_as_of: object


def assemble(authority: Authority, period: Period, timings: BriefingTimings | None = None):
    quarter = build_quarter(authority, period)
    selected = [
        row
        for row in quarter.measures + quarter.volumetric
        if row.is_concern
        or (
            row.challenge
            and row.challenge.classification in ("good", "concern", "potential_concern")
        )
        or (row.challenge and (row.challenge.council_comment or row.challenge.provider_response))
    ]
    stories = build_stories(authority, [row.indicator for row in selected])
    today = timezone.localdate()
    sections = []
    for row in selected:
        story = stories[row.indicator.id]
        started = time.perf_counter()
        svg = chart_svg(story)
        if timings is not None:
            timings.charts.append(time.perf_counter() - started)
        recent = [v for v in story.values if v.period.end <= period.end][-8:]
        sections.append(
            {
                "row": row,
                "chart": svg,
                "has_figures": story.has_figures,
                "recent": list(reversed(recent)),
                "actions": [
                    (a, a.state(today))
                    for a in (row.challenge.actions.all() if row.challenge else [])
                    if a.status == "open"
                ],
            }
        )
    directions = [row.value.direction for row in quarter.measures if row.value]
    as_of = Value.objects.filter(authority=authority).aggregate(latest=Max("updated_at"))
    return QuarterBriefing(
        quarter=quarter,
        sections=sections,
        improving=directions.count(Direction.BETTER),
        worsening=directions.count(Direction.WORSE),
        actions=open_actions(authority, today),
        data_as_of=as_of["latest"],
    )


def render_pdf(
    authority: Authority, periods: list[Period], timings: BriefingTimings | None = None
) -> bytes:
    from weasyprint import HTML

    briefings = [assemble(authority, period, timings) for period in periods]
    html = render_to_string(
        "reports/briefing.html",
        {
            "authority": authority,
            "briefings": briefings,
            "periods": periods,
            "generated_on": timezone.now(),
        },
    )
    started = time.perf_counter()
    document = HTML(string=html, base_url=None).render(pdf_tags=True)
    pdf = document.write_pdf(pdf_tags=True)
    if timings is not None:
        timings.render = time.perf_counter() - started
        timings.pages = len(document.pages)
    return pdf


def chart_svg(story) -> str | None:
    """The measure's chart as a data URI of an SVG image (matplotlib, no browser), or None
    where there is no figure to draw: the briefing then says so in a sentence."""
    from . import static_charts  # matplotlib takes a second to import: only when drawing

    svg = static_charts.measure_svg(
        story.indicator,
        {story.authority.name: story.values, "England": story.england},
        story.targets,
    )
    if svg is None:
        return None
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def fingerprint() -> str:
    """What every figure, status, target and piece of commentary looked like, in five
    aggregate queries: the latest change to a figure's record (imports, edits and the
    recompute all move it) and the newest history row of figures, targets, challenge records
    and actions (deletions included). A briefing built under another fingerprint is out of
    date. Whole-database on purpose: ranks, quartiles and comparators use every authority's
    figures, so a paper is never called current when something it used has moved."""
    parts = [
        Value.objects.aggregate(latest=Max("updated_at"))["latest"],
        *(
            model.history.aggregate(latest=Max("history_id"))["latest"]
            for model in (Value, Target, ChallengeRecord, Action)
        ),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()
