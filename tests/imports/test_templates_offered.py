"""Issue 28, finding 15: the upload page offers the templates its reader can use, those for
challenge records and actions included, and each template imports as it stands."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from imports import service

pytestmark = pytest.mark.django_db


def test_an_officer_is_offered_the_templates_they_can_use(officer, client):
    page = client.get("/imports/upload/").content.decode()
    for kind in ("returns", "targets", "challenges", "actions"):
        assert f'href="/imports/template/{kind}.csv"' in page, kind
    assert 'href="/imports/template/indicators.csv"' not in page  # a performance admin's
    client.force_login(User.objects.get(username="admin"))
    assert (
        'href="/imports/template/indicators.csv"' in client.get("/imports/upload/").content.decode()
    )


@pytest.mark.parametrize("kind", ["returns", "targets", "challenges", "actions"])
def test_each_template_an_officer_downloads_checks_clean(officer, client, kind):
    data = client.get(f"/imports/template/{kind}.csv").content
    staged = service.stage(kind, data, f"{kind}.csv", User.objects.get(username="officer"))
    assert staged.problems == [], staged.problems[:3]


def test_the_providers_challenge_template_is_its_own_side(officer, client):
    client.force_login(User.objects.get(username="trust"))
    data = client.get("/imports/template/challenges.csv").content
    assert data.decode().splitlines()[0] == "authority,indicator,period,provider_response"
    staged = service.stage("challenges", data, "c.csv", User.objects.get(username="trust"))
    assert staged.problems == []
