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


@transaction.atomic
def load_authorities(path: Path) -> int:
    versions.take()  # what figures are compared with is changing
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
    slugs = frame["name"].map(slugify)
    clashes = slugs.duplicated(keep=False)
    slugs[clashes] = slugs[clashes] + "-" + frame.loc[clashes, "code"].map(slugify)
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
    versions.take()  # what figures are compared with is changing
    frame = _read(path, NEIGHBOUR_COLUMNS)
    ids = dict(Authority.objects.values_list("code", "id"))
    unknown = (set(frame["authority"]) | set(frame["neighbour"])) - set(ids)
    if unknown:
        raise LoadError(
            f"{path.name}: authority code(s) not loaded yet: {', '.join(sorted(unknown)[:5])}"
        )
    authority_ids = {ids[code] for code in frame["authority"]}
    StatisticalNeighbour.objects.filter(authority_id__in=authority_ids).delete()
    StatisticalNeighbour.objects.bulk_create(
        [
            StatisticalNeighbour(
                authority_id=ids[row.authority], neighbour_id=ids[row.neighbour], rank=int(row.rank)
            )
            for row in frame.itertuples(index=False)
        ],
        batch_size=1000,
    )
    return len(frame)


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

    versions.take()  # what figures are compared with is changing

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
    Inspection.objects.bulk_create(
        [
            Inspection(
                authority_id=ids[row.code],
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
