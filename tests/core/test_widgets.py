"""core.widgets.Select draws what Django's own select draws, for any choices, groups, values
and attributes; one given another template is left to Django."""

from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.safestring import mark_safe
from hypothesis import given
from hypothesis import strategies as st

from core.widgets import Select

TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["<b>&</b>", "\"'", "Children in Care", ""]),
    st.text(max_size=8).map(mark_safe),
    st.text(max_size=8).map(lambda text: lazy(lambda: text, str)()),
)
VALUES = st.one_of(st.text(max_size=8), st.integers(-5, 5), st.just(""))
OPTIONS = st.lists(st.tuples(VALUES, TEXT), max_size=6)
CHOICES = st.lists(st.one_of(st.tuples(VALUES, TEXT), st.tuples(TEXT, OPTIONS)), max_size=5)
ATTRS = st.dictionaries(
    st.sampled_from(["class", "id", "data-x", "aria-describedby", "disabled", "required"]),
    st.one_of(st.booleans(), st.text(max_size=6), st.integers(0, 3), st.just("<\"&'>")),
    max_size=4,
)


@given(CHOICES, st.one_of(VALUES, st.lists(VALUES, max_size=2), st.none()), ATTRS, ATTRS)
def test_a_select_is_drawn_as_django_draws_it(choices, value, widget_attrs, attrs):
    ours = Select(attrs=widget_attrs, choices=choices).render("category", value, attrs)
    django = forms.Select(attrs=widget_attrs, choices=choices).render("category", value, attrs)
    assert ours == django


def test_a_field_with_it_draws_the_same_page_fragment():
    class Form(forms.Form):
        status = forms.ChoiceField(choices=[("", "All"), ("on", "On target")], required=False)
        quick = forms.ChoiceField(
            choices=[("", "All"), ("on", "On target")], required=False, widget=Select
        )

    form = Form({"status": "on", "quick": "on"})
    drawn = str(form["quick"]).replace('"quick"', '"status"').replace("id_quick", "id_status")
    assert drawn == str(form["status"])
    assert '<option value="on" selected>On target</option>' in drawn


def test_a_select_with_its_own_template_is_drawn_by_django():
    class Other(Select):
        option_template_name = "django/forms/widgets/input_option.html"

    drawn = Other(choices=[("a", "A")]).render("x", "a")
    assert "<select" in drawn
    assert "<option" not in drawn  # Django's drawing with the other template, not ours
    assert "<input" in drawn
