"""Issue 14: the panel's own voice. A panel member asks the provider something with a date;
the trust answers; the chair closes it; the quarter view and the briefing list it; the
history shows each step. Deep dives sit on a later meeting's agenda."""

from __future__ import annotations

import re
import subprocess
from html import unescape

import pytest
from django.contrib.auth.models import User

from scrutiny.models import Recommendation

pytestmark = pytest.mark.django_db

NEW = "/a/doncaster/q/2016-17-q2/panel/new/"


def as_user(client, username):
    client.force_login(User.objects.get(username=username))
    return client


def test_asked_answered_closed_listed_and_in_the_history(demo, client, tmp_path):
    as_user(client, "panel")
    response = client.post(
        NEW,
        {
            "kind": "question",
            "indicator": "",
            "addressed_to": "provider",
            "text": "How many assessments are waiting for a manager's sign-off?",
            "due_date": "2016-12-31",
        },
        follow=True,
    )
    assert "Saved: the panel&#x27;s question for the provider." in response.content.decode()
    item = Recommendation.objects.get()
    quarter = unescape(client.get("/a/doncaster/q/2016-17-q2/").content.decode())
    assert "How many assessments are waiting" in quarter
    assert "Overdue" in quarter  # 31 December 2016 has passed, unanswered

    assert (
        as_user(client, "officer").post(f"/recommendations/{item.pk}/", {"answer": "x"}).status_code
        == 403
    )
    as_user(client, "trust").post(
        f"/recommendations/{item.pk}/", {"answer": "Fourteen, all within five days."}
    )
    item.refresh_from_db()
    assert (item.status, item.answered_by.username) == ("answered", "trust")
    assert (
        as_user(client, "trust")
        .post(f"/recommendations/{item.pk}/decide/", {"status": "closed"})
        .status_code
        == 403
    )

    as_user(client, "chair").post(f"/recommendations/{item.pk}/decide/", {"status": "closed"})
    item.refresh_from_db()
    assert item.status == "closed"
    page = " ".join(unescape(client.get(f"/recommendations/{item.pk}/").content.decode()).split())
    steps = re.findall(r"<li>[^<]*\((?:open|answered|closed)[^)]*\)</li>", page)
    assert len(steps) == 3
    assert "asked by panel" in page
    assert "answered by trust" in page
    assert "closed by chair" in page


def test_the_briefing_lists_the_panels_items_and_deep_dives(demo, client, tmp_path):
    from django.core.management import call_command

    as_user(client, "panel")
    client.post(
        NEW,
        {
            "kind": "recommendation",
            "indicator": "",
            "addressed_to": "council",
            "text": "Report assessment timeliness by team every month.",
            "due_date": "",
        },
    )
    from indicators.models import Indicator

    client.post(
        NEW,
        {
            "kind": "deep_dive",
            "indicator": Indicator.objects.get(code="A2").pk,
            "addressed_to": "provider",
            "text": "Walk the panel through a sample of late assessments.",
            "agenda_quarter": "2016-17 Q3",
        },
    )
    dive = Recommendation.objects.get(kind="deep_dive")
    assert dive.agenda_period.code == "2016-17 Q3"
    path = tmp_path / "q2.pdf"
    call_command("briefing", authority="Doncaster", period="2016-17 Q2", output=str(path))
    text = " ".join(
        subprocess.run(
            ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True
        ).stdout.split()
    )
    assert "The panel's questions and recommendations" in text
    assert "Report assessment timeliness by team every month." in text
    path3 = tmp_path / "q3.pdf"
    call_command("briefing", authority="Doncaster", period="2016-17 Q3", output=str(path3))
    text3 = " ".join(
        subprocess.run(
            ["pdftotext", "-raw", str(path3), "-"], capture_output=True, text=True
        ).stdout.split()
    )
    assert "Deep dives on this meeting's agenda: A2 Single assessments" in text3


def test_a_deep_dive_needs_a_measure_and_a_meeting(demo, client):
    as_user(client, "panel")
    page = unescape(
        client.post(
            NEW, {"kind": "deep_dive", "addressed_to": "council", "text": "Look at it"}
        ).content.decode()
    )
    assert "Choose the measure for the deep dive" in page
    assert "Give the quarter whose meeting takes the deep dive" in page
    assert not Recommendation.objects.exists()


def test_officers_do_not_write_the_panels_words(demo, client):
    assert as_user(client, "officer").get(NEW).status_code == 403


def test_a_panel_acts_only_on_its_own_councils_items(demo, client):
    """Issue 30, finding 4: the demo chair closed Derby's recommendation. Panel seats and
    chairing are per authority, like officers' assignments."""
    from django.contrib.auth.models import Group

    from authorities.models import Authority, PanelMembership
    from indicators.models import Period

    derby = Authority.objects.create(
        code="E06000015", dfe_code="831", name="Derby", slug="derby", kind="local_authority"
    )
    item = Recommendation.objects.create(
        authority=derby,
        period=Period.objects.get(code="2016-17 Q2"),
        addressed_to="council",
        text="Why?",
    )
    as_user(client, "chair")  # Doncaster's chair
    assert client.get(f"/recommendations/{item.pk}/").status_code == 403
    assert (
        client.post(f"/recommendations/{item.pk}/decide/", {"status": "closed"}).status_code == 403
    )
    assert client.get("/a/derby/q/2016-17-q2/panel/new/").status_code == 403
    item.refresh_from_db()
    assert item.status == Recommendation.Status.OPEN
    derby_chair = User.objects.create_user("dc", password="dc-password-2016")
    derby_chair.groups.add(Group.objects.get(name="Panel members"))
    PanelMembership.objects.create(user=derby_chair, authority=derby, chair=True)
    client.force_login(derby_chair)
    client.post(f"/recommendations/{item.pk}/decide/", {"status": "closed"})
    item.refresh_from_db()
    assert item.status == Recommendation.Status.CLOSED


def test_a_performance_admin_adds_a_panel_chair_for_an_authority(demo, client):
    """Issue 28, finding 11: /people/add/ could not create a panel chair."""
    from authorities.models import PanelMembership

    as_user(client, "admin")
    data = {
        "first_name": "Pat",
        "last_name": "Chair",
        "email": "pat@outturn.example",
        "role": "chair",
        "authority": "",
    }
    page = client.post("/people/add/", data).content.decode()
    assert "Choose the authority whose panel they sit on" in page
    from authorities.models import Authority

    data["authority"] = Authority.objects.get(slug="doncaster").pk
    assert client.post("/people/add/", data).status_code == 302
    seat = PanelMembership.objects.get(user__username="pat@outturn.example")
    assert (seat.authority.slug, seat.chair) == ("doncaster", True)


@pytest.mark.parametrize(
    ("due", "agenda", "said"),
    [
        ("0001-01-01", "", "Give a date from 1 July 2016 (the start of Quarter 2 2016/17)"),
        ("9999-12-31", "", "to 30 September 2018, 2 years on"),
        ("", "2099-00 Q4", "Give a quarter after Quarter 2 2016/17, up to Quarter 2 2018/19"),
        ("", "2016-17 Q1", "Give a quarter after Quarter 2 2016/17"),
    ],
)
def test_the_panels_dates_are_within_reach_of_its_meeting(demo, client, due, agenda, said):
    """Issue 30: answer-by dates of 0001-01-01 and 9999-12-31 were taken, and a deep dive for
    2099-00 Q4 created that quarter."""
    from indicators.models import Period

    as_user(client, "panel")
    before = Period.objects.count()
    data = {"kind": "deep_dive", "indicator": "", "addressed_to": "council", "text": "Why?"}
    data |= {"due_date": due, "agenda_quarter": agenda}
    page = unescape(client.post(NEW, data).content.decode())
    assert said in page
    assert not Recommendation.objects.exists()
    assert Period.objects.count() == before


def test_a_performance_admin_answers_for_either_side(demo, client):
    """Issue 30: admins could not answer an item addressed to the provider, though the
    challenge import lets them write both sides: one rule (core.access.may_write_side)."""
    as_user(client, "panel")
    client.post(NEW, {"kind": "question", "indicator": "", "addressed_to": "provider", "text": "?"})
    item = Recommendation.objects.get()
    as_user(client, "admin")
    client.post(f"/recommendations/{item.pk}/", {"answer": "Answered by the admin."})
    item.refresh_from_db()
    assert (item.status, item.answer) == ("answered", "Answered by the admin.")
    as_user(client, "officer")  # the council's officer: not the provider's words
    assert client.post(f"/recommendations/{item.pk}/", {"answer": "No"}).status_code == 403
