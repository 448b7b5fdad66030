"""A select drawn in Python exactly as Django's template draws it.

Django draws a select through its template, with a template included for each option and
another for each option's attributes: three templates drew the quarter view's filter of
three short selects in about 2.5 ms of its first drawing after a write (docs/benchmarks.md).
This draws the same HTML in a tenth of that. tests/core/test_widgets.py holds it to Django's
own drawing for any choices, groups, values and attributes; a select given another template
is drawn by Django."""

from __future__ import annotations

from django import forms
from django.utils.safestring import SafeData, SafeString

from .html import conditional_escape, format_html


class Select(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        if (
            self.template_name != forms.Select.template_name
            or self.option_template_name != forms.Select.option_template_name
        ):
            return super().render(name, value, attrs, renderer)
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"', widget["name"]), _attrs(widget["attrs"]), ">"]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                parts.append(
                    format_html(
                        '\n  <option value="{}"{}>{}</option>\n',
                        _as_text(option["value"]),
                        _attrs(option["attrs"]),
                        option["label"],
                    )
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return SafeString("".join(parts))


def _as_text(value):
    """As the template's `stringformat:'s'` makes it: text, still safe where it was."""
    return value if isinstance(value, SafeData) else str(value)


def _attrs(attrs: dict) -> SafeString:
    """As django/forms/widgets/attrs.html draws them: False left out, True as a bare name."""
    return SafeString(
        "".join(
            f" {conditional_escape(name)}"
            if value is True
            else f' {conditional_escape(name)}="{conditional_escape(_as_text(value))}"'
            for name, value in attrs.items()
            if value is not False
        )
    )
