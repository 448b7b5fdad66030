"""DfE's headline indicators from child-level returns: pure, set-based functions of the
frames imports.childlevel.reading makes (one row per referral, assessment, plan, episode or
care leaver, each with its child's number), for one financial year. Each gives a numerator
and denominator (so small cohorts and intervals work as for any figure), or the reason it
cannot be computed from what was given. Definitions, and where DfE states each, are in
docs/child-level.md; the edge cases are tested on small hand-made returns
(tests/imports/test_child_level.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import holidays
import numpy as np
import pandas as pd

from indicators.rules import round_half_up

WORKING_DAYS = 45  # an assessment's timescale (Working Together to Safeguard Children)


@dataclass(frozen=True)
class Figure:
    code: str
    numerator: float | None = None
    denominator: float | None = None
    per: int | None = 100  # a percentage; 10,000 for a rate; None for a count
    why_not: str = ""  # where it could not be computed: what it needs

    @property
    def value(self) -> float | None:
        if self.why_not or self.numerator is None:
            return None
        if self.per is None:
            return float(self.numerator)
        if not self.denominator:
            return None
        return round_half_up(self.per * self.numerator / self.denominator, 1)


@dataclass(frozen=True)
class Window:
    """What a figure covers: flows count what happened from `start` to `end` (both days
    counted), snapshots what stood at the end of `end`."""

    start: pd.Timestamp
    end: pd.Timestamp

    @classmethod
    def twelve_months_to(cls, end: date) -> Window:
        """The 12 months to the end of `end` (a quarter's last day)."""
        end = pd.Timestamp(end)
        return cls(end - pd.DateOffset(years=1) + pd.Timedelta(days=1), end)


def _in(dates: pd.Series, window: Window) -> pd.Series:
    return (dates >= window.start) & (dates <= window.end)


# The Children in Need census -------------------------------------------------------------


def referrals(frame: pd.DataFrame, window: Window) -> Figure:
    """CIN-REFS: referrals whose date falls in the window (a child's referral given in two
    returns counts once)."""
    distinct = frame.drop_duplicates(["child", "referral"])
    return Figure("CIN-REFS", float(_in(distinct["referral"], window).sum()), per=None)


def re_referrals(frame: pd.DataFrame, window: Window, covered_from: pd.Timestamp) -> Figure:
    """CIN-REREF: of the year's referrals, those within 12 months of the same child's previous
    referral (12 months inclusive: 364 days counts; 366 does not, nor 365 across a 29
    February). Needs the 12 months before the window's referrals too: given with the
    earlier return, or not computed."""
    if covered_from > window.start - pd.DateOffset(years=1):
        return Figure(
            "CIN-REREF",
            why_not="needs the previous year's CIN census too (a re-referral looks back 12 "
            "months); give both files in one import",
        )
    ordered = frame.drop_duplicates(["child", "referral"]).sort_values(["child", "referral"])
    previous = ordered.groupby("child")["referral"].shift(1)
    within = previous.notna() & (previous >= ordered["referral"] - pd.DateOffset(years=1))
    this_year = _in(ordered["referral"], window)
    return Figure("CIN-REREF", float((within & this_year).sum()), float(this_year.sum()))


def repeat_plans(plans: pd.DataFrame, window: Window) -> Figure:
    """CPP-REPEAT: of the protection plans starting in the window, those for a child who had
    a plan before (NumberOfPreviousCPP of 1 or more)."""
    starting = plans[_in(plans["start"], window)]
    return Figure(
        "CPP-REPEAT", float((starting["previous_plans"] >= 1).sum()), float(len(starting))
    )


def long_plans(plans: pd.DataFrame, window: Window) -> Figure:
    """CPP-2YRS: of the children on a protection plan at the window's end (31 March for a
    year), those whose plan had lasted two years or more that day (a plan begun on that day
    two years before counts)."""
    end = window.end
    open_then = plans[(plans["start"] <= end) & (plans["end"].isna() | (plans["end"] > end))]
    per_child = open_then.groupby("child")["start"].min()  # one plan open at a time per child
    long = per_child <= end - pd.DateOffset(years=2)
    return Figure("CPP-2YRS", float(long.sum()), float(len(per_child)))


def timely_assessments(assessments: pd.DataFrame, window: Window) -> Figure:
    """CIN-ASSESS45: of the assessments completed (authorised) in the window, those completed
    within 45 working days of the referral: the working days after the referral date up to
    and including the day of authorisation, weekends and England's bank holidays left out
    (the 45th working day counts)."""
    distinct = assessments.drop_duplicates(["child", "referral", "authorised"])
    done = distinct[_in(distinct["authorised"], window)].dropna(subset=["referral"])
    if done.empty:
        return Figure("CIN-ASSESS45", 0.0, 0.0)
    years = range(done["referral"].min().year, done["authorised"].max().year + 1)
    closed = np.array(sorted(holidays.UK(subdiv="ENG", years=years)), dtype="datetime64[D]")
    begin = done["referral"].to_numpy(dtype="datetime64[D]") + np.timedelta64(1, "D")
    finish = done["authorised"].to_numpy(dtype="datetime64[D]") + np.timedelta64(1, "D")
    days = np.busday_count(begin, finish, holidays=closed)
    return Figure("CIN-ASSESS45", float((days <= WORKING_DAYS).sum()), float(len(done)))


def children_in_need(frame: pd.DataFrame, window: Window) -> int:
    """Children with a referral open at the end of the window's last day (referred by then,
    not closed by then)."""
    end = window.end
    open_then = frame[
        (frame["referral"] <= end) & (frame["closure"].isna() | (frame["closure"] > end))
    ]
    return int(open_then["child"].nunique())


def rate(code: str, children: float, population: int | None) -> Figure:
    """A count at 31 March per 10,000 children aged 0-17 (CIN-RATE, CLA-RATE)."""
    if not population:
        return Figure(
            code,
            why_not="needs the authority's population aged 0-17 for the year (a performance "
            "admin enters it under Populations)",
        )
    return Figure(code, float(children), float(population), per=10_000)


# The SSDA903 ------------------------------------------------------------------------------

NEW_PLACEMENT = {"S", "P", "B"}  # started care; a change of placement (and of legal status)
EET = {"F1", "P1", "F2", "P2", "F4", "P4", "F5", "P5"}  # OC3 ACTIV: in education, employment
# or training, full or part time


def looked_after(episodes: pd.DataFrame, window: Window) -> Figure:
    """CLA-COUNT: children with an episode of care open at the end of the window's last day
    (31 March for a year, as DfE counts them; a quarter's last day in-year)."""
    end = window.end
    open_then = episodes[
        (episodes["DECOM"] <= end) & (episodes["DEC"].isna() | (episodes["DEC"] > end))
    ]
    return Figure("CLA-COUNT", float(open_then["CHILD"].nunique()), per=None)


def three_placements(episodes: pd.DataFrame, window: Window) -> Figure:
    """CLA-3PLUS: of the children looked after at 31 March, those with three or more
    placements during the year: the placement they were in on 1 April (or began care in)
    and each later episode that began a new placement (RNE S, P or B; a change of legal
    status only, L, or to or from a temporary placement, T and U, is not a new placement, as
    DfE's placement count leaves temporary placements out)."""
    start, end = window.start, window.end
    in_year = episodes[
        (episodes["DECOM"] <= end) & (episodes["DEC"].isna() | (episodes["DEC"] >= start))
    ]
    open_at_end = set(in_year.loc[in_year["DEC"].isna() | (in_year["DEC"] > end), "CHILD"])
    began = in_year["DECOM"] >= start
    new = began & in_year["RNE"].isin(NEW_PLACEMENT)
    counts = new.groupby(in_year["CHILD"]).sum()
    first_began = in_year.assign(began=began).sort_values("DECOM").groupby("CHILD")["began"].first()
    # the placement already open on 1 April counts once, unless care began in the year
    counts = counts + (~first_began.reindex(counts.index).fillna(False)).astype(int)
    counted = counts[counts.index.isin(open_at_end)]
    return Figure("CLA-3PLUS", float((counted >= 3).sum()), float(len(open_at_end)))


def care_leavers(oc3: pd.DataFrame) -> list[Figure]:
    """CL-SUITACC and CL-EET: of the care leavers in the OC3 table (those whose 19th, 20th
    or 21st birthday fell in the year), those in suitable accommodation (an ACCOM code
    ending 1) and those in education, employment or training (ACTIV F1-F5, P1-P5). Those
    the council is not in touch with count in the whole, as DfE counts them."""
    whole = float(len(oc3))
    suitable = oc3["ACCOM"].str.strip().str.endswith("1") & (oc3["ACCOM"].str.len() == 2)
    eet = oc3["ACTIV"].str.strip().str.upper().isin(EET)
    return [
        Figure("CL-SUITACC", float(suitable.sum()), whole),
        Figure("CL-EET", float(eet.sum()), whole),
    ]


def long_term_stability(
    episodes: pd.DataFrame, header: pd.DataFrame, window: Window, covered_from: pd.Timestamp
) -> Figure:
    """CLA-LTSTAB: of the children under 16 looked after at 31 March who had been looked
    after continuously for two and a half years or more, those who had been in the same
    placement for two years or more. A period of care runs on while each episode begins the
    day the last ended; a placement runs on through changes of legal status only (RNE L) and
    moves to or from a temporary placement (T, U). Needs the episodes of the two earlier
    returns (the placements adoption counts as one with the last are not told apart)."""
    end = window.end
    if covered_from > end - pd.DateOffset(years=2, months=6):
        return Figure(
            "CLA-LTSTAB",
            why_not="needs two and a half years of episodes: give the two earlier years' "
            "SSDA903 returns with it",
        )
    ordered = episodes.sort_values(["CHILD", "DECOM"])
    previous_end = ordered.groupby("CHILD")["DEC"].shift(1)
    first = ordered.groupby("CHILD").cumcount() == 0
    new_period = first | (ordered["DECOM"] != previous_end)
    new_placement = new_period | ordered["RNE"].isin(NEW_PLACEMENT)
    period_start = ordered.groupby(new_period.cumsum())["DECOM"].transform("min")
    placement_start = ordered.groupby(new_placement.cumsum())["DECOM"].transform("min")
    now = (ordered["DECOM"] <= end) & (ordered["DEC"].isna() | (ordered["DEC"] > end))
    born = header.drop_duplicates("CHILD", keep="last").set_index("CHILD")["DOB"]
    under_16 = ordered["CHILD"].map(born) > end - pd.DateOffset(years=16)
    cohort = now & under_16 & (period_start <= end - pd.DateOffset(years=2, months=6))
    stable = cohort & (placement_start <= end - pd.DateOffset(years=2))
    return Figure("CLA-LTSTAB", float(stable.sum()), float(cohort.sum()))
