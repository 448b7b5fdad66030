"""What a child-level return must be for its indicators to be right, located and explained:
dates that parse, episodes, assessments and plans in order, a child's episodes that do not
overlap, child ids the same across tables. A return with any such problem is refused as a
whole, like any return. Each problem names the file or table, the record's position and the
field, never its value (it may identify a child). DfE's several hundred other rules are Data
to Insight's validators' (docs/child-level.md)."""

from __future__ import annotations

import pandas as pd

from ..problems import FileProblem, Problem
from .reading import CinReturn, Ssda903Return

MAX_SAID = 200  # problems said one by one; the rest are counted


def _dates(frame: pd.DataFrame, column: str, formats: list[str]) -> pd.Series:
    """The column's text as dates (NaT for blank), and which non-blank cells did not parse."""
    text = frame[column].fillna("").astype(str).str.strip()
    parsed = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    for format in formats:
        missing = parsed.isna() & (text != "")
        if not missing.any():
            break
        parsed[missing] = pd.to_datetime(text[missing], format=format, errors="coerce")
    frame[column] = parsed
    return parsed.isna() & (text != "")


class _Found:
    def __init__(self, name: str):
        self.name = name
        self.problems: list[Problem] = []
        self.count = 0

    def where(self, rows: pd.Series, frame: pd.DataFrame, field: str, message: str, place) -> None:
        """Count every row found; say the first MAX_SAID of all, where they are."""
        found = frame.index[rows.fillna(False).to_numpy(dtype=bool)]
        self.count += len(found)
        for index in found[: max(MAX_SAID - len(self.problems), 0)]:
            self.problems.append(Problem(f"{place(frame.loc[index])}, {field}: {message}"))

    def raise_if_any(self) -> None:
        if self.count:
            problems = list(self.problems)
            if self.count > MAX_SAID:
                problems.append(
                    Problem(
                        f"{self.name}: and {self.count - MAX_SAID:,} more problems of these kinds"
                    )
                )
            raise FileProblem(problems)


def check_cin(found: CinReturn, name: str) -> None:
    said = _Found(name)

    def place(row) -> str:
        return f"{name}: child record {row['record']}, referral {row['episode']}"

    iso = ["%Y-%m-%d"]
    for frame, fields in [
        (found.referrals, ["referral", "closure"]),
        (found.assessments, ["referral", "start", "authorised"]),
        (found.plans, ["start", "end"]),
    ]:
        for field in fields:
            bad = _dates(frame, field, iso)
            said.where(bad, frame, field, "is not a date (YYYY-MM-DD)", place)
    said.where(
        found.referrals["referral"].isna(), found.referrals, "CINreferralDate", "is missing", place
    )
    said.where(
        found.referrals["closure"] < found.referrals["referral"],
        found.referrals, "CINclosureDate", "is before the referral", place,
    )  # fmt: skip
    said.where(
        found.assessments["authorised"] < found.assessments["referral"],
        found.assessments, "AssessmentAuthorisationDate", "is before the referral", place,
    )  # fmt: skip
    said.where(
        found.assessments["authorised"] < found.assessments["start"],
        found.assessments, "AssessmentAuthorisationDate", "is before the assessment began", place,
    )  # fmt: skip
    said.where(found.plans["start"].isna(), found.plans, "CPPstartDate", "is missing", place)
    said.where(
        found.plans["end"] < found.plans["start"],
        found.plans,
        "CPPendDate",
        "is before the plan began",
        place,
    )
    previous = pd.to_numeric(found.plans["previous_plans"].replace("", "0"), errors="coerce")
    said.where(previous.isna(), found.plans, "NumberOfPreviousCPP", "is not a whole number", place)
    found.plans["previous_plans"] = previous
    said.raise_if_any()


DMY = ["%d/%m/%Y", "%Y-%m-%d"]  # as case-management systems export them


def check_903(found: Ssda903Return) -> None:
    said = _Found("SSDA903")

    def place(row) -> str:  # the reader says where each record is
        return row["place"]

    episodes = found.tables.get("episodes")
    if episodes is not None:
        for field in ["DECOM", "DEC"]:
            said.where(
                _dates(episodes, field, DMY), episodes, field, "is not a date (dd/mm/yyyy)", place
            )
        said.where(episodes["DECOM"].isna(), episodes, "DECOM", "is missing", place)
        said.where(
            episodes["DEC"] < episodes["DECOM"],
            episodes,
            "DEC",
            "is before the episode began",
            place,
        )
        ordered = episodes.sort_values(["CHILD", "DECOM"])
        by_child = ordered.groupby("CHILD")
        earlier_end = by_child["DEC"].shift(1)  # NaT after a first episode, or an open one
        earlier_open = earlier_end.isna() & (by_child.cumcount() > 0)
        overlaps = (ordered["DECOM"] < earlier_end) | earlier_open
        said.where(
            overlaps.reindex(episodes.index),
            episodes,
            "DECOM",
            "begins before the child's previous episode ended",
            place,
        )
    header = found.tables.get("header")
    if header is not None:
        bad = _dates(header, "DOB", DMY)
        said.where(bad, header, "DOB", "is not a date (dd/mm/yyyy)", place)
        known = set(header["CHILD"])
        for table, frame in found.tables.items():
            if table != "header":
                said.where(
                    ~frame["CHILD"].isin(known),
                    frame,
                    "CHILD",
                    "is not a child in the header table",
                    place,
                )
    said.raise_if_any()
