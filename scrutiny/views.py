"""Writing the performance challenge: each side its own text, attributed; actions; CSV export
of the challenge and its actions. (Presenting a quarter needs the quarter's figures as the
page shows them, so that view lives with the quarter page in reports.)"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from authorities.models import Authority
from core.access import COUNCIL, officer_side
from core.csv import csv_response
from indicators.lookups import period_or_404
from indicators.models import Indicator
from indicators.rules import PeriodKind, natural_key

from . import columns, writes
from .forms import ActionForm, CouncilChallengeForm, ProviderResponseForm
from .models import Action, ChallengeRecord


def _writer_or_403(request, authority: Authority) -> str:
    side = officer_side(request.user, authority)
    if side is None:
        raise PermissionDenied("Only officers of this authority can write its challenge.")
    return side


def _record(authority: Authority, period_slug: str, code: str) -> ChallengeRecord:
    period = period_or_404(period_slug, PeriodKind.QUARTER)
    indicator = get_object_or_404(Indicator, code=code)
    return writes.record_for(authority, indicator, period)


def _measure_url(record: ChallengeRecord, anchor: str = "") -> str:
    url = reverse("reports:measure", args=[record.authority.slug, record.indicator.code])
    return f"{url}#{anchor or 'challenge-' + record.period.slug}"


def _side_form(side: str, record: ChallengeRecord, data=None):
    """Each side edits only its own text: the council its comment, the provider its reply."""
    form_class = CouncilChallengeForm if side == COUNCIL else ProviderResponseForm
    return form_class(data, instance=record)


def _challenge_page(request, record, side, form, action_form):
    return render(
        request,
        "scrutiny/challenge_edit.html",
        {"record": record, "form": form, "side": side, "action_form": action_form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, authority_slug: str, period_slug: str, code: str):
    authority = get_object_or_404(Authority, slug=authority_slug)
    side = _writer_or_403(request, authority)
    record = _record(authority, period_slug, code)
    form = _side_form(side, record, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        record = writes.save_side(form.save(commit=False), side, request.user)
        what = "council's comment" if side == COUNCIL else "provider's response"
        messages.success(
            request, f"Saved: the {what} on {record.indicator.code}, {record.period.label}."
        )
        return redirect(_measure_url(record))
    return _challenge_page(request, record, side, form, ActionForm())


@login_required
@require_POST
def add_action(request, authority_slug: str, period_slug: str, code: str):
    authority = get_object_or_404(Authority, slug=authority_slug)
    side = _writer_or_403(request, authority)
    record = _record(authority, period_slug, code)
    form = ActionForm(request.POST)
    if form.is_valid():
        _, added = writes.add_action(record, request.user, form.save(commit=False))
        if added:
            messages.success(request, "Action added.")
        else:
            messages.info(request, "That action was added already (the form was sent twice).")
        return redirect(_measure_url(record))
    return _challenge_page(request, record, side, _side_form(side, record), form)


@login_required
@require_http_methods(["GET", "POST"])
def edit_action(request, pk: int):
    action = get_object_or_404(Action.objects.select_related("challenge__authority"), pk=pk)
    _writer_or_403(request, action.challenge.authority)
    form = ActionForm(request.POST if request.method == "POST" else None, instance=action)
    if request.method == "POST":
        if "carry_over" in request.POST:
            try:
                copy = writes.carry_over(action, request.user)
            except writes.NotAllowed as refused:
                messages.info(request, str(refused))
            else:
                messages.success(request, f"Carried over to {copy.challenge.period.label}.")
            return redirect(_measure_url(action.challenge, anchor="challenge"))
        if form.is_valid():
            try:
                writes.save_action(form.save(commit=False))
            except writes.NotAllowed as refused:
                messages.info(request, str(refused))
            else:
                messages.success(request, "Saved: the action.")
            return redirect(_measure_url(action.challenge))
    return render(request, "scrutiny/action_edit.html", {"action": action, "form": form})


@login_required
@require_GET
def challenge_csv(request, authority_slug: str, period_slug: str):
    authority = get_object_or_404(Authority, slug=authority_slug)
    period = period_or_404(period_slug, PeriodKind.QUARTER)
    records = ChallengeRecord.objects.filter(authority=authority, period=period).select_related(
        "indicator"
    )
    return csv_response(
        f"challenge-{authority.slug}-{period.slug}.csv",
        columns.CHALLENGE_COLUMNS,
        (
            [
                authority.code,
                r.indicator.code,
                period.code,
                r.classification,
                r.council_comment,
                r.questions,
                r.provider_response,
            ]
            for r in sorted(records, key=lambda r: natural_key(r.indicator.code))
        ),
    )


@login_required
@require_GET
def actions_csv(request, authority_slug: str, period_slug: str):
    authority = get_object_or_404(Authority, slug=authority_slug)
    period = period_or_404(period_slug, PeriodKind.QUARTER)
    actions = Action.objects.filter(
        challenge__authority=authority, challenge__period=period
    ).select_related("challenge__indicator")
    return csv_response(
        f"actions-{authority.slug}-{period.slug}.csv",
        columns.ACTION_COLUMNS,
        (
            [
                authority.code,
                a.challenge.indicator.code,
                period.code,
                a.text,
                a.owner,
                a.due_date.isoformat() if a.due_date else "",
                a.status,
            ]
            for a in actions.order_by("challenge__indicator__code", "id")
        ),
    )
