"""The panel's recommendations, questions and deep dives: written by panel members,
answered by the side they are addressed to, accepted or closed by the chair."""

from __future__ import annotations

from crispy_forms_gds.layout import Field, Fixed, Layout, Size
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from authorities.models import Authority
from core.access import may_close, may_read_panel, may_recommend, may_write_side
from core.forms import GovukForm
from indicators import definitions
from indicators.lookups import period_or_404
from indicators.models import Indicator, Period
from indicators.rules import PeriodKind, from_sequence, natural_key, parse_period

from . import writes
from .models import Recommendation

# How far ahead the panel may set an answer-by date or a deep dive's meeting.
AHEAD_YEARS = 2


class RecommendationForm(GovukForm, forms.ModelForm):
    agenda_quarter = forms.CharField(
        required=False,
        label="For the meeting on quarter (deep dives)",
        help_text="For example 2016-17 Q4.",
    )

    class Meta:
        model = Recommendation
        fields = ["kind", "indicator", "addressed_to", "text", "due_date"]
        labels = {
            "kind": "What the panel asks for",
            "indicator": "Measure (optional)",
            "addressed_to": "Addressed to",
            "text": "The panel's words",
            "due_date": "Answer by (optional)",
        }
        error_messages = {
            "text": {"required": "Enter the question or recommendation"},
            "addressed_to": {"required": "Choose who should answer"},
            "due_date": {"invalid": "Enter the date as a real date, for example 2017-01-31"},
        }
        widgets = {
            "kind": forms.RadioSelect,
            "addressed_to": forms.RadioSelect,
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, meeting: Period, **kwargs):
        self.meeting = meeting.parsed  # the quarter whose meeting asks
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = Indicator.objects.order_by("code")
        self.fields["indicator"].empty_label = "The quarter as a whole"
        # Radios offer the choices themselves, never a blank one to pick.
        for name in ["kind", "addressed_to"]:
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0]]

    def layout(self):
        return Layout(
            Field.radios("kind", legend_size=Size.SMALL, small=True),
            Field.select("indicator"),
            Field.radios("addressed_to", legend_size=Size.SMALL, small=True),
            Field.textarea("text", rows=5),
            Field.text("due_date", field_width=Fixed.TEN),
            Field.text("agenda_quarter", field_width=Fixed.TEN),
        )

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        first, last = (
            self.meeting.start,
            self.meeting.end.replace(year=self.meeting.end.year + AHEAD_YEARS),
        )
        if due is not None and not first <= due <= last:
            raise forms.ValidationError(
                f"Give a date from {first:%-d %B %Y} (the start of {self.meeting.label}) to "
                f"{last:%-d %B %Y}, {AHEAD_YEARS} years on"
            )
        return due

    def clean_agenda_quarter(self):
        text = self.cleaned_data["agenda_quarter"].strip()
        if not text:
            return None
        try:
            parsed = parse_period(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error
        if parsed.kind != PeriodKind.QUARTER:
            raise forms.ValidationError("Give a quarter, such as 2016-17 Q4")
        latest = from_sequence(PeriodKind.QUARTER, self.meeting.sequence + 4 * AHEAD_YEARS)
        if not self.meeting.sequence < parsed.sequence <= latest.sequence:
            raise forms.ValidationError(
                f"Give a quarter after {self.meeting.label}, up to {latest.label} "
                f"({AHEAD_YEARS} years on)"
            )
        return parsed

    def clean(self):
        data = super().clean()
        if data.get("kind") == Recommendation.Kind.DEEP_DIVE:
            if not data.get("indicator"):
                self.add_error("indicator", "Choose the measure for the deep dive")
            if not data.get("agenda_quarter"):
                self.add_error(
                    "agenda_quarter", "Give the quarter whose meeting takes the deep dive"
                )
        return data


class AnswerForm(GovukForm, forms.Form):
    answer = forms.CharField(widget=forms.Textarea, error_messages={"required": "Enter the answer"})

    def __init__(self, *args, answered: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answer"].label = "Change the answer" if answered else "Answer"

    def layout(self):
        return Layout(Field.textarea("answer", label_size=Size.SMALL, rows=5))


@login_required
@require_GET
def panel(request, authority_slug: str):
    """Everything the panel has asked of this authority, open and overdue first."""
    authority = get_object_or_404(Authority, slug=authority_slug)
    _reader_or_403(request.user, authority)
    today = timezone.localdate()
    items = list(
        Recommendation.objects.filter(authority=authority)
        .select_related("period", "indicator", "agenda_period", "answered_by", "created_by")
        .annotate(
            order=Case(
                When(status=Recommendation.Status.OPEN, then=Value(0)),
                When(status=Recommendation.Status.ANSWERED, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("order", "due_date", "-period__sequence", "id")
    )
    return render(
        request,
        "scrutiny/panel.html",
        {
            "authority": authority,
            "items": items,
            "today": today,
            "overdue": [i for i in items if i.overdue(today)],
            "may_recommend": may_recommend(request.user, authority),
        },
    )


def _reader_or_403(user, authority: Authority) -> None:
    if not may_read_panel(user, authority):
        raise PermissionDenied(
            f"{authority.name}'s panel pages are for its panel's members and its officers."
        )


@login_required
@require_http_methods(["GET", "POST"])
def new(request, authority_slug: str, period_slug: str):
    authority = get_object_or_404(Authority, slug=authority_slug)
    if not may_recommend(request.user, authority):
        raise PermissionDenied(
            f"{authority.name}'s panel members write its questions and recommendations."
        )
    period = period_or_404(period_slug, PeriodKind.QUARTER)
    initial = {}
    if request.GET.get("indicator"):
        initial["indicator"] = Indicator.objects.filter(code=request.GET["indicator"]).first()
    form = RecommendationForm(request.POST or None, initial=initial, meeting=period)
    if request.method == "POST" and form.is_valid():
        item = form.save(commit=False)
        item.authority, item.period = authority, period
        item, created = writes.record_recommendation(
            item, request.user, agenda=form.cleaned_data.get("agenda_quarter")
        )
        messages.success(
            request,
            f"Saved: the panel's {item.get_kind_display().lower()} for "
            f"{item.get_addressed_to_display().lower()}."
            if created
            else "That was saved already (the form was sent twice).",
        )
        return redirect("scrutiny:panel", authority_slug=authority.slug)
    return render(
        request,
        "scrutiny/recommendation_new.html",
        {"authority": authority, "period": period, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def detail(request, pk: int):
    item = get_object_or_404(
        Recommendation.objects.select_related("authority", "period", "indicator", "answered_by"),
        pk=pk,
    )
    _reader_or_403(request.user, item.authority)
    may_answer = may_write_side(request.user, item.authority, item.addressed_to) and (
        item.may_become(Recommendation.Status.ANSWERED)
    )
    form = AnswerForm(
        request.POST or None, initial={"answer": item.answer}, answered=bool(item.answer)
    )
    if request.method == "POST":
        if not may_answer:
            raise PermissionDenied(
                f"Only {item.get_addressed_to_display().lower()}'s officers answer this."
            )
        if form.is_valid():
            try:
                writes.answer(item, request.user, form.cleaned_data["answer"])
            except writes.NotAllowed as refused:
                messages.info(request, str(refused))
            else:
                messages.success(
                    request, "Saved: the answer. The panel can now accept it or close it."
                )
            return redirect("scrutiny:recommendation", pk=item.pk)
    history = item.history.select_related("history_user").order_by("-history_date")
    chair = may_close(request.user, item.authority)
    return render(
        request,
        "scrutiny/recommendation.html",
        {
            "item": item,
            "form": form,
            "may_answer": may_answer,
            "may_accept": chair and item.may_become(Recommendation.Status.ACCEPTED),
            "may_close": chair and item.may_become(Recommendation.Status.CLOSED),
            "history": history,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def decide(request, pk: int):
    item = get_object_or_404(Recommendation.objects.select_related("authority"), pk=pk)
    if not may_close(request.user, item.authority):
        raise PermissionDenied(
            f"Accepting or closing is for the chair of {item.authority.name}'s panel."
        )
    status = request.POST.get("status")
    if status not in (Recommendation.Status.ACCEPTED, Recommendation.Status.CLOSED):
        messages.warning(request, "Choose Accept or Close.")
        return redirect("scrutiny:recommendation", pk=item.pk)
    try:
        item = writes.decide(item, status)
    except writes.NotAllowed as refused:
        messages.info(request, str(refused))
    else:
        messages.success(request, f"Saved: {item.get_status_display().lower()}.")
    return redirect("scrutiny:recommendation", pk=item.pk)


def for_quarter(authority: Authority, period: Period, held: definitions.Definitions) -> dict:
    """What the quarter view and the briefing show: every item raised at this quarter's
    meeting (closed ones too, as the record), those still open from earlier ones, and the
    deep dives on its agenda; their measures and periods as `held`."""
    items = list(Recommendation.objects.filter(authority=authority).order_by("due_date", "id"))
    for item in items:
        held.attach(item, "period", "indicator", "agenda_period")
    today = timezone.localdate()
    return {
        "raised": [
            i for i in items if i.period_id == period.id and i.kind != Recommendation.Kind.DEEP_DIVE
        ],
        "earlier": [
            i
            for i in items
            if i.period.sequence < period.sequence
            and i.kind != Recommendation.Kind.DEEP_DIVE
            and i.status == Recommendation.Status.OPEN
        ],
        "deep_dives": sorted(
            (
                i
                for i in items
                if i.agenda_period_id == period.id and i.status != Recommendation.Status.CLOSED
            ),
            key=lambda i: natural_key(i.indicator.code if i.indicator else ""),
        ),
        "today": today,
        "link": reverse("scrutiny:panel", args=[authority.slug]),
    }


@login_required
@require_http_methods(["GET", "POST"])
def digest_setting(request):
    """A person switches their daily digest on or off."""
    setting = writes.digest_setting(request.user)
    if request.method == "POST":
        setting = writes.set_digest(request.user, request.POST.get("wanted") == "1")
        messages.success(
            request,
            "Saved: you will get the daily digest."
            if setting.wanted
            else "Saved: no more daily digests.",
        )
        return redirect("scrutiny:digest_setting")
    return render(request, "scrutiny/digest_setting.html", {"setting": setting})
