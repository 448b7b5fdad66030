"""Every figure a page draws is one plotly validates: the charts are built as plotly.js's own
JSON (reports/charts.py) and written without plotly's validation, so the suite validates
them through plotly.graph_objects instead, every measure of the demo and a compare chart."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import pytest

from authorities.models import Authority
from indicators.models import Indicator, Period
from reports.measure import build_stories
from reports.ranking import rank

pytestmark = pytest.mark.django_db


def _valid(figure_json: str) -> dict:
    figure = json.loads(figure_json)
    go.Figure(figure)  # raises on any property or value plotly does not know
    return figure


def test_every_measure_chart_of_the_demo_is_valid_plotly(demo):
    doncaster = Authority.objects.get(slug="doncaster")
    stories = build_stories(doncaster, list(Indicator.objects.all()))
    drawn = [_valid(s.figure_json) for s in stories.values() if s.has_figures]
    assert len(drawn) >= 20
    assert any(f["layout"].get("shapes") for f in drawn)  # tolerance bands among them


def test_a_compare_chart_is_valid_plotly(demo):
    doncaster = Authority.objects.get(slug="doncaster")
    indicator = Indicator.objects.get(code="A2")
    period = Period.objects.get(code="2016-17 Q2")
    figure = _valid(rank(indicator, period, doncaster).figure_json)
    assert figure["data"]
