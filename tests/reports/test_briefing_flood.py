"""Issue 17: a flood of briefing requests starved the recompute. Papers have their own
queue; identical requests are one paper; each person may have only a few waiting; a quarter's
PDF is built once per state of the figures."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from reports.models import Briefing
from tests.http import read_all

pytestmark = pytest.mark.django_db


def test_briefings_have_their_own_queue_and_recomputes_keep_the_default():
    from config.celery import app

    route = app.amqp.router.route
    assert route({}, "reports.tasks.build_briefing")["queue"].name == "briefings"
    for task in ["indicators.tasks.recompute_statuses", "imports.tasks.recompute_import"]:
        assert route({}, task)["queue"].name == app.conf.task_default_queue


@pytest.fixture
def officer_queueing(demo, client, monkeypatch):
    """An officer whose year briefings stay queued (no worker picks them up)."""
    monkeypatch.setattr("reports.papers.send", lambda *args: True)
    client.force_login(User.objects.get(username="officer"))
    return client


def test_the_same_year_asked_for_twice_is_one_briefing(officer_queueing):
    first = officer_queueing.post("/a/doncaster/y/2016-17/briefing/")
    second = officer_queueing.post("/a/doncaster/y/2016-17/briefing/")
    assert Briefing.objects.count() == 1
    assert first.url == second.url == f"/briefings/{Briefing.objects.get().pk}/"


def test_a_person_may_have_three_briefings_waiting(officer_queueing, settings):
    settings.BRIEFINGS_WAITING_PER_PERSON = 3
    for year in ["2013-14", "2014-15", "2015-16"]:
        officer_queueing.post(f"/a/doncaster/y/{year}/briefing/")
    refused = officer_queueing.post("/a/doncaster/y/2016-17/briefing/", follow=True)
    assert Briefing.objects.count() == 3
    assert "You have 3 papers being prepared already" in refused.content.decode()
    # A quarter's paper counts against the same limit: the web never builds one instead.
    quarter = officer_queueing.post("/a/doncaster/q/2016-17-q2/briefing.pdf", follow=True)
    assert "You have 3 papers being prepared already" in quarter.content.decode()
    assert Briefing.objects.count() == 3


def test_a_quarters_pdf_is_built_once_per_state_of_the_figures(
    panel_member, client, monkeypatch, django_capture_on_commit_callbacks
):
    from indicators import writes
    from indicators.models import Value
    from reports import briefing

    built = []
    render = briefing.render_pdf

    def counting(*args, **kwargs):
        built.append(1)
        return render(*args, **kwargs)

    monkeypatch.setattr("reports.briefing.render_pdf", counting)
    url = "/a/doncaster/q/2016-17-q2/briefing.pdf"
    assert b"Prepare the briefing" in client.get(url).content  # nothing built: nothing built
    assert built == []
    for _ in range(2):  # built by the worker (here at once), then downloaded from its address
        assert client.post(url).url == url
    assert Briefing.objects.count() == 1
    first = read_all(client.get(url))
    second = read_all(client.get(url))
    assert first == second
    assert first.startswith(b"%PDF")
    assert len(built) == 1
    value = Value.objects.get(
        indicator__code="A2", authority__slug="doncaster", period__code="2016-17 Q2"
    )
    value.value = 90
    with django_capture_on_commit_callbacks(execute=True):
        writes.save_value(value, reason="Corrected")
    assert b"Prepare the briefing" in client.get(url).content  # the figures moved
    client.post(url)
    read_all(client.get(url))
    assert len(built) == 2  # built again


def test_with_the_broker_down_a_paper_is_refused_in_words_never_built_here(
    officer, client, monkeypatch, settings
):
    """Issue 30, finding 9: with Redis unreachable a year paper was built in a web request
    for 43.6 s, and a quarter's was built in the request (9-12 s under load) every time."""
    from kombu.exceptions import OperationalError

    from config.celery import app
    from reports.tasks import build_briefing

    def unreachable(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    built = []
    monkeypatch.setattr("reports.briefing.render_briefings", lambda *a, **k: built.append(1))
    app.conf.task_always_eager = False  # as deployed (the autouse fixture restores it)
    monkeypatch.setattr(build_briefing, "apply_async", unreachable)
    for url, back in [
        ("/a/doncaster/q/2016-17-q2/briefing.pdf", "/a/doncaster/q/2016-17-q2/briefing.pdf"),
        ("/a/doncaster/y/2016-17/briefing/", "/a/doncaster/"),
        ("/a/doncaster/q/2016-17-q2/publish/", "/a/doncaster/q/2016-17-q2/"),
    ]:
        response = client.post(url, {"presented_on": "2016-12-06"})
        assert response.status_code == 302, url
        assert response.url == back
        said = client.get(back).content.decode().replace("&#x27;", "'")
        assert "Papers are paused for the moment" in said, url
        assert "Every figure is here on the pages" in said
    assert built == []
    assert set(Briefing.objects.values_list("state", flat=True)) == {"failed"}
