"""Who may do what: the roles every app asks about (this module asks none of them back).
Groups are the roles: panel members read, officers upload and write, performance admins
manage definitions, targets and users in the Django admin."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

PANEL_MEMBERS = "Panel members"
PANEL_CHAIRS = "Panel chairs"  # panel members who also close the panel's recommendations
OFFICERS = "Officers"
PERFORMANCE_ADMINS = "Performance admins"

# The two sides of an officer's assignment (authorities.OfficerAssignment.Side).
COUNCIL = "council"
PROVIDER = "provider"


def _groups(user) -> set[str]:
    """The user's role names, read once per request: every check below asks for them."""
    if not hasattr(user, "_outturn_groups"):
        # .all(): a caller that prefetched the groups (the digest's run) asks nothing more.
        user._outturn_groups = {group.name for group in user.groups.all()}
    return user._outturn_groups


def is_officer(user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return user.is_superuser or bool(_groups(user) & {OFFICERS, PERFORMANCE_ADMINS})


def officer_required(view):
    """Signed-in officers only; anyone else signed in gets 403."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_officer(request.user):
            raise PermissionDenied("Only performance officers can do this.")
        return view(request, *args, **kwargs)

    return wrapped


def officer_side(user, authority) -> str | None:
    """ "council" or "provider" if the user may write for this authority, else None.
    Performance admins write for every authority, on the council's side."""
    if user is None or not user.is_authenticated:
        return None
    if is_performance_admin(user):
        return COUNCIL
    return user.assignments.filter(authority=authority).values_list("side", flat=True).first()


def is_performance_admin(user) -> bool:
    return bool(
        user
        and user.is_authenticated
        and (user.is_superuser or PERFORMANCE_ADMINS in _groups(user))
    )


def writable_authority_ids(user) -> set[int] | None:
    """The authorities a user may import or write for; None means every one (an admin, or
    the command line, where there is no user)."""
    if user is None or is_performance_admin(user):
        return None
    return set(user.assignments.values_list("authority_id", flat=True))


def may_recommend(user) -> bool:
    """The panel's voice: panel members (chairs included) and performance admins."""
    return bool(
        user
        and user.is_authenticated
        and (is_performance_admin(user) or _groups(user) & {PANEL_MEMBERS, PANEL_CHAIRS})
    )


def may_close(user) -> bool:
    """Accepting or closing a recommendation is the chair's (or a performance admin's)."""
    return bool(
        user
        and user.is_authenticated
        and (is_performance_admin(user) or PANEL_CHAIRS in _groups(user))
    )
