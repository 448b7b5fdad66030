"""The performance challenge: each side writes its own text, attributed; panel members read;
history; actions; publishing a quarter; CSV round trip."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import User

from imports import service
from indicators import writes
from indicators.models import Value
from scrutiny.models import Action, ChallengeRecord, Publication

pytestmark = pytest.mark.django_db

EDIT = "/a/doncaster/q/2016-17-q2/m/A2/challenge/"
QUARTER = "/a/doncaster/q/2016-17-q2/"


def login(client, username):
    client.force_login(User.objects.get(username=username))


def test_the_council_writes_its_comment_and_the_provider_its_response(demo, client):
    login(client, "officer")
    response = client.post(
        EDIT,
        {
            "classification": "concern",
            "council_comment": "Still falling.\n\nWhy?",
            "questions": "Which teams?",
        },
    )
    assert response.status_code == 302
    record = ChallengeRecord.objects.get(indicator__code="A2", period__code="2016-17 Q2")
    assert record.council_comment == "Still falling.\n\nWhy?"
    assert record.council_by.username == "officer"

    login(client, "trust")
    form = client.get(EDIT).content.decode()
    assert 'name="council_comment"' not in form  # the provider cannot rewrite the council's text
    client.post(EDIT, {"provider_response": "Three teams; weekly tracking."})
    record.refresh_from_db()
    assert record.provider_response == "Three teams; weekly tracking."
    assert record.provider_by.username == "trust"
    assert record.council_comment == "Still falling.\n\nWhy?"


def test_a_panel_member_reads_but_cannot_edit(demo, client):
    login(client, "panel")
    assert client.get(EDIT).status_code == 403
    assert client.post(EDIT, {"council_comment": "x"}).status_code == 403
    html = client.get("/a/doncaster/m/A2/").content.decode()
    assert "Assessment timeliness has fallen again" in html
    assert "Write the council" not in html
    assert "<textarea" not in html
    quarter = client.get(QUARTER).content.decode()
    assert "Present to the panel" not in quarter


def test_script_in_a_comment_is_shown_as_text(demo, client):
    login(client, "officer")
    client.post(EDIT, {"council_comment": "<script>alert('x')</script> & more"})
    html = client.get("/a/doncaster/m/A2/").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in html


def test_overdue_actions_are_shown_as_overdue(demo, client):
    login(client, "panel")
    html = client.get(QUARTER).content.decode()
    assert "Open and overdue actions" in html
    assert html.count("outturn-action--overdue") >= 3
    action = Action.objects.get(text__startswith="Report which teams")
    assert action.state(date(2016, 11, 1)) == "open"
    assert action.state(date(2016, 12, 1)) == "overdue"
    action.status = Action.Status.DONE
    assert action.state(date(2016, 12, 1)) == "done"


def test_an_action_is_added_edited_and_carried_over(demo, client):
    login(client, "officer")
    client.post(
        "/a/doncaster/q/2016-17-q2/m/A2/actions/",
        {
            "text": "Review NFA cases",
            "owner": "Head of service",
            "due_date": "2016-12-15",
            "status": "open",
        },
    )
    action = Action.objects.get(text="Review NFA cases")
    bad = client.post(f"/actions/{action.pk}/", {"text": "", "status": "open", "due_date": "x"})
    assert bad.status_code == 200
    assert "Enter the action" in bad.content.decode()
    client.post(f"/actions/{action.pk}/", {"carry_over": "1"})
    action.refresh_from_db()
    assert action.status == "carried"
    carried = action.carried_to.get()
    assert carried.challenge.period.code == "2016-17 Q3"
    assert carried.status == "open"


def test_every_edit_is_in_the_measure_history(demo, client):
    login(client, "officer")
    client.post(EDIT, {"classification": "concern", "council_comment": "First version"})
    client.post(EDIT, {"classification": "concern", "council_comment": "Second version"})
    login(client, "panel")
    html = client.get("/a/doncaster/m/A2/").content.decode()
    assert "History of changes" in html
    assert "First version" in html
    assert "Second version" in html
    changes = client.get("/a/doncaster/m/A2/").context["history"]
    latest = next(c for c in changes if c.after == "Second version")
    assert (latest.before, latest.who) == ("First version", "officer")


def test_history_shows_labels_never_raw_codes(demo, client):
    login(client, "officer")
    client.post(EDIT, {"classification": "potential_concern", "council_comment": "Watch it"})
    login(client, "panel")
    changes = client.get("/a/doncaster/m/A2/").context["history"]
    change = next(c for c in changes if c.field == "classification")
    assert change.after == "Potential concern"
    html = client.get("/a/doncaster/m/A2/").content.decode()
    assert "potential_concern" not in html


def test_an_imported_figure_is_in_the_history_with_its_import(demo, client):
    data = b"authority,indicator,period,value\nE08000017,A2,2016-17 Q2,85\n"
    user = User.objects.get(username="officer")
    service.apply(service.stage("returns", data, "fix.csv", user=user).batch)
    login(client, "panel")
    changes = client.get("/a/doncaster/m/A2/").context["history"]
    change = next(c for c in changes if c.field == "value")
    assert (change.after, change.who) == ("85", "officer")
    assert change.reason.startswith("Import ")


def test_a_presented_quarter_is_frozen_and_revisions_are_marked(demo, client):
    login(client, "officer")
    response = client.post(f"{QUARTER}publish/", {"presented_on": "2016-12-06"}, follow=True)
    publication = Publication.objects.get()
    said = response.content.decode()
    assert "Saved: Quarter 2 2016/17 as presented to the panel on 6 December 2016" in said
    assert f"{QUARTER}?presented={publication.pk}" in said  # the paper's page links to it
    assert publication.snapshot["measures"]["A2"]["value"] == 82

    a2 = Value.objects.get(indicator__code="A2", period__code="2016-17 Q2")
    a2.value = 86
    writes.save_value(a2, reason="Revised")
    login(client, "panel")
    presented = client.get(QUARTER, {"presented": publication.pk}).content.decode()
    assert "as presented on 6 December 2016" in presented
    assert "Assessment timeliness has fallen again" in presented
    current = client.get(QUARTER).content.decode()
    assert "The panel saw 82%, outside tolerance" in current
    assert "Revised" in current


def test_the_presented_snapshot_keeps_units_and_the_summary_and_marks_a_changed_status(
    demo, client, django_capture_on_commit_callbacks
):
    login(client, "officer")
    client.post(f"{QUARTER}publish/", {"presented_on": "2016-12-06"})
    publication = Publication.objects.get()
    login(client, "panel")
    presented = " ".join(
        client.get(QUARTER, {"presented": publication.pk}).content.decode().split()
    )
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">82%</td>' in presented
    assert "Summary by status as presented on 6 December 2016" in presented
    assert publication.snapshot["summary"]["totals"] == [2, 3, 11, 2]
    # Its headers carry the symbols, as the live summary's do (issue 28: they were dropped).
    summary = presented.split("Summary by status as presented")[1].split("</thead>")[0]
    for symbol, label in [("✓", "On or better than target"), ("✗", "Outside tolerance")]:
        assert f'<span aria-hidden="true">{symbol}</span> {label}' in summary
    # The figure stands; a new target moves its status: the panel saw another status.
    from indicators.models import Target

    target = Target.objects.get(indicator__code="A2", fiscal_year=2016)
    target.target, target.tolerance = 80, 75
    with django_capture_on_commit_callbacks(execute=True):
        writes.save_target(target, reason="Revised")
    assert Value.objects.get(indicator__code="A2", period__code="2016-17 Q2").status == "on_target"
    current = " ".join(client.get(QUARTER).content.decode().split())
    assert "The panel saw 82%, outside tolerance" in current


def test_only_the_council_presents_a_quarter(demo, client):
    login(client, "trust")
    assert client.post(f"{QUARTER}publish/", {"presented_on": "2016-12-06"}).status_code == 403
    assert not Publication.objects.exists()


def test_challenge_and_actions_round_trip_through_csv(demo, client):
    """A performance admin may restore both sides' text (an officer writes only their own)."""
    login(client, "officer")
    challenge_csv = client.get(f"{QUARTER}challenge.csv").content
    actions_csv = client.get(f"{QUARTER}actions.csv").content
    before = {
        r.indicator.code: (r.classification, r.council_comment, r.questions, r.provider_response)
        for r in ChallengeRecord.objects.select_related("indicator")
    }
    action_count = Action.objects.count()
    ChallengeRecord.objects.all().delete()
    user = User.objects.get(username="admin")
    for kind, data in [("challenges", challenge_csv), ("actions", actions_csv)]:
        staged = service.stage(kind, data, f"{kind}.csv", user=user)
        assert staged.problems == []
        service.apply(staged.batch)
    after = {
        r.indicator.code: (r.classification, r.council_comment, r.questions, r.provider_response)
        for r in ChallengeRecord.objects.select_related("indicator")
    }
    assert after == before
    assert Action.objects.count() == action_count


def test_a_bad_challenge_file_names_each_problem(demo):
    data = (
        b"authority,indicator,period,classification,council_comment\n"
        b"E08000017,A2,2016-17,great,x\nE09000001,A2,2016-17 Q2,,y\n"
    )
    user = User.objects.get(username="officer")
    staged = service.stage("challenges", data, "c.csv", user=user)
    messages = [str(p) for p in staged.problems]
    assert 'Row 2, column classification: "great" is not one of' in messages[0]
    assert 'Row 2, column period: "2016-17" is not a quarter' in messages[1]
    assert any(m.startswith("Row 3, column authority") for m in messages)
    assert ChallengeRecord.objects.filter(council_comment__in=["x", "y"]).count() == 0


@pytest.mark.parametrize("rows", [2, 12])
def test_importing_challenges_is_set_based(demo, rows, django_assert_max_num_queries):
    from imports.challenges import apply_challenges, check_challenges
    from imports.files import read_table

    quarters = [f"{2000 + n}-{(n + 1) % 100:02d} Q1" for n in range(rows)]
    data = "authority,indicator,period,council_comment\n" + "".join(
        f"E08000017,A2,{quarter},Comment {n}\n" for n, quarter in enumerate(quarters)
    )
    checked = check_challenges(read_table(data.encode(), "c.csv"))
    assert checked.ok
    with django_assert_max_num_queries(12):
        counts = apply_challenges(checked, User.objects.get(username="officer"))
    assert counts["new"] == rows


def _stage_as(username: str, data: bytes, kind: str = "challenges"):
    return service.stage(kind, data, f"{kind}.csv", user=User.objects.get(username=username))


def _a2() -> ChallengeRecord:
    return ChallengeRecord.objects.get(indicator__code="A2", period__code="2016-17 Q2")


def test_the_preview_of_a_challenge_file_says_what_applying_finds(demo):
    """Re-staging the demo's own challenge file previews nothing new, as applying finds."""
    from demo.load import DEMO_DIR

    data = (DEMO_DIR / "challenge.csv").read_bytes()
    staged = _stage_as("admin", data)
    assert staged.counts == {"new": 0, "changed": 0, "unchanged": 16}
    applied = service.apply(staged.batch)
    assert applied.counts == staged.counts
    actions = _stage_as("admin", (DEMO_DIR / "actions.csv").read_bytes(), "actions")
    assert actions.counts["new"] == 0
    count = Action.objects.count()
    service.apply(actions.batch)
    assert Action.objects.count() == count  # never added twice


def test_a_trust_officer_cannot_write_the_councils_comment_by_import(demo):
    record = _a2()
    before = (record.council_comment, record.questions, record.provider_response)
    data = (
        b"authority,indicator,period,council_comment\n"
        b"E08000017,A2,2016-17 Q2,Written by the trust\n"
    )
    staged = _stage_as("trust", data)
    assert staged.problems
    problem = str(staged.problems[0])
    assert "Row 2, column council_comment" in problem
    assert "the council's text" in problem
    assert "the provider's side" in problem
    record.refresh_from_db()
    assert (record.council_comment, record.questions, record.provider_response) == before


def test_a_council_officer_cannot_change_the_providers_response_by_import(demo):
    data = b"authority,indicator,period,provider_response\nE08000017,A2,2016-17 Q2,\n"
    staged = _stage_as("officer", data)
    assert "column provider_response" in str(staged.problems[0])
    assert _a2().provider_response != ""


def test_an_import_never_blanks_a_column_the_file_does_not_have(demo):
    record = _a2()
    provider = (record.provider_response, record.provider_by_id, record.provider_at)
    questions = record.questions
    data = (
        b"authority,indicator,period,council_comment\n"
        b"E08000017,A2,2016-17 Q2,A new council comment\n"
    )
    staged = _stage_as("officer", data)
    assert staged.problems == []
    assert staged.counts["changed"] == 1
    service.apply(staged.batch)
    record.refresh_from_db()
    assert record.council_comment == "A new council comment"
    assert record.council_by.username == "officer"
    assert record.questions == questions
    assert (record.provider_response, record.provider_by_id, record.provider_at) == provider


def test_an_officer_may_upload_an_export_with_the_other_sides_text_unchanged(demo, client):
    login(client, "trust")
    exported = client.get(f"{QUARTER}challenge.csv").content.decode()
    record = _a2()
    edited = exported.replace(record.provider_response, "The trust's new response", 1)
    staged = _stage_as("trust", edited.encode())
    assert staged.problems == []
    assert staged.counts == {"new": 0, "changed": 1, "unchanged": 15}
    service.apply(staged.batch)
    after = _a2()
    assert after.provider_response == "The trust's new response"
    assert after.provider_by.username == "trust"
    assert (after.council_comment, after.council_by_id) == (
        record.council_comment,
        record.council_by_id,
    )
