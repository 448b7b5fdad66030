"""Hypothesis strategies more than one test module draws from."""

from __future__ import annotations

from hypothesis import strategies as st

# The characters a measure's code may hold (indicators.rules.code_problem: printable, and none
# a web address cannot carry), drawn directly. Drawn from every character and filtered, most
# were thrown away, and hypothesis's health check failed a test now and then.
CODE_CHARACTERS = st.characters(
    exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"),
    exclude_characters="/?#%\\",
    include_characters=" ",
)
