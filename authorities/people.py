"""Adding people: a performance admin onboards a panel member, an officer (for an authority,
on the council's side or the provider's) or another admin. The person gets a link to set
their own password (Django's password-reset tokens): no one ever sends a password."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core.access import OFFICERS, PANEL_MEMBERS, PERFORMANCE_ADMINS, is_performance_admin

from .models import OfficerAssignment, PanelMembership

ROLES = {
    "panel": (PANEL_MEMBERS, "Panel member (reads, questions and recommends)"),
    "chair": (PANEL_MEMBERS, "Panel chair (as a member, and accepts or closes what was asked)"),
    "officer": (OFFICERS, "Officer (uploads returns and writes one side of the challenge)"),
    "admin": (PERFORMANCE_ADMINS, "Performance admin (everything, and adds people)"),
}


def add_person(data: dict, request) -> User:
    """Create the person with no password, in their role (and assignment), and email them
    the link to set one. `data` is an AddPersonForm's cleaned data."""
    with transaction.atomic():
        user = User(
            username=data["email"].lower(),
            email=data["email"].lower(),
            first_name=data["first_name"],
            last_name=data["last_name"],
            is_staff=data["role"] == "admin",
        )
        user.set_unusable_password()
        user.save()
        group, _ = Group.objects.get_or_create(name=ROLES[data["role"]][0])
        user.groups.set([group])
        if data["role"] == "officer":
            OfficerAssignment.objects.create(
                user=user, authority=data["authority"], side=data["side"]
            )
        if data["role"] in ("panel", "chair"):
            PanelMembership.objects.create(
                user=user, authority=data["authority"], chair=data["role"] == "chair"
            )
        transaction.on_commit(lambda: send_set_password(user, request))
    return user


def set_password_link(user: User, request) -> str:
    path = reverse(
        "set_password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return request.build_absolute_uri(path)


def send_set_password(user: User, request) -> None:
    context = {"user": user, "link": set_password_link(user, request)}
    send_mail(
        "Your Outturn account: set your password",
        render_to_string("people/set_password_email.txt", context),
        None,
        [user.email],
    )


class NotAllowed(Exception):
    """Why someone cannot be added or changed by this person: said to them."""


def check_manages(actor: User, person: User | None = None, role: str = "") -> None:
    """Raise NotAllowed unless `actor` may manage `person` (or add someone in `role`): a
    performance admin manages panel members and officers; only a superuser manages admins
    and superusers, so an admin can neither lock out the superuser nor make a new admin."""
    powerful = role == "admin" or (person is not None and is_performance_admin(person))
    if powerful and not actor.is_superuser and person != actor:
        raise NotAllowed("Only a superuser adds or changes performance admins and superusers.")


def set_active(actor: User, user: User, active: bool) -> None:
    """Deactivating keeps the person, their assignments and everything they wrote: they can
    no longer sign in. Refused (NotAllowed) where check_manages refuses, and for the last
    active superuser: Outturn always keeps one who can sign in."""
    if user == actor:
        raise NotAllowed("You cannot deactivate yourself.")
    check_manages(actor, user)
    with transaction.atomic():
        if not active and user.is_superuser:
            others = User.objects.select_for_update().filter(is_superuser=True, is_active=True)
            if not others.exclude(pk=user.pk).exists():
                raise NotAllowed("This is the last superuser who can sign in: it stays active.")
        User.objects.filter(pk=user.pk).update(is_active=active)
