"""'DfE says': every national indicator and period, recomputed from DfE's published files
(values.csv and the tidy files in ees/, read here with their own column names) with
independent pandas code (none of Outturn's functions), must equal what the pages say: for
every authority, its figure or DfE's reason for none, England, its region, its statistical
neighbours' figures with their mean, median and count, its rank of N and quartile band; each
ranking's cut points and suppression reasons. Code changes are followed here too, from
authorities.csv. The convention is docs/quartiles.md's."""

from __future__ import annotations

import functools

import pandas as pd
import pytest

from authorities.models import Authority
from indicators.models import Indicator, Period
from indicators.rules import exact_median
from reports.ranking import rank

pytestmark = pytest.mark.django_db
CHOSEN = "E08000017"  # Doncaster
RANKED = {"local_authority", "joint"}
SYMBOLS = {"c", "k", "low", "u", "x", "z", ""}


def continuing(folder) -> dict[str, str]:
    """An authority that continues under one new code (and is its only predecessor) is the
    same authority: former code to current code."""
    authorities = pd.read_csv(folder / "authorities.csv", dtype=str, keep_default_na=False)
    successors = authorities[authorities["replaced_by"].str.split().str.len() == 1]
    only = successors["replaced_by"].map(successors["replaced_by"].value_counts()) == 1
    return dict(zip(successors[only]["code"], successors[only]["replaced_by"], strict=True))


def neighbours_now(folder) -> dict[str, set[str]]:
    """DfE's neighbour links between councils as they are now, read on their own: a link
    under a former code is the council's current code's, on either side; where a council
    has links under its current code too, those stand."""
    continues = continuing(folder)
    links = pd.read_csv(folder / "statistical_neighbours.csv", dtype=str)
    links["now"] = links["authority"].map(lambda code: continues.get(code, code))
    links["neighbour_now"] = links["neighbour"].map(lambda code: continues.get(code, code))
    near: dict[str, set[str]] = {}
    for now, group in links.groupby("now"):
        own = group[group["authority"] == now]
        near[now] = set((own if len(own) else group)["neighbour_now"]) - {now}
    return near


# DfE's tidy files (ees/), read here with their own column names, independently of the
# product's ees_mappings.toml: file, measure, value column, the rows kept, and whether the
# file's year is a year to 31 March ("2025" is 2024-25) or the 30 September census (2025-09).
TIDY = [
    ("c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv", "CIN-REFS",
     "referral_count", {}, "march"),
    ("c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv", "CIN-REREF",
     "rereferral_percent", {}, "march"),
    ("d3_cpps_subsequent_plan_2013_to_2025.csv", "CPP-REPEAT", "CPP_subsequent_percent", {},
     "march"),
    ("d5_cpps_at31march_by_duration_2013_to_2025.csv", "CPP-2YRS", "2_years_or_more_percent",
     {}, "march"),
    ("csww_indicators_2017_to_2025.csv", "SW-AGENCY", "agency_rate_fte", {}, "september"),
    ("csww_indicators_2017_to_2025.csv", "SW-TURNOVER", "turnover_rate_fte", {}, "september"),
    ("csww_indicators_2017_to_2025.csv", "SW-VACANCY", "vacancy_rate_fte", {}, "september"),
    ("csww_indicators_2017_to_2025.csv", "SW-CASELOAD", "caseload_fte", {}, "september"),
    ("la_cla_placement_stability.csv", "CLA-LTSTAB", "children_percent",
     {"cla_group": "Children looked after continuously for at least 2.5 years on 31 March "
      "aged under 16 years", "placement_stability": "Living with the same carer for at least "
      "2 years"}, "march"),
    ("la_cla_placement_stability.csv", "CLA-3PLUS", "children_percent",
     {"cla_group": "CLA on 31 March", "placement_stability": "With 3 or more placements "
      "during the year"}, "march"),
    ("la_care_leavers_accommodation_suitability.csv", "CL-SUITACC", "care_leaver_percent",
     {"care_leaver_age": "19 to 21 years", "breakdown": "Accommodation considered suitable"},
     "march"),
]  # fmt: skip
WHERE = {"National": "country_code", "Regional": "region_code", "Local authority": "new_la_code"}


def tidy_values(folder) -> pd.DataFrame:
    """Every figure of DfE's tidy files as authority, indicator, period, value."""
    parts = []
    for name, code, column, keep, year in TIDY:
        table = pd.read_csv(
            folder / "ees" / name, dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
        for key, wanted in keep.items():
            table = table[table[key] == wanted]
        table = table[table["geographic_level"].isin(WHERE)]
        # Each row's code from its level's column (row by row, this was most of the audit's
        # own reading).
        authority = pd.Series("", index=table.index, dtype=object)
        for level, code_column in WHERE.items():
            here = table["geographic_level"] == level
            authority[here] = table.loc[here, code_column]
        ends = table["time_period"].astype(int)
        period = (
            (ends - 1).astype(str) + "-" + (ends % 100).map("{:02d}".format)
            if year == "march"
            else ends.astype(str) + "-09"
        )
        parts.append(
            pd.DataFrame(
                {"authority": authority.to_numpy(), "indicator": code, "period": period.to_numpy(),
                 "value": table[column].to_numpy()}
            )
        )  # fmt: skip
    return pd.concat(parts, ignore_index=True)


def every_figure(folder) -> pd.DataFrame:
    """Every figure DfE publishes (`_every_figure`), a copy the caller may change."""
    return _every_figure(folder).copy()


@functools.cache  # read once a worker; each caller gets its own copy
def _every_figure(folder) -> pd.DataFrame:
    """values.csv and the tidy files together, each figure under the authority's current code
    (`current`), one per authority, indicator and period: values.csv's where both give one
    (they agree: tests/imports/test_import_ees.py), and a current code's before a former's.
    `symbol` is DfE's reason where no figure is given."""
    values = pd.read_csv(folder / "values.csv", dtype=str, keep_default_na=False)
    values["source"] = 0
    tidy = tidy_values(folder)
    tidy["source"] = 1
    both = pd.concat([values, tidy], ignore_index=True)
    continues = continuing(folder)
    both["current"] = both["authority"].map(lambda code: continues.get(code, code))
    both["former"] = both["authority"] != both["current"]
    both = both.sort_values(["source", "former"], kind="stable").drop_duplicates(
        ["current", "indicator", "period"], keep="first"
    )
    both["symbol"] = both["value"].str.strip("[]").str.lower()
    both["number"] = pd.to_numeric(both["value"], errors="coerce")
    return both


def published_values(folder) -> pd.DataFrame:
    """Every figure (every_figure), DfE's symbols left out."""
    both = every_figure(folder)
    return both[both["number"].notna()].copy()


def r_quantiles(figures: list[float]) -> list[float]:
    """R's quantile(x)[2:4] (type 7), as LAIT's R code calls it: written here from R's own
    definition, not the product's."""
    x = sorted(figures)
    out = []
    for p in (0.25, 0.5, 0.75):
        h = (len(x) - 1) * p
        lo = int(h // 1)
        hi = min(lo + 1, len(x) - 1)
        out.append(
            x[lo] if h == lo or x[hi] == x[lo] else (1 - (h - lo)) * x[lo] + (h - lo) * x[hi]
        )
    return out


def lait_band(figure: float, cuts: list[float], polarity: str) -> str:
    """LAIT's case_when: lower is better, A up to and including the 25% cut; higher is
    better, A above the 75% cut."""
    if polarity == "lower_is_better":
        return (
            next(b for b, cut in zip("ABC", cuts, strict=True) if figure <= cut)
            if figure <= cuts[2]
            else "D"
        )
    return (
        next(b for b, cut in zip("ABC", reversed(cuts), strict=True) if figure > cut)
        if figure > cuts[0]
        else "D"
    )


def independent(folder, chosen: str = CHOSEN) -> dict:
    """DfE's figures as DfE ranks them, by (indicator, period)."""
    authorities = pd.read_csv(folder / "authorities.csv", dtype=str, keep_default_na=False)
    values = published_values(folder)
    indicators = pd.read_csv(folder / "indicators.csv", dtype=str, keep_default_na=False)

    kind = dict(zip(authorities["code"], authorities["kind"], strict=True))
    region = dict(zip(authorities["code"], authorities["region_code"], strict=True))
    polarity = dict(zip(indicators["code"], indicators["polarity"], strict=True))
    near = neighbours_now(folder).get(chosen, set())

    said = {}
    for (code, period), group in values.groupby(["indicator", "period"]):
        ranked = group[group["current"].map(kind).isin(RANKED)]
        sign = -1 if polarity[code] == "lower_is_better" else 1
        scores = (sign * ranked["number"]).to_numpy()
        rows = {}
        if len(ranked) >= 20 and polarity[code] != "none":
            cuts = r_quantiles(ranked["number"].tolist())
            for authority, score, figure in zip(
                ranked["current"], scores, ranked["number"], strict=True
            ):
                better = int((scores > score).sum())  # ties at the minimum, as LAIT ranks
                rows[authority] = (better + 1, lait_band(figure, cuts, polarity[code]))
        by_code = dict(zip(group["current"], group["number"], strict=True))
        neighbour_figures = [
            by_code[n] for n in near if n in by_code and n in set(ranked["current"])
        ]
        said[(code, period)] = {
            "ranks": rows,
            "count": len(ranked),
            "neighbours": sorted(neighbour_figures),
            "england": by_code.get("E92000001"),
            "region": by_code.get(region[chosen]),
        }
    return said


@pytest.fixture
def loaded(published):
    return published[0]


@pytest.mark.audit
def test_every_rank_band_neighbour_mean_and_comparator_equals_dfes(loaded):
    said = independent(loaded)
    chosen = Authority.objects.select_related("region").get(code=CHOSEN)
    indicators = {i.code: i for i in Indicator.objects.all()}
    periods = {p.code: p for p in Period.objects.all()}
    checked = 0
    for (code, period), expected in said.items():
        ranking = rank(indicators[code], periods[period], chosen)
        got = {
            row["authority"].code: (row["rank"], row["band"])
            for row in ranking.rows
            if row["rank"] is not None
        }
        assert got == expected["ranks"], (code, period)
        assert len(ranking.rows) == expected["count"], (code, period)
        assert sorted(ranking.neighbour_values) == pytest.approx(expected["neighbours"]), (
            code,
            period,
        )
        assert ranking.england == expected["england"], (code, period)
        assert ranking.chosen_region == expected["region"], (code, period)
        checked += 1
    assert checked > 100


@pytest.mark.audit
def test_every_authoritys_quarter_page_comparisons_equal_dfes(loaded):
    """What each authority's quarter page shows beside every national measure — England, its
    region, its statistical neighbours (figures and count) and its quartile band — equals
    DfE's, for all 153 authorities, at the period the page compares."""
    from datetime import date

    from reports.benchmarks import compare

    said = independent(loaded)  # ranks and bands, England, by (indicator, period)
    authorities = pd.read_csv(loaded / "authorities.csv", dtype=str, keep_default_na=False)
    region = dict(zip(authorities["code"], authorities["region_code"], strict=True))
    figures = {
        (row.current, row.indicator, row.period): row.number
        for row in published_values(loaded).itertuples()
    }
    near = neighbours_now(loaded)
    indicators = [i for i in Indicator.objects.all() if i.polarity != "none"]
    checked = 0
    for authority in Authority.objects.current_local().select_related("region"):
        results = compare(authority, indicators, date(2025, 12, 31))
        for indicator in indicators:
            result = results[indicator.id]
            if result.period is None:
                continue
            # A measure compared on its national equivalent (a council's own calculation,
            # CIN-REREF-OWN) shows the equivalent's figures: DfE's, under DfE's code.
            key = (result.indicator.code, result.period.code)
            where = (authority.code, indicator.code, *key)
            expected_near = sorted(
                figures[(n, *key)] for n in near.get(authority.code, ()) if (n, *key) in figures
            )
            assert sorted(result.neighbours) == pytest.approx(expected_near), where
            assert result.england == said[key]["england"], where
            assert result.region == figures.get((region[authority.code], *key)), where
            rank_band = said[key]["ranks"].get(authority.code)
            assert result.quartile == (rank_band[1] if rank_band else None), where
            checked += 1
    assert checked > 1500


def test_cl_suitacc_2022_23_bands_as_dfe_does(loaded):
    """Issue 29, finding 3, the worked example in docs/quartiles.md: banding by rank put 45
    of 150 councils in band A (tied councils took the better band); DfE's cut at the 75th
    percentile puts 29 there. The 150th is Cumbria, which only DfE's tidy file gives
    (issue 29, finding 7)."""
    indicator = Indicator.objects.get(code="CL-SUITACC")
    ranking = rank(indicator, Period.objects.get(code="2022-23"), None)
    bands = [row["band"] for row in ranking.rows]
    assert len(bands) == 150
    assert "Cumbria (abolished 2023)" in [row["name"] for row in ranking.rows]
    assert bands.count("A") == 29
    cut = ranking.cuts[2]
    assert all(row["value"] > cut for row in ranking.rows if row["band"] == "A")
    assert all(row["value"] <= cut for row in ranking.rows if row["band"] != "A")


def test_the_compare_page_shows_the_cut_points_beside_the_bands(loaded, client):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_user("reader"))
    page = client.get("/compare/CL-SUITACC/2022-23/").content.decode()
    assert "A above 93%; B above 90%; C above 86%; D 86% or below" in page


@functools.cache  # read-only, and the same for every part of the audit a worker runs
def every_authoritys_comparisons(folder) -> dict[tuple[str, str, str], dict]:
    """Issue 29, finding 8: for every authority DfE ranks, every measure and every period,
    what DfE's files say it should be shown beside — its own figure (or DfE's reason for
    none), England's, its region's, its statistical neighbours' (by their current codes)
    and its rank of N with band — computed here with pandas and R's quantile definition."""
    authorities = pd.read_csv(folder / "authorities.csv", dtype=str, keep_default_na=False)
    kind = dict(zip(authorities["code"], authorities["kind"], strict=True))
    region = dict(zip(authorities["code"], authorities["region_code"], strict=True))
    indicators = pd.read_csv(folder / "indicators.csv", dtype=str, keep_default_na=False)
    polarity = dict(zip(indicators["code"], indicators["polarity"], strict=True))
    near = neighbours_now(folder)
    every = every_figure(folder)
    # Every council by the code it has now (a former code of a council that continues is the
    # same council, whose rows are under its current code).
    former = continuing(folder)
    councils = [c for c in authorities["code"] if kind[c] in RANKED and c not in former]
    said = {}
    for (code, period), group in every.groupby(["indicator", "period"]):
        numbers = group[group["number"].notna()]
        by_code = dict(zip(numbers["current"], numbers["number"], strict=True))
        symbols = dict(zip(group["current"], group["symbol"], strict=True))
        ranked = numbers[numbers["current"].map(kind).isin(RANKED)]
        ranks = polarity[code] != "none" and len(ranked) >= 20
        cuts = r_quantiles(ranked["number"].tolist()) if ranks else None
        sign = -1 if polarity[code] == "lower_is_better" else 1
        scores = sign * ranked["number"].to_numpy()
        for authority in councils:
            own = by_code.get(authority)
            if own is None and "E92000001" not in by_code:
                continue  # neither a figure of its own nor England's: no row
            said[(authority, code, period)] = {
                "own": own,
                "reason": "" if own is not None else symbols.get(authority, ""),
                "england": by_code.get("E92000001"),
                "region": by_code.get(region[authority]),
                "neighbours": sorted(by_code[n] for n in near.get(authority, ()) if n in by_code),
                "rank": int((scores > sign * own).sum()) + 1 if ranks and own is not None else None,
                "out_of": len(ranked),
                "band": lait_band(own, cuts, polarity[code]) if ranks and own is not None else None,
                "cuts": cuts,
            }
    return said


def decimal_mean_and_median(figures: list[float]) -> tuple[float | None, float | None]:
    """As a person would on the published figures: their decimal forms, no float sum."""
    from decimal import Decimal
    from statistics import median

    if not figures:
        return None, None
    exact = [Decimal(str(figure)) for figure in figures]
    return float(sum(exact) / len(exact)), float(median(exact))


AUDIT_PARTS = 4  # the councils in four parts, so both of the suite's workers share them


@pytest.mark.audit
@pytest.mark.parametrize("part", range(AUDIT_PARTS))
def test_every_authority_measure_and_period_is_compared_as_dfe_does(loaded, part):
    """What a measure page's national table shows — for every ranked authority (153 now,
    and the councils since abolished for the years they reported), every national measure
    and every period — equals DfE's files computed independently: the authority's figure or
    DfE's reason for none, England, the region, the neighbours' figures with their mean,
    median and count, the rank of N and the band; and each ranking's cut points and
    suppression reasons. The councils in parts (by code), every part checked whole."""
    from indicators.templatetags.outturn import figure
    from reports.national import national_series

    everything = every_authoritys_comparisons(loaded)
    indicators = {i.code: i for i in Indicator.objects.all()}
    shown = {}
    former = continuing(loaded)
    councils = Authority.objects.filter(kind__in=RANKED).exclude(code__in=former)
    codes = sorted(councils.values_list("code", flat=True))
    mine = set(codes[part::AUDIT_PARTS])
    assert {code for code, *_ in everything} <= set(codes)  # no council's figures unchecked
    said = {key: e for key, e in everything.items() if key[0] in mine}
    for authority in councils.filter(code__in=mine).select_related("region"):
        for indicator in indicators.values():
            for row in national_series(authority, indicator):
                shown[(authority.code, indicator.code, row.period.code)] = row
    assert set(shown) == set(said)
    for key, expected in said.items():
        row, indicator = shown[key], indicators[key[1]]
        assert row.own == expected["own"], key
        assert row.own_reason == expected["reason"], key
        assert (row.england, row.region) == (expected["england"], expected["region"]), key
        assert sorted(row.neighbours) == expected["neighbours"], key
        mean, median = decimal_mean_and_median(expected["neighbours"])
        assert figure(row.neighbours_mean, indicator) == figure(mean, indicator), key
        assert figure(exact_median(row.neighbours), indicator) == figure(median, indicator), key
        assert (row.rank, row.out_of, row.band) == (
            expected["rank"],
            expected["out_of"],
            expected["band"],
        ), key
    assert len(everything) > 20_000
    assert said
    assert ("E10000006", "CIN-REREF", "2021-22") in everything  # Cumbria, from the tidy file


@pytest.mark.audit
def test_every_rankings_cut_points_and_suppression_reasons_are_dfes(loaded):
    """Each measure and period's ranking: N, the three cut points, and DfE's reason for each
    authority without a figure, as the compare page shows them."""
    every = every_figure(loaded)
    authorities = pd.read_csv(loaded / "authorities.csv", dtype=str, keep_default_na=False)
    kind = dict(zip(authorities["code"], authorities["kind"], strict=True))
    every = every[every["current"].map(kind).isin(RANKED)]
    said = every_authoritys_comparisons(loaded)
    cuts = {(code, period): e["cuts"] for (_, code, period), e in said.items()}
    indicators = {i.code: i for i in Indicator.objects.all()}
    periods = {p.code: p for p in Period.objects.all()}
    for (code, period), group in every.groupby(["indicator", "period"]):
        ranking = rank(indicators[code], periods[period], None)
        assert len(ranking.rows) == int(group["number"].notna().sum()), (code, period)
        expected_cuts = cuts.get((code, period))
        if expected_cuts is None:  # a context measure, or too few figures to band
            assert ranking.cuts is None, (code, period)
        else:
            assert list(ranking.cuts) == pytest.approx(expected_cuts, abs=1e-9), (code, period)
        reasons = {v.authority.code: v.no_value_reason for v in ranking.suppressed}
        without = group[group["number"].isna()]
        assert reasons == dict(zip(without["current"], without["symbol"], strict=True)), (
            code,
            period,
        )
