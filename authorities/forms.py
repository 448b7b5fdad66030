from __future__ import annotations

from crispy_forms_gds.layout import Field, Layout, Size
from django import forms
from django.contrib.auth.models import User

from core.forms import GovukForm

from .models import Authority, OfficerAssignment
from .people import ROLES, NotAllowed, check_manages


class AddPersonForm(GovukForm, forms.Form):
    first_name = forms.CharField(max_length=150, label="First name")
    last_name = forms.CharField(max_length=150, label="Last name")
    email = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="Their username, and where the link to set a password goes.",
        error_messages={"invalid": "Enter an email address like name@example.gov.uk"},
    )
    role = forms.ChoiceField(
        choices=[(key, label) for key, (_, label) in ROLES.items()],
        widget=forms.RadioSelect,
        error_messages={"required": "Select their role"},
    )
    authority = forms.ModelChoiceField(
        queryset=Authority.objects.current_local(),
        required=False,
        label="Authority (officers, panel members and chairs)",
        empty_label="Choose the authority they work for",
    )
    side = forms.ChoiceField(
        choices=OfficerAssignment.Side.choices,
        required=False,
        widget=forms.RadioSelect,
        label="Side (officers)",
    )

    def __init__(self, *args, actor: User, **kwargs):
        self.actor = actor
        super().__init__(*args, **kwargs)

    def layout(self):
        return Layout(
            Field.text("first_name"),
            Field.text("last_name"),
            Field.text("email"),
            Field.radios("role", legend_size=Size.SMALL),
            Field.select("authority"),
            Field.radios("side", legend_size=Size.SMALL),
        )

    def clean_role(self):
        role = self.cleaned_data["role"]
        try:
            check_manages(self.actor, role=role)
        except NotAllowed as refused:
            raise forms.ValidationError(str(refused)) from refused
        return role

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(username=email).exists():
            raise forms.ValidationError("Someone with this email address has an account already")
        return email

    def clean(self):
        data = super().clean()
        if data.get("role") in ("panel", "chair") and not data.get("authority"):
            self.add_error("authority", "Choose the authority whose panel they sit on")
        if data.get("role") == "officer":
            if not data.get("authority"):
                self.add_error("authority", "Choose the authority this officer works for")
            if not data.get("side"):
                self.add_error("side", "Choose the council's side or the provider's")
        return data
