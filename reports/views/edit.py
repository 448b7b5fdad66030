"""Editing in the app: an officer corrects one figure (with a reason, kept in the history)
or sets a year's target and tolerance (with a rationale, and what helps choose one). Both
go through the one write path, so statuses follow as they do after an import."""

from __future__ import annotations

from crispy_forms_gds.layout import Field, Fixed, Layout
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from authorities.models import Authority
from core.access import COUNCIL, officer_side
from core.forms import GovukForm
from indicators import writes
from indicators.lookups import period_or_404
from indicators.models import Indicator, Target, Value
from indicators.rules import (
    TARGET_YEARS_AHEAD,
    PeriodKind,
    PeriodParseError,
    Polarity,
    TargetError,
    fiscal_year_code,
    implausible_value,
    latest_target_year,
    parse_period,
    validate_target,
)
from indicators.templatetags.outturn import figure

from ..targets import target_guide

NUMBER = forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"})


class CorrectionForm(GovukForm, forms.Form):
    value = forms.FloatField(
        label="Corrected figure",
        widget=NUMBER,
        error_messages={"required": "Enter the figure", "invalid": "Enter the figure as a number"},
    )
    reason = forms.CharField(
        max_length=100,
        label="Why it is corrected",
        help_text="For example: late recording found in the case system. Up to 100 characters.",
        error_messages={"required": "Say why the figure is corrected: it is kept in the history"},
    )
    # The stored figure as the form was opened on it (its last change), so a correction
    # made meanwhile by someone else is never saved over unseen.
    opened = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, indicator: Indicator, stored: Value, **kwargs):
        self.indicator, self.stored = indicator, stored
        super().__init__(*args, **kwargs, initial={"opened": _stamp(stored)})
        if indicator.unit == Indicator.Unit.PERCENT:
            self.fields["value"].label = "Corrected figure (per cent)"

    def layout(self):
        return Layout(Field.text("value", field_width=Fixed.FIVE), Field.text("reason"), "opened")

    def clean(self):
        data = super().clean()
        if data.get("opened") and data["opened"] != _stamp(self.stored):
            shown = (
                figure(self.stored.value, self.indicator)
                if self.stored.value is not None
                else "no figure"
            )
            raise forms.ValidationError(
                f"Someone changed this figure while the form was open: it is now {shown}. "
                "Check it, and correct it again if it still needs it.",
                code="stale",
            )
        return data

    def clean_value(self):
        value = self.cleaned_data["value"]
        problem = implausible_value(value, self.indicator.unit)
        if problem:
            raise forms.ValidationError(f"The figure {problem}")
        return value


def _stamp(value: Value) -> str:
    return value.updated_at.isoformat() if value.updated_at else ""


class TargetForm(GovukForm, forms.Form):
    target = forms.FloatField(
        widget=NUMBER,
        error_messages={"required": "Enter the target", "invalid": "Enter the target as a number"},
    )
    tolerance = forms.FloatField(
        label="Tolerance (optional)",
        widget=NUMBER,
        required=False,
        error_messages={"invalid": "Enter the tolerance as a number"},
    )
    rationale = forms.CharField(
        label="Why this target",
        max_length=100,
        help_text="For example: the statistical neighbours' median, kept for the new contract. "
        "Up to 100 characters; kept in the history.",
        error_messages={"required": "Say why this target: it is kept in the history"},
    )

    def layout(self):
        return Layout(
            Field.text("target", field_width=Fixed.FIVE),
            Field.text("tolerance", field_width=Fixed.FIVE),
            Field.text("rationale"),
        )

    def __init__(self, *args, indicator: Indicator, **kwargs):
        self.indicator = indicator
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("target") is not None:
            try:
                validate_target(
                    data["target"],
                    data.get("tolerance"),
                    Polarity(self.indicator.polarity),
                    self.indicator.unit,
                )
            except TargetError as error:
                self.add_error(error.field, str(error))
        return data


def _writer(request, authority: Authority) -> None:
    if officer_side(request.user, authority) != COUNCIL:
        raise PermissionDenied(
            "Only the council's officers for this authority correct figures and set targets."
        )


def _measure_url(authority: Authority, indicator: Indicator) -> str:
    return reverse("reports:measure", args=[authority.slug, indicator.code]) + "#figures"


@login_required
@require_http_methods(["GET", "POST"])
def correct(request, authority_slug: str, code: str, period_slug: str):
    authority = get_object_or_404(Authority, slug=authority_slug)
    _writer(request, authority)
    indicator = get_object_or_404(Indicator, code=code)
    period = period_or_404(period_slug)
    value = get_object_or_404(Value, authority=authority, indicator=indicator, period=period)
    form = CorrectionForm(request.POST or None, indicator=indicator, stored=value)
    if request.method == "POST" and form.is_valid():
        before = value.value
        value.value = form.cleaned_data["value"]
        value.no_value_reason = ""
        try:
            writes.save_value(
                value,
                user=request.user,
                reason=form.cleaned_data["reason"],
                unless_changed_since=value.updated_at,
            )
        except writes.Changed:
            return redirect(request.path)  # changed between the check and the save: look again
        was = figure(before, indicator) if before is not None else "no figure"
        messages.success(
            request,
            f"Saved: {indicator.code}, {period.label} corrected from {was} to "
            f"{figure(value.value, indicator)}. Its status follows.",
        )
        return redirect(_measure_url(authority, indicator))
    return render(
        request,
        "reports/correct.html",
        {"authority": authority, "indicator": indicator, "value": value, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def set_target(request, authority_slug: str, code: str, year_slug: str):
    authority = get_object_or_404(Authority.objects.select_related("region"), slug=authority_slug)
    _writer(request, authority)
    indicator = get_object_or_404(Indicator.objects.select_related("benchmark"), code=code)
    try:  # a year with no figures yet (next year's target) has no Period row: parse it
        year = parse_period(year_slug)
    except PeriodParseError as error:
        raise Http404(str(error)) from error
    if year.kind != PeriodKind.YEAR:
        raise Http404("Give a financial year, such as 2016-17.")
    latest = latest_target_year(timezone.localdate())
    if year.fiscal_year > latest:
        raise Http404(
            f"Targets go up to {fiscal_year_code(latest)}, {TARGET_YEARS_AHEAD} years ahead."
        )
    if indicator.polarity == Polarity.NONE:
        raise Http404("A volumetric measure has no target.")
    current = Target.objects.filter(
        indicator=indicator, authority=authority, fiscal_year=year.fiscal_year
    ).first()
    initial = {"target": current.target, "tolerance": current.tolerance} if current else {}
    form = TargetForm(request.POST or None, indicator=indicator, initial=initial)
    if request.method == "POST" and form.is_valid():
        target = current or Target(
            indicator=indicator, authority=authority, fiscal_year=year.fiscal_year
        )
        target.target = form.cleaned_data["target"]
        target.tolerance = form.cleaned_data.get("tolerance")
        writes.save_target(target, user=request.user, reason=form.cleaned_data["rationale"])
        messages.success(
            request, f"Saved: the {year.label} target for {indicator.code}. Statuses follow."
        )
        return redirect(_measure_url(authority, indicator))
    guide = target_guide(authority, indicator, year)
    return render(
        request,
        "reports/target.html",
        {
            "authority": authority,
            "indicator": indicator,
            "year": year,
            "form": form,
            "guide": guide,
            "current": current,
        },
    )
