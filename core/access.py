"""Who may do what: the roles every app asks about (this module asks none of them back).
Groups are the roles: panel members read, officers upload and write, performance admins
manage definitions, targets and users in the Django admin."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

PANEL_MEMBERS = "Panel members"  # which panel, and whether its chair: PanelMembership
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


def may_write_side(user, authority, side: str) -> bool:
    """Whether the user may write `side`'s words for this authority (its challenge text, its
    answers to the panel): its officers on that side; performance admins on either, as the
    challenge import lets them."""
    return is_performance_admin(user) or officer_side(user, authority) == side


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


def _seat(user, authority):
    """The user's seat on this authority's panel (None for none), read once per request."""
    if not hasattr(user, "_outturn_seats"):
        user._outturn_seats = {seat.authority_id: seat for seat in user.panels.all()}
    return user._outturn_seats.get(getattr(authority, "pk", authority))


def may_recommend(user, authority) -> bool:
    """The panel's voice: the members of this authority's panel (its chair too), and
    performance admins."""
    if user is None or not user.is_authenticated:
        return False
    if is_performance_admin(user):
        return True
    return PANEL_MEMBERS in _groups(user) and _seat(user, authority) is not None


def may_close(user, authority) -> bool:
    """Accepting or closing a recommendation is this panel's chair's (or a performance
    admin's)."""
    if user is None or not user.is_authenticated:
        return False
    if is_performance_admin(user):
        return True
    seat = _seat(user, authority)
    return PANEL_MEMBERS in _groups(user) and seat is not None and seat.chair


def may_read_panel(user, authority) -> bool:
    """The panel's own pages: its members, the authority's officers (who answer it) and
    performance admins."""
    return may_recommend(user, authority) or officer_side(user, authority) is not None
