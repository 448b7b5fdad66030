"""'DfE says': every national indicator and period, recomputed from DfE's published files with
independent pandas code (none of Outturn's functions), must equal what the compare page says:
each authority's rank and quartile band, Doncaster's statistical-neighbour mean and count,
and the England and region figures. The convention is docs/quartiles.md's."""

from __future__ import annotations

import pandas as pd
import pytest

from authorities.models import Authority
from indicators.models import Indicator, Period
from reports.ranking import rank

pytestmark = pytest.mark.django_db
CHOSEN = "E08000017"  # Doncaster
# Whose neighbours and region are checked for every indicator and period: Doncaster, Barnsley
# (its code changed), Dorset (a county succeeded), Hampshire, Isles of Scilly (tiny, often
# suppressed) and Westminster (London).
SAMPLE = ["E08000017", "E08000038", "E06000059", "E10000014", "E06000053", "E09000033"]
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


def published_values(folder) -> pd.DataFrame:
    """values.csv with each figure under the authority's current code (`current`), a figure
    given under a former and a current code counted once, and DfE's symbols left out."""
    values = pd.read_csv(folder / "values.csv", dtype=str, keep_default_na=False)
    # A figure given under both codes is one: the current code's.
    continues = continuing(folder)
    values["current"] = values["authority"].map(lambda code: continues.get(code, code))
    values["former"] = values["authority"] != values["current"]
    values = values.sort_values("former").drop_duplicates(
        ["current", "indicator", "period"], keep="first"
    )
    values = values[~values["value"].str.strip("[]").str.lower().isin(SYMBOLS)].copy()
    values["number"] = values["value"].astype(float)
    return values


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


def test_every_sampled_authoritys_neighbours_and_region_equal_dfes(loaded):
    indicators = {i.code: i for i in Indicator.objects.all()}
    periods = {p.code: p for p in Period.objects.all()}
    for code in SAMPLE:
        chosen = Authority.objects.select_related("region").get(code=code)
        for (indicator, period), expected in independent(loaded, code).items():
            ranking = rank(indicators[indicator], periods[period], chosen)
            where = (code, indicator, period)
            assert sorted(ranking.neighbour_values) == pytest.approx(expected["neighbours"]), where
            assert ranking.chosen_region == expected["region"], where


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
            key = (indicator.code, result.period.code)
            where = (authority.code, *key)
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
    """Issue 29, finding 3, the worked example in docs/quartiles.md: banding by rank put 44
    of 149 councils in band A (tied councils took the better band); DfE's cut at the 75th
    percentile puts 28 there."""
    indicator = Indicator.objects.get(code="CL-SUITACC")
    ranking = rank(indicator, Period.objects.get(code="2022-23"), None)
    bands = [row["band"] for row in ranking.rows]
    assert len(bands) == 149
    assert bands.count("A") == 28
    cut = ranking.cuts[2]
    assert all(row["value"] > cut for row in ranking.rows if row["band"] == "A")
    assert all(row["value"] <= cut for row in ranking.rows if row["band"] != "A")


def test_the_compare_page_shows_the_cut_points_beside_the_bands(loaded, client):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_user("reader"))
    page = client.get("/compare/CL-SUITACC/2022-23/").content.decode()
    assert "A above 93%; B above 90%; C above 86%; D 86% or below" in page
