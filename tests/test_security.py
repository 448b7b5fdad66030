"""Security settings, login throttling, and forms that never answer 500 to any input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]


def test_production_settings_pass_check_deploy(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},  # tests only
        "DEBUG": "false",
        "HTTPS": "true",
        "SECRET_KEY": "x7" * 30 + "-a-long-random-production-secret",
        "ALLOWED_HOSTS": "outturn.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


@pytest.mark.django_db
def test_every_response_carries_the_security_headers(demo, client):
    client.force_login(User.objects.get(username="panel"))
    response = client.get("/a/doncaster/q/2016-17-q2/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "<script>" not in response.content.decode()


@pytest.mark.django_db
def test_repeated_wrong_passwords_lock_the_account_out(demo, client):
    for _ in range(4):
        response = client.post("/login/", {"username": "panel", "password": "wrong"})
        assert response.status_code == 200
    fifth = client.post("/login/", {"username": "panel", "password": "wrong"})
    assert fifth.status_code == 429
    locked = client.post("/login/", {"username": "panel", "password": "outturn-panel-2016"})
    assert locked.status_code == 429
    assert "Too many attempts to sign in" in locked.content.decode()


@pytest.mark.django_db
def test_a_correct_password_signs_in(demo, client):
    response = client.post("/login/", {"username": "panel", "password": "outturn-panel-2016"})
    assert response.status_code == 302


FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
text = st.text(max_size=300)
FORMS = [
    (
        "/a/doncaster/q/2016-17-q2/m/A2/challenge/",
        ["classification", "council_comment", "questions"],
    ),
    ("/a/doncaster/q/2016-17-q2/m/A2/actions/", ["text", "owner", "due_date", "status"]),
    ("/a/doncaster/q/2016-17-q2/publish/", ["presented_on"]),
    ("/imports/upload/", ["kind", "provisional"]),
    ("/switch/", ["authority", "period"]),
    ("/login/", ["username", "password"]),
]


@pytest.mark.django_db
@FUZZ
@given(form=st.sampled_from(FORMS), values=st.lists(text, min_size=6, max_size=6))
def test_no_form_answers_500_to_any_input(demo, client, form, values):
    url, fields = form
    client.force_login(User.objects.get(username="officer"))
    data = dict(zip(fields, values, strict=False))
    method = client.get if url == "/switch/" else client.post
    response = method(url, data)
    assert response.status_code < 500


@pytest.mark.django_db
@FUZZ
@given(path=st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=40))
def test_no_address_answers_500(demo, client, path):
    client.force_login(User.objects.get(username="panel"))
    for url in [
        f"/a/doncaster/q/{path}/",
        f"/a/doncaster/m/{path}/",
        f"/compare/A2/{path}/",
        f"/a/{path}/",
    ]:
        assert client.get(url.replace(" ", "%20")).status_code < 500
