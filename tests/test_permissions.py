"""Every URL, every role, own and other authority: the status a person gets."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from authorities.models import Authority, OfficerAssignment, PanelMembership
from imports import service
from imports.models import ImportBatch
from reports.models import Briefing
from scrutiny.models import Action, Publication, Recommendation
from tests.factories import ValueFactory, period
from tests.http import close

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "panel", "officer", "trust", "derby", "admin", "derbypanel", "derbychair"]


@pytest.fixture
def world(demo, settings, monkeypatch):
    settings.REDIS_URL = ""  # /healthz asks no broker or worker here
    # Who may ask for a paper is the question here, not building it.
    monkeypatch.setattr("reports.papers.send", lambda *args: True)
    monkeypatch.setattr("reports.briefing.render_briefings", lambda *args, **kw: b"%PDF-1.7")
    derby = Authority.objects.create(
        code="E06000015", dfe_code="831", name="Derby", slug="derby", kind="local_authority"
    )
    a2 = ValueFactory(authority=derby, period=period("2016-17 Q2"), value=90).indicator
    a2.code = "DERBY-ONLY"
    a2.save()
    user = User.objects.create_user("derby", password="derby-password-2016")
    user.groups.add(Group.objects.get(name="Officers"))
    OfficerAssignment.objects.create(user=user, authority=derby, side="council")
    for username, chair in [("derbypanel", False), ("derbychair", True)]:
        member = User.objects.create_user(username, password=f"{username}-password-2016")
        member.groups.add(Group.objects.get(name="Panel members"))
        PanelMembership.objects.create(user=member, authority=derby, chair=chair)
    officer = User.objects.get(username="officer")
    data = b"authority,indicator,period,value\nE08000017,A2,2016-17 Q3,90\n"
    batch = service.stage("returns", data, "q3.csv", user=officer).batch
    draft = service.stage("returns", data.replace(b"90", b"91"), "q3b.csv", user=officer).batch
    action = Action.objects.filter(challenge__authority__slug="doncaster").first()
    briefing = Briefing.objects.create(
        authority=Authority.objects.get(slug="doncaster"),
        period_codes=["2016-17 Q2"],
        state=Briefing.State.DONE,
    )
    briefing.file.save("briefing.pdf", ContentFile(b"%PDF-1.7 test"), save=True)
    presented = Publication.objects.create(
        authority=briefing.authority,
        period=period("2016-17 Q2"),
        presented_on="2016-12-06",
        snapshot={"measures": {}},
    )
    presented.paper.save("paper.pdf", ContentFile(b"%PDF-1.7 as presented"), save=True)
    return {
        "batch": batch.pk,
        "draft": draft.pk,
        "action": action.pk,
        "briefing": briefing.pk,
        "presented": presented.pk,
        "panel": User.objects.get(username="panel").pk,
        "recommendation": Recommendation.objects.create(
            authority=briefing.authority,
            period=period("2016-17 Q2"),
            addressed_to="council",
            text="Why did A2 fall?",
        ).pk,
        "derby_recommendation": Recommendation.objects.create(
            authority=derby, period=period("2016-17 Q2"), addressed_to="council", text="Why?"
        ).pk,
    }


def as_role(client, role):
    if role != "anonymous":
        client.force_login(User.objects.get(username=role))
    return client


OWN_CHALLENGE = "/a/doncaster/q/2016-17-q2/m/A2/challenge/"
OTHER_CHALLENGE = "/a/derby/q/2016-17-q2/m/DERBY-ONLY/challenge/"

# url, method, then the expected status for: anonymous, panel, officer, trust, derby, admin,
# and Derby's panel member and chair
MATRIX = [
    ("/healthz", "get", 200, 200, 200, 200, 200, 200, 200, 200),
    ("/login/", "get", 200, 200, 200, 200, 200, 200, 200, 200),
    ("/accessibility/", "get", 200, 200, 200, 200, 200, 200, 200, 200),
    ("/", "get", 302, 302, 302, 302, 302, 302, 302, 302),
    ("/a/doncaster/q/2016-17-q2/", "get", 302, 200, 200, 200, 200, 200, 200, 200),
    ("/a/derby/q/2016-17-q2/", "get", 302, 200, 200, 200, 200, 200, 200, 200),
    ("/a/doncaster/q/2016-17-q2/export.csv", "get", 302, 200, 200, 200, 200, 200, 200, 200),
    ("/a/doncaster/q/2016-17-q2/challenge.csv", "get", 302, 200, 200, 200, 200, 200, 200, 200),
    ("/a/doncaster/m/A2/", "get", 302, 200, 200, 200, 200, 200, 200, 200),
    ("/a/doncaster/q/2016-17-q2/m/A2/", "get", 302, 200, 200, 200, 200, 200, 200, 200),
    ("/a/doncaster/", "get", 302, 200, 200, 200, 200, 200, 200, 200),
    ("/compare/A2/2016-17-q2/", "get", 302, 200, 200, 200, 200, 200, 200, 200),
    (OWN_CHALLENGE, "get", 302, 403, 200, 200, 403, 200, 403, 403),
    (OWN_CHALLENGE, "post", 302, 403, 302, 302, 403, 302, 403, 403),
    (OTHER_CHALLENGE, "get", 302, 403, 403, 403, 200, 200, 403, 403),
    ("/a/doncaster/q/2016-17-q2/m/A2/actions/", "post", 302, 403, 200, 200, 403, 200, 403, 403),
    ("/a/doncaster/q/2016-17-q2/publish/", "post", 302, 403, 302, 403, 403, 302, 403, 403),
    ("/imports/upload/", "get", 302, 403, 200, 200, 200, 200, 403, 403),
    ("/imports/", "get", 302, 403, 200, 200, 200, 200, 403, 403),
    ("/imports/{batch}/", "get", 302, 403, 200, 200, 403, 200, 403, 403),
    ("/imports/{batch}/problems.csv", "get", 302, 403, 200, 200, 403, 200, 403, 403),
    ("/imports/{batch}/confirm/", "post", 302, 403, 302, 403, 403, 302, 403, 403),
    ("/imports/template/returns.csv", "get", 302, 403, 200, 200, 200, 200, 403, 403),
    ("/admin/", "get", 302, 302, 302, 302, 302, 200, 302, 302),
    ("/switch/?authority=doncaster", "get", 302, 302, 302, 302, 302, 302, 302, 302),
    ("/a/doncaster/q/2016-17-q2/actions.csv", "get", 302, 200, 200, 200, 200, 200, 200, 200),
    ("/actions/{action}/", "get", 302, 403, 200, 200, 403, 200, 403, 403),
    ("/actions/{action}/", "post", 302, 403, 200, 200, 403, 200, 403, 403),
    ("/imports/{draft}/cancel/", "post", 302, 403, 302, 403, 403, 302, 403, 403),
    ("/a/doncaster/q/2016-17-q2/briefing.pdf", "get", 302, 200, 200, 200, 200, 200, 200, 200),
    # Queuing a year's briefing is an officer's (or admin's) job, for their own authority.
    ("/a/doncaster/y/2016-17/briefing/", "post", 302, 403, 302, 302, 403, 302, 403, 403),
    ("/briefings/{briefing}/", "get", 302, 200, 200, 200, 200, 200, 200, 200),
    ("/briefings/{briefing}/download/", "get", 302, 200, 200, 200, 200, 200, 200, 200),
    (
        "/a/doncaster/q/2016-17-q2/presented/{presented}/paper.pdf",
        "get",
        302,
        200,
        200,
        200,
        200,
        200,
        200,
        200,
    ),
    # Correcting a figure and setting a target are the council's officers' (and admins').
    ("/a/doncaster/m/A2/correct/2016-17-q2/", "get", 302, 403, 200, 403, 403, 200, 403, 403),
    ("/a/doncaster/m/A2/correct/2016-17-q2/", "post", 302, 403, 200, 403, 403, 200, 403, 403),
    ("/a/doncaster/m/A2/target/2016-17/", "get", 302, 403, 200, 403, 403, 200, 403, 403),
    ("/a/doncaster/m/A2/target/2016-17/", "post", 302, 403, 200, 403, 403, 200, 403, 403),
    # The panel's voice: members write, the addressed side answers, the chair decides.
    ("/a/doncaster/panel/", "get", 302, 200, 200, 200, 403, 200, 403, 403),
    ("/a/doncaster/q/2016-17-q2/panel/new/", "get", 302, 200, 403, 403, 403, 200, 403, 403),
    ("/a/doncaster/q/2016-17-q2/panel/new/", "post", 302, 200, 403, 403, 403, 200, 403, 403),
    ("/recommendations/{recommendation}/", "get", 302, 200, 200, 200, 403, 200, 403, 403),
    ("/recommendations/{recommendation}/", "post", 302, 403, 200, 403, 403, 200, 403, 403),
    ("/recommendations/{recommendation}/decide/", "post", 302, 403, 403, 403, 403, 302, 403, 403),
    ("/a/derby/panel/", "get", 302, 403, 403, 403, 200, 200, 200, 200),
    ("/a/derby/q/2016-17-q2/panel/new/", "get", 302, 403, 403, 403, 403, 200, 200, 200),
    (
        "/recommendations/{derby_recommendation}/decide/",
        "post",
        302,
        403,
        403,
        403,
        403,
        302,
        403,
        302,
    ),
    # Each person's own daily digest, on or off.
    ("/account/digest/", "get", 302, 200, 200, 200, 200, 200, 200, 200),
    ("/account/digest/", "post", 302, 302, 302, 302, 302, 302, 302, 302),
    # People are a performance admin's to add, deactivate and send a new password link.
    ("/people/", "get", 302, 403, 403, 403, 403, 200, 403, 403),
    ("/people/add/", "get", 302, 403, 403, 403, 403, 200, 403, 403),
    ("/people/add/", "post", 302, 403, 403, 403, 403, 200, 403, 403),
    ("/people/{panel}/active/", "post", 302, 403, 403, 403, 403, 302, 403, 403),
    ("/people/{panel}/link/", "post", 302, 403, 403, 403, 403, 302, 403, 403),
    # Anyone may open a set-password link; a wrong one says it has expired.
    ("/set-password/MQ/not-a-token/", "get", 200, 200, 200, 200, 200, 200, 200, 200),
    ("/set-password/done/", "get", 200, 200, 200, 200, 200, 200, 200, 200),
]

# Pages the matrix leaves to their own tests: Django's admin and sign-out.
UNLISTED = ("admin/", "logout/")


def _routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith(UNLISTED):
                continue
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and not route.startswith(UNLISTED):
            yield route


def test_the_matrix_covers_every_url(world):
    covered = {resolve(url.format(**world).split("?")[0]).route for url, *_ in MATRIX}
    missing = sorted(set(_routes(get_resolver().url_patterns)) - covered)
    assert missing == [], f"add these to MATRIX: {missing}"


@pytest.mark.parametrize(
    ("url", "method", "statuses"),
    [(url, method, statuses) for url, method, *statuses in MATRIX],
    ids=[f"{m} {u}" for u, m, *_ in MATRIX],
)
def test_permission_matrix(world, client, url, method, statuses):
    expected = dict(zip(ROLES, statuses, strict=True))
    url = url.format(**world)
    for role in ROLES:
        client.logout()
        as_role(client, role)
        response = getattr(client, method)(url, {})
        close(response)
        assert response.status_code == expected[role], f"{role} {method} {url}"
        if response.status_code == 403:
            assert b"<form" not in response.content or b"logout" in response.content


def test_an_officer_cannot_import_another_authoritys_figures(world):
    derby = User.objects.get(username="derby")
    staged = service.stage(
        "returns",
        b"authority,indicator,period,value\nDoncaster,A2,2016-17 Q3,10\n",
        "x.csv",
        user=derby,
    )
    assert "is not an authority you work for" in str(staged.problems[0])
    assert not ImportBatch.objects.filter(state="applied", created_by=derby).exists()


def test_only_admins_import_definitions_and_dfe_files(world):
    """Targets are an officer's too, for their own authority (tests/imports/
    test_officer_targets.py); definitions and DfE's files are a performance admin's."""
    officer = User.objects.get(username="officer")
    for kind in ["indicators", "ees"]:
        staged = service.stage(kind, b"a,b\n1,2\n", "x.csv", user=officer)
        assert "Only performance admins" in str(staged.problems[0])


def test_a_performance_admins_admin_shows_what_the_docs_say(world, client):
    """Issue 30: a performance admin's /admin/ said "You don't have permission to view or
    edit anything"."""
    admin = User.objects.create_user("pa", password="pa-password-2016", is_staff=True)
    admin.groups.add(Group.objects.get(name="Performance admins"))
    client.force_login(admin)
    page = client.get("/admin/").content.decode()
    assert "You don’t have permission" not in page
    for model in ["indicators/indicator", "indicators/target", "authorities/authority"]:
        assert client.get(f"/admin/{model}/").status_code == 200, model
    assert client.get("/admin/auth/user/").status_code == 403  # people: the People page's
