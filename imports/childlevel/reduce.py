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
from django.db import models

from indicators.rules import (
    PeriodKind,
    Timing,
    financial_year_of,
    from_sequence,
    quarter_of,
)

from ..definitions import DFE_TIMINGS
from ..problems import FileProblem, Problem
from . import measures
from .checks import check_903, check_cin
from .reading import ChildNumbers, read_903, read_cin

OWN = "-OWN"
# DfE's measures a child-level return gives the council's own figure for.
COMPUTED = [
    "CIN-REFS",
    "CIN-REREF",
    "CPP-REPEAT",
    "CPP-2YRS",
    "CIN-RATE",
    "CIN-ASSESS45",
    "CLA-COUNT",
    "CLA-RATE",
    "CLA-3PLUS",
    "CLA-LTSTAB",
    "CL-SUITACC",
    "CL-EET",
]
NEW_NATIONAL = {  # measures DfE publishes that Outturn had no code for
    "CIN-ASSESS45": (
        "Assessments completed within 45 working days",
        "Social Care Pathway",
        "percent",
        "higher_is_better",
        "1",
        "flow",
    ),
    "CLA-COUNT": (
        "Children looked after (at 31 March, or the period's end)",
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


def _snapshot(code: str) -> bool:
    """A figure of what stood on a window's last day (CPP-2YRS, CLA-COUNT…), as the national
    measure's timing says, against one of what happened in its 12 months."""
    timing = NEW_NATIONAL[code][5] if code in NEW_NATIONAL else DFE_TIMINGS.get(code)
    return timing == Timing.SNAPSHOT


def _rows(authority: str, window: measures.Window, figures: list[measures.Figure]) -> list[dict]:
    """A window's figures as return rows: under the quarter its 12 months end with, and,
    for a window that is a financial year, under the year too; each saying what it covers."""
    end = window.end.date()
    year = financial_year_of(end)
    periods = [quarter_of(end).code]
    if (window.start.date(), end) == (year.start, year.end):
        periods.append(year.code)
    said = f"{end:%-d %B %Y}"
    rows = []
    for figure in figures:
        if figure.per and not figure.denominator:
            continue  # nothing to count (no plan began, no assessment was completed)
        covers = f"at {said}" if _snapshot(figure.code) else f"the 12 months to {said}"
        rows += [
            {
                "authority": authority,
                "indicator": f"{figure.code}{OWN}",
                "period": period,
                "value": "" if figure.value is None else repr(figure.value),
                "numerator": "" if figure.numerator is None else repr(figure.numerator),
                "denominator": repr(figure.denominator) if figure.per else "",
                "note": f"The council's own calculation from its return: {covers}.",
            }
            for period in periods
        ]
    return rows


def quarter_ends(covered_from: date, covered_to: date) -> list[date]:
    """The quarter ends whose 12 months the returns cover whole, oldest first."""
    first = quarter_of(covered_from).sequence + 3  # the first quarter with 12 months behind it
    quarters = (from_sequence(PeriodKind.QUARTER, s) for s in range(first, first + 400))
    ends = []
    for quarter in quarters:
        if quarter.end > covered_to:
            return ends
        if measures.Window.twelve_months_to(quarter.end).start.date() >= covered_from:
            ends.append(quarter.end)
    return ends


def reduce_cin(
    files: dict[str, bytes], authority: str, populations=lambda _authority: {}
) -> tuple[bytes, list[str]]:
    """CIN census XML files (this year's, and last year's for re-referrals; an in-year
    extract with last year's census gives the 12 months to each quarter end since) to the
    figures for every 12 months to a quarter end they cover."""
    numbers = ChildNumbers()
    returns = [read_cin(data, name, numbers) for name, data in files.items()]
    for name, found in zip(files, returns, strict=True):
        check_cin(found, name)
    covered_from = min(r.covered_from for r in returns)
    covered_to = max(r.covered_to for r in returns)
    referrals = pd.concat([r.referrals for r in returns], ignore_index=True)
    assessments = pd.concat([r.assessments for r in returns], ignore_index=True)
    plans = pd.concat([r.plans for r in returns], ignore_index=True)
    plans = plans.drop_duplicates(["child", "start"], keep="last")
    ends = quarter_ends(covered_from, covered_to)
    if not ends:
        raise FileProblem(
            [
                Problem(
                    f"The census covers {covered_from:%-d %B %Y} to {covered_to:%-d %B %Y}: "
                    "no 12 months to a quarter's end. Give last year's census with it."
                )
            ]
        )
    since = pd.Timestamp(covered_from)
    authority = authority or _la(returns)
    children = populations(authority)

    def figures_for(window: measures.Window) -> list[measures.Figure]:
        figures = [
            measures.referrals(referrals, window),
            measures.re_referrals(referrals, window, since),
            measures.repeat_plans(plans, window),
            measures.long_plans(plans, window),
            measures.timely_assessments(assessments, window),
        ]
        end = window.end
        year = financial_year_of(end.date())
        if end.date() == year.end:  # a rate is of the year's population estimate
            count = measures.children_in_need(referrals, window)
            figures.append(measures.rate("CIN-RATE", count, children.get(year.fiscal_year)))
        return figures

    return _by_window(authority, ends, figures_for)


def _by_window(authority: str, ends: list[date], figures_for) -> tuple[bytes, list[str]]:
    """Each quarter end's 12 months' figures as return rows, and what could not be computed,
    said once a figure with the windows it lacks."""
    rows, missing = [], {}
    for end in ends:
        window = measures.Window.twelve_months_to(end)
        figures = figures_for(window)
        rows += _rows(authority, window, [f for f in figures if not f.why_not])
        for figure in figures:
            if figure.why_not:
                missing.setdefault((figure.code, figure.why_not), []).append(f"{end:%-d %B %Y}")
    notes = [
        f"{code} not computed for the periods ending {', '.join(said)}: it {why}."
        for (code, why), said in missing.items()
    ]
    return _written(rows), notes


def reduce_903(
    files: dict[str, bytes],
    authority: str,
    covered_to: date | None,
    populations=lambda _authority: {},
) -> tuple[bytes, list[str]]:
    """The SSDA903's tables to the figures for every 12 months to a quarter's end they cover:
    the financial year of an annual return; with last year's return, an in-year return
    (`covered_to` a quarter's end) gives the 12 months to each quarter's end since. Earlier
    years' returns (a .zip or folder each, or an XML each) also give long-term stability,
    which looks back two and a half years."""
    numbers = ChildNumbers()
    returns = []
    for part in _returns_of(files):
        found = read_903(part, numbers)
        check_903(found)
        returns.append((_latest_903_year(found), found))
    returns.sort(key=lambda pair: pair[0])
    covered_to = covered_to or returns[-1][0]
    earliest = returns[0][0] if len(returns) > 1 else covered_to
    covered_from = financial_year_of(earliest).start
    found = [f for _, f in returns]
    if not authority:
        raise FileProblem(
            [Problem("An SSDA903 return does not say whose it is: choose the authority")]
        )
    ends = quarter_ends(covered_from, covered_to)
    # Read once for every window: the returns' episodes and children, and the populations.
    episodes = _combined(found, "episodes", ["CHILD", "DECOM"])
    header = _combined(found, "header", ["CHILD"])
    children = populations(authority)
    since = pd.Timestamp(covered_from)

    def figures_for(window: measures.Window) -> list[measures.Figure]:
        end = window.end.date()
        year = financial_year_of(end)
        figures = []
        if episodes is not None:
            looked_after = measures.looked_after(episodes, window)
            figures += [looked_after, measures.three_placements(episodes, window)]
            if end == year.end:  # a rate is of the year's population estimate
                count = looked_after.numerator
                figures.append(measures.rate("CLA-RATE", count, children.get(year.fiscal_year)))
            figures.append(measures.long_term_stability(episodes, header, window, since))
        if end == covered_to == year.end and "oc3" in found[-1].tables:
            figures += measures.care_leavers(found[-1].tables["oc3"])  # a whole year's only
        return figures

    return _by_window(authority, ends, figures_for)


def _returns_of(files: dict[str, bytes]) -> list[dict[str, bytes]]:
    """The returns among the files: each nested .zip, each XML, each folder's tables, and
    the loose tables together."""
    groups: dict[str, dict[str, bytes]] = {}
    for name, data in files.items():
        if name.lower().endswith(".zip"):
            groups[name] = {f"{name}/{k}": v for k, v in unbundled(data, name).items()}
        elif name.lower().endswith(".xml"):
            groups[name] = {name: data}
        else:
            folder = name.rsplit("/", 1)[0] if "/" in name else ""
            groups.setdefault(folder, {})[name] = data
    return list(groups.values())


def _combined(found: list, table: str, keys: list[str]) -> pd.DataFrame:
    """A table across the returns, oldest first, a record given twice kept as the latest
    return gives it (an episode open at one year's end is closed in the next's)."""
    frames = [f.tables[table] for f in found if table in f.tables]
    if not frames:
        return None
    return pd.concat(frames, ignore_index=True).drop_duplicates(keys, keep="last")


def _latest_903_year(found) -> date:
    """The year an SSDA903 covers, where it is not given: the financial year of its latest
    episode date (a 903 holds the year's episodes, to 31 March at the latest)."""
    episodes = found.tables.get("episodes")
    if episodes is None or episodes["DECOM"].isna().all():
        raise FileProblem([Problem("Give the year the return covers (the --year option)")])
    latest = pd.concat([episodes["DECOM"], episodes["DEC"]]).max().date()
    return financial_year_of(latest).end


def _written(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    columns = ["authority", "indicator", "period", "value", "numerator", "denominator", "note"]
    pd.DataFrame(rows, columns=columns).to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def _la(returns) -> str:
    numbers = {r.la_number for r in returns if r.la_number}
    if len(numbers) != 1:
        raise FileProblem(
            [Problem("The census files do not name one authority: choose the authority")]
        )
    return numbers.pop()


MAX_FILES = 40  # three years' SSDA903 tables, with room to spare
MAX_INFLATED = 512 << 20  # a large council's three returns are a few tens of megabytes


def unbundled(data: bytes, filename: str) -> dict[str, bytes]:
    """The files of one import: a .zip's members, or the one file."""
    import zipfile

    if not filename.lower().endswith(".zip"):
        return {filename: data}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) > MAX_FILES:
                raise FileProblem(
                    [Problem(f"{filename}: holds {len(members)} files; give at most {MAX_FILES}")]
                )
            inflated = sum(m.file_size for m in members)
            if inflated > MAX_INFLATED:
                raise FileProblem(
                    [
                        Problem(
                            f"{filename}: unpacks to {inflated >> 20:,} MB; "
                            f"the most is {MAX_INFLATED >> 20} MB"
                        )
                    ]
                )
            return {m.filename: archive.read(m) for m in members}
    except zipfile.BadZipFile:
        raise FileProblem([Problem(f"{filename}: is not a .zip file that can be opened")]) from None


def year_option(options: dict) -> date | None:
    """What an SSDA903 covers to, if given: a financial year ("2016-17", to its 31 March), or
    for a return taken in-year, the quarter it runs to ("2017-18 Q3", to 31 December 2017)."""
    text = (options.get("year") or "").strip()
    if not text:
        return None
    from indicators.rules import PeriodKind, parse_period

    try:
        parsed = parse_period(text)
    except ValueError as error:
        raise FileProblem([Problem(f"The year: {error}")]) from None
    if parsed.kind == PeriodKind.MONTH:
        raise FileProblem(
            [Problem(f'The year: "{text}" is a month; give a year (2016-17) or a quarter')]
        )
    return parsed.end


def with_companions(frame: pd.DataFrame) -> pd.DataFrame:
    """DfE's definitions, as a performance admin imports them, with what child-level returns
    are filed under: the council's-own companion of each national measure they compute, and
    the national measures Outturn lacked (CIN-ASSESS45, CLA-COUNT). Created with DfE's own,
    through the same preview and write, so that checking a return never writes."""
    present = [code for code in COMPUTED if code in set(frame["code"])]
    if not present:
        return frame  # not DfE's definitions: nothing a return is filed under
    national = frame.drop_duplicates("code").set_index("code")
    built = definitions([*present, *NEW_NATIONAL], national)
    return pd.concat([frame, built[~built["code"].isin(frame["code"])]], ignore_index=True)


def require_definitions(codes: list[str]) -> None:
    """A return's figures are filed under companions DfE's definitions bring: refused, in
    words, where they have not been imported."""
    from indicators.models import Indicator

    known = set(Indicator.objects.filter(code__in=codes).values_list("code", flat=True))
    if set(codes) - known:
        raise FileProblem(
            [
                Problem(
                    "Outturn does not hold DfE's indicator definitions yet, which bring the "
                    "measures a child-level return's figures are filed under: a performance "
                    "admin imports them first (manage.py import_indicators, or the upload page)"
                )
            ]
        )


def with_local_measures(table: pd.DataFrame) -> pd.DataFrame:
    """The figures again under every local measure that names the national code as its
    national equivalent with the same definition (Doncaster's A1 is DfE's CIN-REREF): a
    local measure takes the council's own calculation too, through the same preview."""
    from indicators.models import Indicator

    national = {code.removesuffix(OWN) for code in table["indicator"] if code.endswith(OWN)}
    local = pd.DataFrame.from_records(
        Indicator.objects.filter(benchmark__code__in=national, benchmark_match="same")
        .exclude(code__endswith=OWN)
        .values_list("code", "benchmark__code"),
        columns=["local", "national"],
    )
    if local.empty:
        return table
    rows = table.assign(national=table["indicator"].str.removesuffix(OWN))
    copies = rows.merge(local, on="national").assign(indicator=lambda f: f["local"])
    return pd.concat([table, copies[table.columns]], ignore_index=True)


def populations_of(authority: str) -> dict[int, int]:
    """An authority's children aged 0-17 by financial year (GSS code, DfE number or name)."""
    from authorities.models import Population

    found = Population.objects.filter(
        models.Q(authority__code=authority)
        | models.Q(authority__dfe_code=authority)
        | models.Q(authority__name__iexact=authority)
    )
    return dict(found.values_list("fiscal_year", "children"))
