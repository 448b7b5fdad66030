"""Check and apply indicator definitions: code, name, category, unit, polarity, decimals,
description[, benchmark][, timing] (the shape of DfE's indicators.csv)."""

from __future__ import annotations

import pandas as pd

from indicators.models import Indicator
from indicators.rules import Polarity, Timing, code_problem

from .problems import Checked, FileProblem, Problems, problems_where

REQUIRED = ["code", "name", "category", "unit", "polarity"]
UNITS = set(Indicator.Unit.values)
POLARITIES = {p.value for p in Polarity}
TIMINGS = {t.value for t in Timing}
OPTIONAL = {
    "decimals": "0",
    "description": "",
    "benchmark": "",
    "benchmark_match": "",
    "benchmark_difference": "",
    "timing": "",
}
MATCHES = set(Indicator.Match.values)
# What each of DfE's national measures counts, from the definitions in DfE's releases
# ("Characteristics of children in need", "Children looked after in England", "Children's
# social work workforce"). DfE's indicators.csv does not say, so a file that gives no timing
# for one of these codes takes it from here; any other measure's file says it, or it is
# left unstated (and its periods carry no note).
DFE_TIMINGS = {
    "CIN-REFS": Timing.FLOW,  # referrals in the year to 31 March
    "CIN-REREF": Timing.FLOW,  # referrals in the year that follow one within 12 months
    "CIN-RATE": Timing.SNAPSHOT,  # children in need at 31 March
    "CPP-REPEAT": Timing.FLOW,  # plans starting in the year
    "CPP-2YRS": Timing.SNAPSHOT,  # plans open at 31 March
    "CLA-RATE": Timing.SNAPSHOT,  # children looked after at 31 March
    "CLA-LTSTAB": Timing.SNAPSHOT,  # children looked after at 31 March for 2.5 years or more
    "CLA-3PLUS": Timing.FLOW,  # placements during the year
    "CL-EET": Timing.FLOW,  # care leavers' activity around their birthday in the year
    "CL-SUITACC": Timing.FLOW,  # care leavers' accommodation around their birthday
    "SW-AGENCY": Timing.CENSUS,
    "SW-TURNOVER": Timing.CENSUS,
    "SW-VACANCY": Timing.CENSUS,
    "SW-CASELOAD": Timing.CENSUS,
}


def check_definitions(table: pd.DataFrame) -> Checked:
    missing = [c for c in REQUIRED if c not in table]
    if missing:
        raise FileProblem(
            f"The file has no {', '.join(missing)} column. Indicator definitions need code, "
            "name, category, unit, polarity, and may have decimals, description, benchmark "
            "and timing."
        )
    frame = _normalised(table)
    problems = _problems(frame)
    problems.sort()
    return Checked(frame, problems)


def _normalised(table: pd.DataFrame) -> pd.DataFrame:
    """The optional columns with their defaults, codes' words in lower case, and a DfE
    measure's timing where the file gives none."""
    frame = table.copy()
    for column, default in OPTIONAL.items():
        if column not in frame:
            frame[column] = default
    frame.loc[frame["decimals"] == "", "decimals"] = "0"
    for column in ["unit", "polarity", "timing", "benchmark_match"]:
        frame[column] = frame[column].str.strip().str.casefold()
    unstated = frame["timing"] == ""
    frame.loc[unstated, "timing"] = frame.loc[unstated, "code"].map(DFE_TIMINGS).fillna("")
    return frame


def _problems(frame: pd.DataFrame) -> Problems:
    """Every cell that cannot be a definition, each at its row and column."""
    problems = Problems()
    for column in ["code", "name", "category"]:
        problems += problems_where(frame[column] == "", frame, column, "is empty")
    for column, allowed, said in [
        ("unit", UNITS, f"is not one of {', '.join(sorted(UNITS))}"),
        ("polarity", POLARITIES, "is not higher_is_better, lower_is_better or none"),
        ("timing", TIMINGS, "is not flow, snapshot or census (or empty)"),
        ("benchmark_match", MATCHES, "is not same or related (or empty)"),
    ]:
        problems += problems_where(~frame[column].isin(allowed), frame, column, said)
    problems += problems_where(
        (frame["benchmark_match"] == "related") & (frame["benchmark_difference"] == ""),
        frame,
        "benchmark_difference",
        "is empty: a related national equivalent needs how it differs, in words",
    )
    problems += problems_where(
        (frame["benchmark_match"] != "") & (frame["benchmark"] == ""),
        frame,
        "benchmark_match",
        "says how close a national equivalent is, but the benchmark column names none",
    )
    decimals = pd.to_numeric(frame["decimals"], errors="coerce")
    problems += problems_where(
        ~decimals.isin(range(7)), frame, "decimals", "is not a whole number from 0 to 6"
    )
    problems += problems_where(
        frame["code"].str.len() > 30, frame, "code", "is longer than 30 characters"
    )
    unsafe = frame["code"].map(code_problem).notna()
    problems += problems_where(unsafe, frame, "code", code_problem("/"))
    repeated = frame["code"].str.casefold().duplicated(keep="first") & (frame["code"] != "")
    problems += problems_where(repeated, frame, "code", "appears twice in the file")
    return problems


def pending_benchmarks(checked: Checked) -> list[str]:
    """A national equivalent not in Outturn yet is kept and linked when it arrives: said
    plainly, one sentence per measure, never dropped in silence."""
    frame = checked.frame
    known = set(Indicator.objects.values_list("code", flat=True)) | set(frame["code"])
    waiting = frame[(frame["benchmark"] != "") & ~frame["benchmark"].isin(known)]
    return [
        f"{row.code}'s national equivalent {row.benchmark} is not in Outturn yet: the link is "
        f"kept and made as soon as {row.benchmark}'s definition is imported."
        for row in waiting.itertuples()
    ]


def preview_definitions(checked: Checked) -> dict[str, int]:
    stored = {
        i.code: (
            i.name,
            i.category.name,
            i.unit,
            i.polarity,
            i.decimals,
            i.description,
            i.timing,
            i.benchmark_code,
            i.benchmark_match,
            i.benchmark_difference,
        )
        for i in Indicator.objects.select_related("category")
    }
    counts = {"new": 0, "changed": 0, "unchanged": 0}
    for row in checked.frame.itertuples():
        new = (
            row.name,
            row.category,
            row.unit,
            row.polarity,
            int(row.decimals),
            row.description,
            row.timing,
            row.benchmark,
            row.benchmark_match,
            row.benchmark_difference,
        )
        old = stored.get(row.code)
        counts["new" if old is None else "unchanged" if old == new else "changed"] += 1
    return counts
