"""Forms drawn as the GOV.UK Design System draws them, by crispy-forms-gds (a template pack
for django-crispy-forms): a form says its fields' labels, hints, widths and limits once, and
`{% crispy form %}` draws each group — label, hint, error message, the input's error state and
its aria-describedby — as GOV.UK Frontend expects. The page keeps its own <form>, button and
error summary (partials/error_summary.html)."""

from __future__ import annotations

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fluid, Layout
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm


class GovukForm:
    """Mixed into a Django form: `layout()` lays its fields out (crispy_forms_gds.layout)."""

    def layout(self) -> Layout:
        return Layout(*self.fields)

    @property
    def helper(self) -> FormHelper:
        helper = FormHelper(self)
        helper.form_tag = False  # the page's own <form>, with its button
        helper.disable_csrf = True  # and its own {% csrf_token %}
        helper.layout = self.layout()
        return helper


class SignInForm(GovukForm, AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"].widget.attrs
        username.pop("autofocus", None)  # GOV.UK: never move a screen reader's focus unasked
        username["spellcheck"] = "false"

    def layout(self):
        return Layout(
            Field.text("username", field_width=Fluid.ONE_HALF),
            Field.text("password", field_width=Fluid.ONE_HALF),
        )


class NewPasswordForm(GovukForm, SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "New password"
        self.fields[
            "new_password1"
        ].help_text = (
            "At least 12 characters; not like your name or email, and not a common password."
        )
        self.fields["new_password2"].label = "The same password again"
        self.fields["new_password2"].help_text = ""

    def layout(self):
        return Layout(
            Field.text("new_password1", field_width=Fluid.ONE_HALF),
            Field.text("new_password2", field_width=Fluid.ONE_HALF),
        )
