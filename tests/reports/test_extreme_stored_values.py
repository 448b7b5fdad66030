"""Issue 30, finding 1: no stored value takes a page down. A target of 1e308 stored before
entry checks refused it (or written by hand in the database) made the measure page, the
quarter page, the export and the paper answer 500 for every reader. Every number renders; the
entry checks refuse such figures at the form and in the targets file."""

from __future__ import annotations

import pytest

from indicators.models import Target, Value
from indicators.recompute import recompute

pytestmark = pytest.mark.django_db

QUARTER = "/a/doncaster/q/2016-17-q2/"


def _store_by_hand(target: float, tolerance: float, value: float) -> None:
    """What an old release, a `psql` session or a restored dump could have left: the write
    path refuses these now, so they are written past it, as they would have been."""
    Target.objects.filter(indicator__code="A2", fiscal_year=2016).update(
        target=target, tolerance=tolerance
    )
    Value.objects.filter(indicator__code__in=["A3", "E1", "E20"], period__code="2016-17 Q2").update(
        value=value
    )
    recompute()


@pytest.mark.parametrize(
    ("target", "tolerance", "value"),
    [(1e308, 1e308, 1e308), (1e28, 1e28, -1e308), (5e-324, 5e-324, 1e-300)],
)
def test_every_page_answers_with_an_extreme_stored_figure(
    panel_member, client, target, tolerance, value
):
    _store_by_hand(target, tolerance, value)
    for address in (
        QUARTER,
        QUARTER + "export.csv",
        QUARTER + "?_export=csv",
        QUARTER + "?_export=xlsx",
        "/a/doncaster/m/A2/",
        "/a/doncaster/m/A3/",
        "/a/doncaster/m/E1/",
        "/a/doncaster/m/E20/",
        "/a/doncaster/",
    ):
        response = client.get(address)
        assert response.status_code == 200, address
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)


def test_an_extreme_figure_is_shown_as_out_of_range_not_as_an_error(panel_member, client):
    _store_by_hand(1e30, 1e30, 12.5)
    page = client.get("/a/doncaster/m/A2/").content.decode()
    assert "out of range" in page


def test_the_paper_is_built_with_an_extreme_stored_target(demo, officer, client):
    _store_by_hand(1e308, 1e308, 1e308)
    from tests.http import paper

    response = paper(client, QUARTER + "briefing.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
