"""People: a performance admin adds panel members, officers and admins, and deactivates
them (history kept)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.access import is_performance_admin

from . import people
from .forms import AddPersonForm


def _admin_or_403(request) -> None:
    if not is_performance_admin(request.user):
        raise PermissionDenied("Only performance admins add and manage people.")


@login_required
@require_GET
def index(request):
    _admin_or_403(request)
    everyone = User.objects.order_by("-is_active", "last_name", "username").prefetch_related(
        "groups", "assignments__authority", "panels__authority"
    )
    return render(request, "people/index.html", {"people": everyone})


@login_required
@require_http_methods(["GET", "POST"])
def add(request):
    _admin_or_403(request)
    form = AddPersonForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        person = people.add_person(form.cleaned_data, request)
        messages.success(
            request,
            f"Saved: {person.get_full_name()} is added, and a link to set their password has "
            f"been emailed to {person.email}.",
        )
        return redirect("people:index")
    return render(request, "people/add.html", {"form": form})


@login_required
@require_POST
def activate(request, pk: int):
    _admin_or_403(request)
    person = get_object_or_404(User, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        people.set_active(request.user, person, active)
    except people.NotAllowed as refused:
        messages.warning(request, str(refused))
        return redirect("people:index")
    state = "can sign in again" if active else "can no longer sign in; their history is kept"
    messages.success(request, f"Saved: {person.get_full_name() or person.username} {state}.")
    return redirect("people:index")


@login_required
@require_POST
def resend(request, pk: int):
    _admin_or_403(request)
    person = get_object_or_404(User, pk=pk, is_active=True)
    try:
        people.check_manages(request.user, person)
    except people.NotAllowed as refused:
        messages.warning(request, str(refused))
        return redirect("people:index")
    people.send_set_password(person, request)
    messages.success(request, f"Saved: a new link to set a password is emailed to {person.email}.")
    return redirect("people:index")
