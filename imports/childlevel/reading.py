"""Reading child-level returns into frames, with nothing about a child kept beyond what the
indicators need: each child's identifier becomes a number (the same number in every table
and every file of one import, so a child is followed across them), and dates of birth,
UPNs, postcodes and names are never read into a frame at all. A problem names the table,
the record's position and the field, never the value (it may identify a child)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from defusedxml import ElementTree

from indicators.rules import financial_year_of

from ..problems import FileProblem, Problem


@dataclass
class CinReturn:
    """One CIN census: what it covers (from 1 April of its reference date's financial year
    to the reference date: a year for a census taken at 31 March, less for one taken
    in-year), the LA number its header gives, and one row per referral, assessment and
    protection plan, each with the child's number."""

    covered_to: date
    la_number: str
    referrals: pd.DataFrame
    assessments: pd.DataFrame
    plans: pd.DataFrame

    @property
    def covered_from(self) -> date:
        return financial_year_of(self.covered_to).start


@dataclass
class Ssda903Return:
    """One SSDA903 return: the tables given (episodes, oc3, header…), child ids replaced."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


class ChildNumbers:
    """Each child identifier met becomes a small number, and only the number is kept: the
    same identifier in two tables or two files is the same number."""

    def __init__(self):
        self._known = pd.Index([], dtype="object")  # position in it: the child's number

    def of(self, identifiers: pd.Series) -> pd.Series:
        texts = identifiers.astype(str).str.strip()
        codes, uniques = pd.factorize(texts)
        new = uniques[self._known.get_indexer(uniques) < 0]
        self._known = self._known.append(pd.Index(new, dtype="object"))
        numbers = self._known.get_indexer(uniques)
        return pd.Series(numbers[codes].astype("int64"), index=identifiers.index)


def _text(element, tag: str) -> str:
    found = element.find(tag)
    return (found.text or "").strip() if found is not None else ""


def read_cin(data: bytes, name: str, numbers: ChildNumbers) -> CinReturn:
    """A CIN census XML file (DfE's schema), parsed safely (no entities, no DTD) and as a
    stream: each child's record is read and let go, so a census of 100,000 children never
    stands in memory as a tree."""
    header: dict[str, str] = {}
    ids: list[str] = []
    referrals, assessments, plans = [], [], []
    root_tag = None
    try:
        for event, element in ElementTree.iterparse(
            io.BytesIO(data), events=("start", "end"), forbid_dtd=True
        ):
            if root_tag is None:
                root_tag = element.tag
            if event != "end":
                continue
            if element.tag in ("ReferenceDate", "LEA"):
                header[element.tag] = (element.text or "").strip()
            elif element.tag == "Child":
                ids.append(_text(element, "ChildIdentifiers/LAchildID"))
                _episodes(element, len(ids), referrals, assessments, plans)
                element.clear()  # the child's record is done with
    except Exception:  # defusedxml refuses entities and DTDs; ParseError for bad XML
        raise FileProblem(
            [Problem(f"{name}: is not a CIN census XML file Outturn can read")]
        ) from None
    if root_tag != "Message" or not header:
        raise FileProblem([Problem(f"{name}: has no CIN census <Message> header")])
    covered_to = _reference(header.get("ReferenceDate", ""), name)
    child_of = numbers.of(pd.Series(ids, dtype="object"))
    del ids  # the identifiers themselves go no further
    columns = ["record", "episode"]
    frames = [
        pd.DataFrame(referrals, columns=[*columns, "referral", "closure"]),
        pd.DataFrame(assessments, columns=[*columns, "referral", "start", "authorised"]),
        pd.DataFrame(plans, columns=[*columns, "start", "end", "previous_plans"]),
    ]
    for frame in frames:
        records = frame["record"].to_numpy(dtype="int64") - 1
        frame.insert(0, "child", child_of.to_numpy()[records])
    return CinReturn(covered_to, header.get("LEA", ""), *frames)


def _episodes(child, position: int, referrals: list, assessments: list, plans: list) -> None:
    """One child's referrals, with their assessments and protection plans, as tuples."""
    for number, episode in enumerate(child.iterfind("CINdetails"), start=1):
        where = (position, number)
        referral = _text(episode, "CINreferralDate")
        referrals.append((*where, referral, _text(episode, "CINclosureDate")))
        for assessment in episode.iterfind("Assessments"):
            assessments.append(
                (
                    *where,
                    referral,
                    _text(assessment, "AssessmentActualStartDate"),
                    _text(assessment, "AssessmentAuthorisationDate"),
                )
            )
        for plan in episode.iterfind("ChildProtectionPlans"):
            plans.append(
                (
                    *where,
                    _text(plan, "CPPstartDate"),
                    _text(plan, "CPPendDate"),
                    _text(plan, "NumberOfPreviousCPP"),
                )
            )


def _reference(reference: str, name: str) -> date:
    """The census's reference date: the last day it covers."""
    try:
        return date.fromisoformat(reference)
    except ValueError:
        raise FileProblem(
            [Problem(f"{name}: its header has no ReferenceDate Outturn can read")]
        ) from None


# The SSDA903's CSV tables, by the names DfE's and case-management systems' exports use, and
# the columns each indicator reads (never UPN, postcodes or the mother's details; a date of
# birth only to tell who was under 16, in memory, never kept).
TABLES = {
    "header": ["CHILD", "DOB"],  # the date of birth only for "under 16 at 31 March"
    "episodes": ["CHILD", "DECOM", "RNE", "LS", "DEC", "REC"],
    "oc3": ["CHILD", "IN_TOUCH", "ACTIV", "ACCOM"],
}


def read_903(files: dict[str, bytes], numbers: ChildNumbers) -> Ssda903Return:
    """The SSDA903 as its CSV tables, or as its XML (one file)."""
    xml = [name for name in files if name.lower().endswith(".xml")]
    if xml:
        return _read_903_xml(files[xml[0]], xml[0], numbers)
    return _read_903_csv(files, numbers)


def _read_903_xml(data: bytes, name: str, numbers: ChildNumbers) -> Ssda903Return:
    """DfE's SSDA903 XML: <CHILD> records of a <HEADER> (CHILDID…), <EPISODE>s and an
    <OC3>, read as a stream into the same tables as the CSV's, the same columns only."""
    ids, births, episodes, oc3 = [], [], [], []
    try:
        for _event, element in ElementTree.iterparse(io.BytesIO(data), forbid_dtd=True):
            if element.tag != "CHILD":
                continue
            ids.append(_text(element, "HEADER/CHILDID"))
            births.append(_text(element, "HEADER/DOB"))
            position = len(ids)
            for number, episode in enumerate(element.iterfind("EPISODE"), start=1):
                episodes.append(
                    (position, f"{name}: child record {position}, episode {number}")
                    + tuple(_text(episode, field) for field in TABLES["episodes"][1:])
                )
            for leaver in element.iterfind("OC3"):
                oc3.append(
                    (position, f"{name}: child record {position}, OC3")
                    + tuple(_text(leaver, field) for field in TABLES["oc3"][1:])
                )
            element.clear()
    except Exception:
        raise FileProblem(
            [Problem(f"{name}: is not an SSDA903 XML file Outturn can read")]
        ) from None
    if not ids:
        raise FileProblem([Problem(f"{name}: holds no <CHILD> records: not an SSDA903")])
    child_of = numbers.of(pd.Series(ids, dtype="object")).to_numpy()
    del ids
    found = Ssda903Return()
    found.tables["header"] = pd.DataFrame(
        {"place": [f"{name}: child record {n}" for n in range(1, len(births) + 1)],
         "CHILD": child_of, "DOB": births}
    )  # fmt: skip
    for table, rows in [("episodes", episodes), ("oc3", oc3)]:
        frame = pd.DataFrame(rows, columns=["record", "place", *TABLES[table][1:]])
        if table == "oc3" and frame.empty:
            continue
        frame.insert(1, "CHILD", child_of[frame["record"].to_numpy(dtype="int64") - 1])
        found.tables[table] = frame.drop(columns="record")
    return found


def _read_903_csv(files: dict[str, bytes], numbers: ChildNumbers) -> Ssda903Return:
    """The SSDA903's CSV tables given (by file name, or inside one .zip), the columns the
    indicators read and no others."""
    found = Ssda903Return()
    for name, data in files.items():
        table = _table_of(name)
        if table is None:
            continue  # a table no indicator reads (reviews, missing…): never parsed
        frame = _csv(data, name, TABLES[table])
        frame.columns = [c.strip().upper() for c in frame.columns]
        missing = [c for c in TABLES[table] if c not in frame.columns]
        if missing:
            raise FileProblem(
                [Problem(f"{name}: the {table} table has no {', '.join(missing)} column")]
            )
        frame["CHILD"] = numbers.of(frame["CHILD"])
        # Where a problem is, as a spreadsheet numbers its rows (the header is row 1).
        frame.insert(0, "place", [f"{table}, row {n}" for n in range(2, len(frame) + 2)])
        found.tables[table] = frame
    if "episodes" not in found.tables and "oc3" not in found.tables:
        raise FileProblem(
            [Problem("No SSDA903 episodes or OC3 table was given: nothing to compute from")]
        )
    return found


def _csv(data: bytes, name: str, wanted: list[str]) -> pd.DataFrame:
    """The wanted columns of a CSV table, as case-management systems write it (UTF-8, with or
    without its mark, or Windows-1252)."""

    def keep(column: str) -> bool:
        return column.strip().upper() in wanted

    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return pd.read_csv(
                io.BytesIO(data), dtype=str, keep_default_na=False, encoding=encoding, usecols=keep
            )
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
            message = f"{name}: cannot be read as a CSV table ({type(error).__name__})"
            raise FileProblem([Problem(message)]) from None
    raise FileProblem([Problem(f"{name}: is neither UTF-8 nor Windows-1252 text")])


def _table_of(name: str) -> str | None:
    stem = name.rsplit("/", 1)[-1].lower().removesuffix(".csv")
    if "sw_episodes" in stem:  # social workers' episodes: another table
        return None
    for table in TABLES:
        if stem == table or stem.endswith(f"_{table}") or stem.startswith(f"{table}_"):
            return table
    return None
