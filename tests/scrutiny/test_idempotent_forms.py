"""Issue 17: every write form is idempotent. Carrying an action over three times made three
open copies (and a done action was carried); a double-submitted form made two actions or two
presentations."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from scrutiny.models import Action, Publication

pytestmark = pytest.mark.django_db

ACTIONS = "/a/doncaster/q/2016-17-q2/m/A2/actions/"
NEW = {"text": "Review NFA cases", "owner": "Head of service", "due_date": "2016-12-15"}


@pytest.fixture
def council(demo, client):
    client.force_login(User.objects.get(username="officer"))
    return client


def test_carrying_over_three_times_makes_one_open_copy(council):
    council.post(ACTIONS, {**NEW, "status": "open"})
    action = Action.objects.get(text=NEW["text"])
    for _ in range(3):
        response = council.post(f"/actions/{action.pk}/", {"carry_over": "1"}, follow=True)
    assert Action.objects.filter(text=NEW["text"], status="open").count() == 1
    assert Action.objects.filter(carried_over_from=action).count() == 1
    assert "carried over to Quarter 3 2016/17 already" in response.content.decode()


def test_a_done_action_is_not_carried(council):
    council.post(ACTIONS, {**NEW, "status": "open"})
    action = Action.objects.get(text=NEW["text"])
    Action.objects.filter(pk=action.pk).update(status="done")
    response = council.post(f"/actions/{action.pk}/", {"carry_over": "1"}, follow=True)
    assert "This action is done" in response.content.decode()
    assert not Action.objects.filter(carried_over_from=action).exists()
    action.refresh_from_db()
    assert action.status == "done"


def test_a_double_submitted_action_is_added_once(council):
    council.post(ACTIONS, {**NEW, "status": "open"})
    again = council.post(ACTIONS, {**NEW, "status": "open"}, follow=True)
    assert Action.objects.filter(text=NEW["text"]).count() == 1
    assert "That action was added already" in again.content.decode()
    council.post(ACTIONS, {**NEW, "text": "A different action", "status": "open"})
    assert Action.objects.filter(challenge__period__code="2016-17 Q2").count() >= 2


def test_a_double_submitted_presentation_is_one_publication(council, monkeypatch):
    monkeypatch.setattr("reports.briefing.render_briefings", lambda *args, **kw: b"%PDF-1.7")
    for _ in range(2):
        council.post("/a/doncaster/q/2016-17-q2/publish/", {"presented_on": "2016-12-06"})
    assert Publication.objects.count() == 1
    council.post("/a/doncaster/q/2016-17-q2/publish/", {"presented_on": "2017-01-10"})
    assert Publication.objects.count() == 2


def test_every_write_form_says_it_saved(council, monkeypatch):
    monkeypatch.setattr("reports.briefing.render_briefings", lambda *args, **kw: b"%PDF-1.7")
    said = council.post(
        "/a/doncaster/q/2016-17-q2/m/A2/challenge/",
        {"classification": "concern", "council_comment": "Still short."},
        follow=True,
    ).content.decode()
    assert "Saved: the council&#x27;s comment on A2, Quarter 2 2016/17." in said
    said = council.post(ACTIONS, {**NEW, "status": "open"}, follow=True).content.decode()
    assert "Action added." in said
    action = Action.objects.get(text=NEW["text"])
    said = council.post(
        f"/actions/{action.pk}/", {**NEW, "status": "done"}, follow=True
    ).content.decode()
    assert "Saved: the action." in said
    said = council.post(
        "/a/doncaster/q/2016-17-q2/publish/", {"presented_on": "2016-12-06"}, follow=True
    ).content.decode()
    assert "Saved: Quarter 2 2016/17 as presented to the panel on 6 December 2016" in said


def test_a_second_presentation_for_the_same_meeting_says_it_was_presented(council, monkeypatch):
    monkeypatch.setattr("reports.briefing.render_briefings", lambda *args, **kw: b"%PDF-1.7")
    council.post("/a/doncaster/q/2016-17-q2/publish/", {"presented_on": "2016-12-06"})
    trust_side = User.objects.get(username="admin")  # another person, the same meeting
    council.force_login(trust_side)
    said = council.post(
        "/a/doncaster/q/2016-17-q2/publish/", {"presented_on": "2016-12-06"}, follow=True
    ).content.decode()
    assert "was presented to the panel on 6 December 2016 already" in said
    assert Publication.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_four_presentations_at_once_write_one(demo, monkeypatch):
    """Issue 30, finding 11: four concurrent posts wrote two publications, each with its
    paper. Four threads, each with its own connection, race past the check while their
    papers are built; the database's constraint keeps one."""
    import os
    import threading
    import time

    from django.db import connection, connections

    from reports.briefing import present

    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI runs this on PostgreSQL")
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them)")
    from authorities.models import Authority
    from indicators.models import Period

    def slow_paper(*args, **kwargs):
        time.sleep(0.5)  # every thread is past the check before any saves
        return b"%PDF-1.7"

    monkeypatch.setattr("reports.briefing.render_briefings", slow_paper)
    authority = Authority.objects.get(slug="doncaster")
    period = Period.objects.get(code="2016-17 Q2")
    officer = User.objects.get(username="officer")
    results, errors = [], []

    def post():
        try:
            results.append(present(authority, period, officer, "2016-12-06"))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert Publication.objects.count() == 1
    assert sorted(created for _, created in results) == [False, False, False, True]
    assert len({publication.pk for publication, _ in results}) == 1


@pytest.mark.parametrize("meeting", ["2006-12-06", "2016-09-30", "2019-01-01"])
def test_a_meeting_date_out_of_reach_of_the_quarter_is_refused_in_words(council, meeting):
    """Issue 28: a meeting date ten years back was taken without a question."""
    said = council.post(
        "/a/doncaster/q/2016-17-q2/publish/", {"presented_on": meeting}, follow=True
    ).content.decode()
    assert "Not presented: Enter a meeting date from 1 October 2016" in said
    assert not Publication.objects.exists()
