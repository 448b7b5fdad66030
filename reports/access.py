"""Who may do what. Groups are the roles: panel members read, officers upload and write,
performance admins manage definitions, targets and users in the Django admin."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

PANEL_MEMBERS = "Panel members"
OFFICERS = "Officers"
PERFORMANCE_ADMINS = "Performance admins"


def is_officer(user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name__in=[OFFICERS, PERFORMANCE_ADMINS]).exists()


def officer_required(view):
    """Signed-in officers only; anyone else signed in gets 403."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_officer(request.user):
            raise PermissionDenied("Only performance officers can do this.")
        return view(request, *args, **kwargs)

    return wrapped
