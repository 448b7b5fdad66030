"""core.html draws what django.utils.html draws, for any text, safe or not."""

from __future__ import annotations

from django.utils import html as django_html
from django.utils.functional import lazy
from django.utils.safestring import SafeString, mark_safe
from hypothesis import given
from hypothesis import strategies as st

from core import html

ARGUMENTS = st.one_of(
    st.text(),
    st.text().map(mark_safe),
    st.integers(),
    st.floats(allow_nan=False),
    st.none(),
    st.text().map(lambda text: lazy(lambda: text, str)()),
)
TEMPLATES = st.sampled_from(["{}", '<span class="x">{}</span>', "{} and {}", "<b>{}</b>{}{}"])


@given(TEMPLATES, st.lists(ARGUMENTS, min_size=3, max_size=3))
def test_format_html_draws_as_django_draws(template, arguments):
    ours = html.format_html(template, *arguments)
    assert ours == django_html.format_html(template, *arguments)
    assert isinstance(ours, SafeString)


@given(TEMPLATES, st.lists(st.lists(ARGUMENTS, min_size=3, max_size=3), max_size=5))
def test_format_html_join_draws_as_django_draws(template, rows):
    ours = html.format_html_join(", ", template, rows)
    assert ours == django_html.format_html_join(", ", template, rows)
    assert isinstance(ours, SafeString)


def test_the_characters_html_gives_meaning_to_are_escaped_and_safe_text_is_not():
    drawn = html.format_html("<p>{} {}</p>", "<a href='x'>&\"", mark_safe("<b>kept</b>"))
    assert drawn == "<p>&lt;a href=&#x27;x&#x27;&gt;&amp;&quot; <b>kept</b></p>"
