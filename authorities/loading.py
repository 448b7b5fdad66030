"""Set-based loading of authorities and statistical neighbours from CSV."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from django.db import transaction
from django.utils.text import slugify

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


@transaction.atomic
def load_authorities(path: Path) -> int:
    frame = _read(path, AUTHORITY_COLUMNS)
    kinds = set(Authority.Kind.values)
    bad = frame[~frame["kind"].isin(kinds)]
    if not bad.empty:
        row = bad.index[0] + 2
        allowed = ", ".join(sorted(kinds))
        raise LoadError(
            f'{path.name}, row {row}, column kind: "{bad.iloc[0]["kind"]}" is not one of {allowed}'
        )
    slugs = frame["name"].map(slugify)
    clashes = slugs.duplicated(keep=False)
    slugs[clashes] = slugs[clashes] + "-" + frame.loc[clashes, "code"].map(slugify)
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
