"""Issue 14: an admin onboards a new officer for another authority, who sets a password from
the emailed link and uploads a return. Deactivating keeps their history."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from authorities.models import Authority
from indicators.models import Value

pytestmark = pytest.mark.django_db


@pytest.fixture
def derby(demo):
    return Authority.objects.create(
        code="E06000015", dfe_code="831", name="Derby", slug="derby", kind="local_authority"
    )


def test_an_admin_onboards_an_officer_who_sets_a_password_and_uploads(
    derby, client, django_capture_on_commit_callbacks
):
    client.force_login(User.objects.get(username="admin"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/people/add/",
            {
                "first_name": "Priya",
                "last_name": "Shah",
                "email": "Priya.Shah@derby.gov.uk",
                "role": "officer",
                "authority": derby.pk,
                "side": "council",
            },
            follow=True,
        )
    assert "Saved: Priya Shah is added" in response.content.decode()
    person = User.objects.get(username="priya.shah@derby.gov.uk")
    assert not person.has_usable_password()
    assert [a.authority.slug for a in person.assignments.all()] == ["derby"]
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/set-password/\S+/)", mail.outbox[0].body).group(1)
    client.logout()

    form = client.get(link, follow=True)  # Django swaps the token for a session marker
    assert "Set your password" in form.content.decode()
    password = "a-long-derby-passphrase"
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": password, "new_password2": password},
        follow=True,
    )
    assert "Password set" in done.content.decode()
    assert signed_in(client, "priya.shah@derby.gov.uk", password)

    upload = client.post(
        "/imports/upload/",
        {
            "kind": "returns",
            "file": SimpleUploadedFile(
                "derby.csv",
                b"authority,indicator,period,value\nE06000015,A2,2016-17 Q2,77\n",
            ),
        },
    )
    assert upload.status_code == 302, upload.content.decode()[:2000]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{upload.url}confirm/")
    assert Value.objects.get(authority=derby, indicator__code="A2").value == 77
    # ...and not Doncaster's: that is another authority's.
    refused = client.post(
        "/imports/upload/",
        {
            "kind": "returns",
            "file": SimpleUploadedFile(
                "doncaster.csv",
                b"authority,indicator,period,value\nE08000017,A2,2016-17 Q3,77\n",
            ),
        },
    )
    assert "is not an authority you work for" in refused.content.decode()


def test_a_used_or_wrong_link_says_so(client):
    page = client.get("/set-password/MQ/set-password/")
    assert "This link has expired or been used" in page.content.decode()


def test_the_form_explains_what_is_missing(demo, client):
    client.force_login(User.objects.get(username="admin"))
    page = client.post(
        "/people/add/", {"first_name": "A", "last_name": "B", "email": "x", "role": "officer"}
    )
    text = page.content.decode()
    assert "Enter an email address like name@example.gov.uk" in text
    assert "Choose the authority this officer works for" in text
    assert "Choose the council&#x27;s side or the provider&#x27;s" in text
    taken = client.post(
        "/people/add/",
        {"first_name": "A", "last_name": "B", "email": "PANEL", "role": "panel"},
    )
    assert taken.status_code == 200


def test_deactivating_keeps_the_person_and_their_history(demo, client):
    from scrutiny.models import ChallengeRecord

    officer = User.objects.get(username="officer")
    written = ChallengeRecord.objects.filter(council_by=officer).count()
    assert written > 0
    client.force_login(User.objects.get(username="admin"))
    response = client.post(f"/people/{officer.pk}/active/", {"active": "0"}, follow=True)
    assert "can no longer sign in; their history is kept" in response.content.decode()
    officer.refresh_from_db()
    assert not officer.is_active
    assert ChallengeRecord.objects.filter(council_by=officer).count() == written
    client.logout()
    assert not signed_in(client, "officer", "outturn-officer-2016")


def signed_in(client, username: str, password: str) -> bool:
    """Through the sign-in page (django-axes needs the request)."""
    response = client.post("/login/", {"username": username, "password": password})
    return response.status_code == 302


@pytest.fixture
def second_admin(demo):
    """A performance admin who is not a superuser, as an admin would add one."""
    from django.contrib.auth.models import Group

    from core.access import PERFORMANCE_ADMINS

    user = User.objects.create_user("pa", "pa@outturn.example", "pa-password-2016", is_staff=True)
    user.groups.set([Group.objects.get(name=PERFORMANCE_ADMINS)])
    return user


def test_a_performance_admin_cannot_deactivate_the_superuser_or_another_admin(second_admin, client):
    """Issue 30, finding 5: a performance admin deactivated the superuser."""
    client.force_login(second_admin)
    superuser = User.objects.get(username="admin")
    said = client.post(f"/people/{superuser.pk}/active/", {"active": "0"}, follow=True)
    assert "Only a superuser adds or changes performance admins" in said.content.decode()
    superuser.refresh_from_db()
    assert superuser.is_active
    # Panel members and officers are still theirs to manage.
    panel = User.objects.get(username="panel")
    client.post(f"/people/{panel.pk}/active/", {"active": "0"})
    panel.refresh_from_db()
    assert not panel.is_active


def test_only_a_superuser_adds_an_admin(second_admin, client):
    client.force_login(second_admin)
    data = {"first_name": "A", "last_name": "B", "email": "new@outturn.example", "role": "admin"}
    page = client.post("/people/add/", data).content.decode()
    assert "Only a superuser adds or changes performance admins" in page
    assert not User.objects.filter(username="new@outturn.example").exists()
    client.force_login(User.objects.get(username="admin"))
    assert client.post("/people/add/", data).status_code == 302
    assert User.objects.get(username="new@outturn.example").is_staff


def test_the_last_superuser_who_can_sign_in_stays_active(demo, client):
    other = User.objects.create_superuser("root2", "root2@outturn.example", "root2-password")
    client.force_login(other)
    admin = User.objects.get(username="admin")
    said = client.post(f"/people/{admin.pk}/active/", {"active": "0"}, follow=True)
    assert "can no longer sign in" in said.content.decode()  # another superuser remains
    client.force_login(admin)  # (inactive: a superuser re-activates them in the admin)
    admin.is_active = True
    admin.save()
    other.is_active = False
    other.save()
    said = client.post(f"/people/{admin.pk}/active/", {"active": "0"}, follow=True)
    assert "You cannot deactivate yourself" in said.content.decode()
    from authorities.people import NotAllowed, set_active

    with pytest.raises(NotAllowed, match="last superuser"):
        set_active(other, admin, False)


def test_the_set_password_email_is_plain_text_with_names_as_written(
    demo, client, django_capture_on_commit_callbacks
):
    """Issue 30: the plain-text email HTML-escaped names ("O&#x27;Brien")."""
    client.force_login(User.objects.get(username="admin"))
    data = {"first_name": "D'Arcy & Co", "last_name": "O'Brien", "email": "sob@outturn.example"}
    data |= {"role": "panel", "authority": Authority.objects.get(slug="doncaster").pk}
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/people/add/", data)
    body = mail.outbox[0].body
    assert body.startswith("Hello D'Arcy & Co,")
    assert "&#x27;" not in body
