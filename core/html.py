"""HTML drawn in Python exactly as django.utils.html's format_html and format_html_join draw
it, without the lazy-string wrapper Django puts round each escape (`keep_lazy`: a check of
every argument for a lazy string, on every call). The quarter view draws a few thousand
cells and tags on its first drawing after a write, and that wrapper was a third of their
time (docs/benchmarks.md). Each argument is kept as it is where it is marked safe, else
escaped as Django escapes it (the standard library's html.escape, quotes included);
tests/core/test_html.py holds both to the same output."""

from __future__ import annotations

import html
from collections.abc import Iterable

from django.utils.functional import Promise
from django.utils.safestring import SafeString


def conditional_escape(value) -> str:
    kind = type(value)
    if kind is SafeString:  # most arguments are drawn HTML already: kept as they are
        return value
    if kind is str:
        return html.escape(value)
    if kind is int or kind is float:  # digits, a sign, a point: nothing to escape
        return str(value)
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def format_html(template: str, *args) -> SafeString:
    """`template` (trusted) with each argument escaped unless marked safe."""
    return SafeString(template.format(*map(conditional_escape, args)))


def format_html_join(separator: str, template: str, rows: Iterable[Iterable]) -> SafeString:
    """`template` formatted with each row's arguments, joined by `separator` (trusted)."""
    return SafeString(
        separator.join(template.format(*map(conditional_escape, row)) for row in rows)
    )
