"""When England's children's services authorities merged or split: the councils a period's
pages may offer. DfE's list of authorities names the councils abolished (with their year) and
their successors, but gives no dates; these are the dates the structural changes orders took
effect. A council that only changed its code (Barnsley's, or Dorset's county council into
Dorset Council) is one council throughout (Authority.successor_ids) and is not listed here."""

from __future__ import annotations

from datetime import date

# The Bournemouth, Dorset and Poole (Structural Changes) Order 2018; the Northamptonshire
# (Structural Changes) Order 2020; the Cumbria (Structural Changes) Order 2022.
ESTABLISHED = {
    "E06000058": date(2019, 4, 1),  # Bournemouth, Christchurch and Poole
    "E06000061": date(2021, 4, 1),  # North Northamptonshire
    "E06000062": date(2021, 4, 1),  # West Northamptonshire
    "E06000063": date(2023, 4, 1),  # Cumberland
    "E06000064": date(2023, 4, 1),  # Westmorland and Furness
}
ABOLISHED = {  # the first day the council no longer existed
    "E06000028": date(2019, 4, 1),  # Bournemouth
    "E06000029": date(2019, 4, 1),  # Poole
    "E10000021": date(2021, 4, 1),  # Northamptonshire
    "E10000006": date(2023, 4, 1),  # Cumbria
}


def in_being(code: str, start: date, end: date) -> bool:
    """Whether the authority existed at some time from `start` to `end`."""
    established, abolished = ESTABLISHED.get(code), ABOLISHED.get(code)
    return (established is None or established <= end) and (abolished is None or abolished > start)
