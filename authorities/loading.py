"""Set-based loading of authorities and statistical neighbours from CSV."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from django.db import transaction
from django.db.models import Value as V
from django.db.models.functions import Concat
from django.utils.text import slugify

from core import versions

from .models import Authority, StatisticalNeighbour

AUTHORITY_COLUMNS = {"code", "dfe_code", "name", "kind", "region_code"}
NEIGHBOUR_COLUMNS = {"authority", "rank", "neighbour"}


class LoadError(ValueError):
    pass


def _read(path: Path, required: set[str]) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [c.strip().lower() for c in frame.columns]
    missing = required - set(frame.columns)
    if missing:
        raise LoadError(f"{path.name}: missing column(s) {', '.join(sorted(missing))}")
    return frame


def _name_changes_of_code(frame: pd.DataFrame) -> pd.DataFrame:
    """An authority that only changed code keeps its name under the new code ("Barnsley",
    never "Barnsley (new code)"); the old code is named as a former code. (Only names DfE's
    data marks "(new code)" change: a merger's successor has a name of its own.)"""
    if "replaced_by" not in frame:
        return frame
    frame = frame.copy()
    index = {code: i for i, code in zip(frame.index, frame["code"], strict=True)}
    for i, row in frame.iterrows():
        successors = row["replaced_by"].split()
        if len(successors) != 1 or successors[0] not in index:
            continue
        successor = successors[0]
        plain = frame.at[index[successor], "name"].removesuffix(" (new code)")
        if frame.at[index[successor], "name"].endswith(" (new code)"):
            frame.at[index[successor], "name"] = plain
            frame.at[i, "name"] = f"{plain} (former code {row['code']})"
    return frame


def _slugs(frame: pd.DataFrame) -> pd.Series:
    """Each authority's address: its name, slugified; its code added where two names make
    one slug; its code alone where its name has nothing an address can carry ("???"), since
    an empty slug has no address and every page linking to the authority would fail."""
    codes = frame["code"].map(slugify)
    slugs = frame["name"].map(slugify)
    slugs = slugs.where(slugs != "", "authority-" + codes)
    clashes = slugs.duplicated(keep=False)
    slugs[clashes] = slugs[clashes] + "-" + codes[clashes]
    return slugs


@transaction.atomic
def load_authorities(path: Path) -> int:
    versions.take(everything=True)  # what figures are compared with is changing
    frame = _read(path, AUTHORITY_COLUMNS)
    kinds = set(Authority.Kind.values)
    bad = frame[~frame["kind"].isin(kinds)]
    if not bad.empty:
        row = bad.index[0] + 2
        allowed = ", ".join(sorted(kinds))
        raise LoadError(
            f'{path.name}, row {row}, column kind: "{bad.iloc[0]["kind"]}" is not one of {allowed}'
        )
    frame = _name_changes_of_code(frame)
    slugs = _slugs(frame)
    # Slugs may move between rows (a new code takes the authority's plain name): clear the
    # way first, so the upsert never meets a slug still held by another row.
    Authority.objects.filter(code__in=list(frame["code"])).update(slug=Concat(V("~"), "code"))
    Authority.objects.bulk_create(
        [
            Authority(
                code=row.code,
                dfe_code=row.dfe_code,
                name=row.name,
                slug=slug,
                kind=row.kind,
                replaced_by=getattr(row, "replaced_by", ""),
            )
            for row, slug in zip(frame.itertuples(index=False), slugs, strict=True)
        ],
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["dfe_code", "name", "slug", "kind", "replaced_by"],
    )
    # Regions are authorities too, so parents are linked once every row exists.
    ids = dict(Authority.objects.values_list("code", "id"))
    unknown = set(frame["region_code"]) - set(ids) - {""}
    if unknown:
        raise LoadError(f"{path.name}: unknown region code(s) {', '.join(sorted(unknown))}")
    Authority.objects.bulk_update(
        [
            Authority(id=ids[row.code], region_id=ids.get(row.region_code))
            for row in frame.itertuples(index=False)
        ],
        ["region"],
        batch_size=500,
    )
    return len(frame)


@transaction.atomic
def load_neighbours(path: Path) -> int:
    versions.take(everything=True)  # what figures are compared with is changing
    frame = _read(path, NEIGHBOUR_COLUMNS)
    ids = dict(Authority.objects.values_list("code", "id"))
    unknown = (set(frame["authority"]) | set(frame["neighbour"])) - set(ids)
    if unknown:
        raise LoadError(
            f"{path.name}: authority code(s) not loaded yet: {', '.join(sorted(unknown)[:5])}"
        )
    links = _current_links(frame, ids)
    StatisticalNeighbour.objects.filter(authority_id__in=set(links["authority_id"])).delete()
    StatisticalNeighbour.objects.bulk_create(
        [
            StatisticalNeighbour(authority_id=a, neighbour_id=n, rank=r)
            for a, n, r in links[["authority_id", "neighbour_id", "rank"]].itertuples(index=False)
        ],
        batch_size=1000,
    )
    return len(links)


def _current_links(frame: pd.DataFrame, ids: dict[str, int]) -> pd.DataFrame:
    """The links as between the councils as they are now: a council whose code changed
    (DfE's table still names Buckinghamshire, North Yorkshire and Somerset by their county
    codes) is one council, on both sides of a link, as its figures are filed under its
    current code (Authority.successor_ids). Where a council has links under both codes,
    its current code's stand; a neighbour named twice through its two codes counts once,
    at its closer rank."""
    successors = Authority.successor_ids()
    links = pd.DataFrame(
        {
            "given": frame["authority"].map(ids),
            "neighbour": frame["neighbour"].map(ids),
            "rank": frame["rank"].astype(int),
        }
    )
    links["authority_id"] = links["given"].map(lambda pk: successors.get(pk, pk))
    links["neighbour_id"] = links["neighbour"].map(lambda pk: successors.get(pk, pk))
    under_current = set(links.loc[links["given"] == links["authority_id"], "authority_id"])
    former = links["given"] != links["authority_id"]
    links = links[~(former & links["authority_id"].isin(under_current))]
    links = links[links["authority_id"] != links["neighbour_id"]]
    links = links.sort_values(["authority_id", "rank"])
    return links.drop_duplicates(["authority_id", "neighbour_id"], keep="first")


# Both of Ofsted's published shapes: the ILACS history and the in-year inspections and visits.
OFSTED_COLUMNS = {
    "local authority area code": "code",
    "inspection date": "inspected_on",
    "inspection/visit date": "inspected_on",
    "publication date": "published_on",
    "inspection type": "kind",
    "inspection/visit type": "kind",
    "overall effectiveness": "overall",
    "the impact of leaders on social work practice with children and families": "leaders",
    "the experiences and progress of children who need help and protection": (
        "help_and_protection"
    ),
    "the experiences and progress of children in care": "in_care",
    "the experiences and progress of care leavers": "care_leavers",
    "visit theme": "theme",
}


@transaction.atomic
def load_ofsted(path: Path) -> int:
    from .models import Inspection

    versions.take(everything=True)  # what figures are compared with is changing

    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [c.strip().lower() for c in frame.columns]
    frame = frame.rename(columns=OFSTED_COLUMNS)
    missing = {"code", "inspected_on", "kind"} - set(frame.columns)
    if missing:
        raise LoadError(f"{path.name}: not an Ofsted inspections file (no {', '.join(missing)})")
    ids = dict(Authority.objects.values_list("code", "id"))
    unknown = set(frame["code"]) - set(ids)
    if unknown:
        raise LoadError(f"{path.name}: authority code(s) not loaded: {', '.join(sorted(unknown))}")
    fields = ["overall", "leaders", "help_and_protection", "in_care", "care_leavers", "theme"]
    for name in fields:
        if name not in frame:
            frame[name] = ""
    # A council whose code changed is one council: its judgements under a former code are
    # its own (Barnsley's and Sheffield's 2023 inspections are filed under their old codes),
    # and one inspection listed under both codes is one.
    successors = Authority.successor_ids()
    frame["authority_id"] = frame["code"].map(ids)
    frame["former"] = frame["authority_id"].isin(list(successors))
    frame["authority_id"] = frame["authority_id"].map(lambda pk: successors.get(pk, pk))
    frame = frame.sort_values("former", kind="stable").drop_duplicates(
        ["authority_id", "inspected_on", "kind"]
    )
    Inspection.objects.bulk_create(
        [
            Inspection(
                authority_id=row.authority_id,
                inspected_on=row.inspected_on,
                published_on=row.published_on or None,
                kind=row.kind,
                **{name: getattr(row, name) for name in fields},
            )
            for row in frame.itertuples(index=False)
        ],
        update_conflicts=True,
        unique_fields=["authority", "inspected_on", "kind"],
        update_fields=["published_on", *fields],
    )
    return len(frame)
