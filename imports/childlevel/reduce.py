"""A child-level return reduced to a return of figures: read, checked, computed, and written
out as the rows of an ordinary return (authority, indicator, period, value, numerator,
denominator, note), which is all that goes on (imports.importers.ChildLevelImporter). The
figures are filed under the national code's companion, "<code>-OWN" (the council's own
calculation), so they never overwrite a figure DfE published; the companions name their
national measure as the same definition, so every page shows DfE's figure beside them."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd

from ..problems import FileProblem, Problem
from . import measures
from .checks import check_903, check_cin
from .reading import ChildNumbers, read_903, read_cin

OWN = "-OWN"
NEW_NATIONAL = {  # measures DfE publishes that Outturn had no code for
    "CIN-ASSESS45": (
        "Assessments completed within 45 working days",
        "Social Care Pathway",
        "percent",
        "higher_is_better",
        "1",
        "flow",
    ),
    "CLA-31MAR": (
        "Children looked after at 31 March",
        "Children in Care",
        "count",
        "none",
        "0",
        "snapshot",
    ),
}


def definitions(codes: list[str], national: pd.DataFrame) -> pd.DataFrame:
    """The companions' definitions (and any new national measure they need), from the
    national measures' own: the same unit, polarity, decimals and timing."""
    rows = []
    for code in codes:
        if code in NEW_NATIONAL:
            name, category, unit, polarity, decimals, timing = NEW_NATIONAL[code]
            rows.append([code, name, category, unit, polarity, decimals, "", "", "", "", timing])
        else:
            known = national.loc[code]
            name, category, unit, polarity = (
                known["name"],
                known["category"],
                known["unit"],
                known["polarity"],
            )
            decimals, timing = str(known["decimals"]), known["timing"]
        rows.append(
            [
                f"{code}{OWN}",
                f"{name} (the council's own calculation from its return)",
                category,
                unit,
                polarity,
                decimals,
                "Computed by Outturn from the council's child-level return, by DfE's "
                f"definition of {code}.",
                code,
                "same",
                "",
                timing,
            ]
        )
    columns = ["code", "name", "category", "unit", "polarity", "decimals", "description"]
    return pd.DataFrame(
        rows, columns=[*columns, "benchmark", "benchmark_match", "benchmark_difference", "timing"]
    )


def _row(authority: str, year_end: date, figure: measures.Figure) -> dict:
    period = f"{year_end.year - 1}-{year_end.year % 100:02d}"
    return {
        "authority": authority,
        "indicator": f"{figure.code}{OWN}",
        "period": period,
        "value": "" if figure.value is None else repr(figure.value),
        "numerator": "" if figure.numerator is None else repr(figure.numerator),
        "denominator": ""
        if figure.denominator is None or not figure.percent
        else repr(figure.denominator),
        "note": "The council's own calculation from its return, for the financial year.",
    }


def reduce_cin(files: dict[str, bytes], authority: str) -> tuple[bytes, list[str]]:
    """CIN census XML files (this year's, and last year's for re-referrals) to figures for the
    latest year given."""
    numbers = ChildNumbers()
    returns = [read_cin(data, name, numbers) for name, data in files.items()]
    for found in returns:
        check_cin(found, _name_of(files, returns, found))
    latest = max(r.year_end for r in returns)
    referrals = pd.concat([r.referrals for r in returns], ignore_index=True)
    assessments = pd.concat([r.assessments for r in returns], ignore_index=True)
    plans = pd.concat([r.plans for r in returns if r.year_end == latest], ignore_index=True)
    earlier = any(r.year_end == date(latest.year - 1, 3, 31) for r in returns)
    figures = [
        measures.referrals(referrals, latest),
        measures.re_referrals(referrals, latest, earlier),
        measures.repeat_plans(plans, latest),
        measures.long_plans(plans, latest),
        measures.timely_assessments(assessments, latest),
    ]
    return _written(authority or _la(returns), latest, figures)


def reduce_903(
    files: dict[str, bytes], authority: str, year_end: date | None
) -> tuple[bytes, list[str]]:
    found = read_903(files, ChildNumbers(), year_end)
    check_903(found)
    latest = found.year_end or _latest_903_year(found)
    figures = []
    if "episodes" in found.tables:
        episodes = found.tables["episodes"]
        figures += [
            measures.looked_after_at_31_march(episodes, latest),
            measures.three_placements(episodes, latest),
            measures.long_term_stability(episodes, latest),
        ]
    if "oc3" in found.tables:
        figures += measures.care_leavers(found.tables["oc3"])
    if not authority:
        raise FileProblem(
            [Problem("An SSDA903 return does not say whose it is: choose the authority")]
        )
    return _written(authority, latest, figures)


def _latest_903_year(found) -> date:
    """The year an SSDA903 covers, where it is not given: the financial year of its latest
    episode date (a 903 holds the year's episodes, to 31 March at the latest)."""
    episodes = found.tables.get("episodes")
    if episodes is None or episodes["DECOM"].isna().all():
        raise FileProblem([Problem("Give the year the return covers (the --year option)")])
    latest = pd.concat([episodes["DECOM"], episodes["DEC"]]).max().date()
    return date(latest.year if (latest.month, latest.day) <= (3, 31) else latest.year + 1, 3, 31)


def _written(
    authority: str, year_end: date, figures: list[measures.Figure]
) -> tuple[bytes, list[str]]:
    rows = [_row(authority, year_end, f) for f in figures if not f.why_not]
    notes = [f"{f.code} not computed: it {f.why_not}." for f in figures if f.why_not]
    buffer = io.StringIO()
    pd.DataFrame(
        rows,
        columns=["authority", "indicator", "period", "value", "numerator", "denominator", "note"],
    ).to_csv(buffer, index=False)
    return buffer.getvalue().encode(), notes


def _la(returns) -> str:
    numbers = {r.la_number for r in returns if r.la_number}
    if len(numbers) != 1:
        raise FileProblem(
            [Problem("The census files do not name one authority: choose the authority")]
        )
    return numbers.pop()


def _name_of(files, returns, found) -> str:
    return list(files)[returns.index(found)]


def unbundled(data: bytes, filename: str) -> dict[str, bytes]:
    """The files of one import: a .zip's members, or the one file."""
    import zipfile

    if not filename.lower().endswith(".zip"):
        return {filename: data}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) > 20:
                raise FileProblem(
                    [Problem(f"{filename}: holds {len(members)} files; give at most 20")]
                )
            return {m.filename.rsplit("/", 1)[-1]: archive.read(m) for m in members}
    except zipfile.BadZipFile:
        raise FileProblem([Problem(f"{filename}: is not a .zip file that can be opened")]) from None


def year_option(options: dict) -> date | None:
    """The --year an SSDA903 covers ("2016-17"), if given: its 31 March."""
    text = (options.get("year") or "").strip()
    if not text:
        return None
    from indicators.rules import PeriodKind, parse_period

    try:
        parsed = parse_period(text)
    except ValueError as error:
        raise FileProblem([Problem(f"The year: {error}")]) from None
    if parsed.kind != PeriodKind.YEAR:
        raise FileProblem([Problem(f'The year: "{text}" is not a financial year, such as 2016-17')])
    return parsed.end


def ensure_definitions(codes: list[str]) -> None:
    """The companions this return's figures are filed under, and any national measure they
    name that Outturn lacks, created through the one write path the first time."""
    from indicators import writes
    from indicators.models import Indicator

    wanted = [code.removesuffix(OWN) for code in codes if code.endswith(OWN)]
    known = set(Indicator.objects.filter(code__in=[*codes, *wanted]).values_list("code", flat=True))
    missing = [code for code in wanted if f"{code}{OWN}" not in known]
    if not missing:
        return
    national = pd.DataFrame.from_records(
        Indicator.objects.filter(code__in=missing).values(
            "code", "name", "category__name", "unit", "polarity", "decimals", "timing"
        )
    ).rename(columns={"category__name": "category"})
    national = national.set_index("code") if not national.empty else national
    absent = [
        c for c in missing if c not in NEW_NATIONAL and (national.empty or c not in national.index)
    ]
    if absent:
        raise FileProblem(
            [
                Problem(
                    f"Outturn does not know DfE's {', '.join(absent)} yet: a performance admin "
                    "imports DfE's indicator definitions first"
                )
            ]
        )
    frame = definitions(missing, national)
    frame = frame[~frame["code"].isin(known)]
    writes.save_indicators(frame.fillna(""))
