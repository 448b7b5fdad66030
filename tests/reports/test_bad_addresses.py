"""Issue 17's 500s from addresses: each is now a clear 404 or the page meant."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from indicators.models import Period

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("year", ["9999-00", "0000-01", "1066-67", "2099-00"])
def test_a_year_briefing_for_an_impossible_or_future_year_is_not_found(demo, client, year):
    client.force_login(User.objects.get(username="officer"))
    before = Period.objects.count()
    response = client.post(f"/a/doncaster/y/{year}/briefing/")
    assert response.status_code == 404
    assert Period.objects.count() == before


def test_the_switcher_takes_a_quarter_as_people_write_it(panel_member, client):
    response = client.get("/switch/?authority=doncaster&period=2016-17%20Q2")
    assert response.status_code == 302
    assert response.url == "/a/doncaster/q/2016-17-q2/"
    assert client.get("/switch/?authority=doncaster&period=Q2%202016/17").url == response.url
    assert client.get("/switch/?authority=doncaster&period=2016-07").status_code == 404
    assert client.get("/switch/?authority=doncaster&period=0000-01%20Q1").status_code == 404
