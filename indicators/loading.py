"""Set-based writers for indicator definitions, targets and values, given clean DataFrames.
Checking a file row by row for problems is the importer's job; these assume good input and
raise ValueError naming the row if they meet something they cannot store."""

from __future__ import annotations

import pandas as pd
from django.db import transaction

from authorities.models import Authority

from . import rules
from .models import Category, Indicator, Period, Target, Value


@transaction.atomic
def write_indicators(frame: pd.DataFrame) -> int:
    """Create or update indicators (and their categories) from code, name, category, unit,
    polarity, decimals, description and optional benchmark columns."""
    names = list(dict.fromkeys(frame["category"]))
    Category.objects.bulk_create(
        [Category(name=name, order=i) for i, name in enumerate(names)], ignore_conflicts=True
    )
    category_ids = dict(Category.objects.filter(name__in=names).values_list("name", "id"))
    Indicator.objects.bulk_create(
        [
            Indicator(
                code=row.code,
                name=row.name,
                category_id=category_ids[row.category],
                unit=row.unit,
                polarity=rules.Polarity(row.polarity),
                decimals=int(row.decimals or 0),
                description=row.description,
            )
            for row in frame.itertuples(index=False)
        ],
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "category", "unit", "polarity", "decimals", "description"],
    )
    if "benchmark" in frame:
        ids = dict(Indicator.objects.values_list("code", "id"))
        linked = [
            Indicator(id=ids[row.code], benchmark_id=ids.get(row.benchmark))
            for row in frame.itertuples(index=False)
        ]
        Indicator.objects.bulk_update(linked, ["benchmark"], batch_size=500)
    return len(frame)


def _ids(model, field: str, keys) -> dict[str, int]:
    return dict(model.objects.filter(**{f"{field}__in": set(keys)}).values_list(field, "id"))


@transaction.atomic
def write_targets(frame: pd.DataFrame) -> set[int]:
    """Targets from indicator code, year, target, tolerance and authority code columns."""
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=set(frame["indicator"]))}
    authority_ids = _ids(Authority, "code", frame["authority"])
    for number, row in enumerate(frame.itertuples(index=False), start=2):
        target = float(row.target)
        tolerance = float(row.tolerance) if str(row.tolerance).strip() else None
        try:
            rules.validate_target(target, tolerance, indicators[row.indicator].polarity_rule)
        except rules.TargetError as error:
            raise ValueError(f"Row {number}, indicator {row.indicator}: {error}") from error
    rows = pd.DataFrame(
        {
            "indicator_id": frame["indicator"].map(lambda code: indicators[code].id),
            "authority_id": frame["authority"].map(authority_ids),
            "fiscal_year": frame["year"].map(lambda text: rules.parse_period(text).fiscal_year),
            "target": frame["target"].astype(float),
            "tolerance": pd.to_numeric(frame["tolerance"], errors="coerce"),
        }
    )
    return write_target_rows(rows)


@transaction.atomic
def write_target_rows(rows: pd.DataFrame) -> set[int]:
    """Replace the targets for each (indicator, authority or default, year) in the frame
    (columns indicator_id, authority_id, fiscal_year, target, tolerance; already validated).
    Return the ids of the indicators touched."""
    targets = [
        Target(
            indicator_id=int(row.indicator_id),
            authority_id=None if pd.isna(row.authority_id) else int(row.authority_id),
            fiscal_year=int(row.fiscal_year),
            target=float(row.target),
            tolerance=None if pd.isna(row.tolerance) else float(row.tolerance),
        )
        for row in rows.itertuples(index=False)
    ]
    # Replace rather than upsert: SQL never sees two NULL authorities (defaults) as a conflict.
    groups: dict[tuple, set[int]] = {}
    for target in targets:
        groups.setdefault((target.authority_id, target.fiscal_year), set()).add(target.indicator_id)
    for (authority_id, fiscal_year), ids in groups.items():
        Target.objects.filter(
            indicator_id__in=ids, authority_id=authority_id, fiscal_year=fiscal_year
        ).delete()
    Target.objects.bulk_create(targets)
    return {target.indicator_id for target in targets}


@transaction.atomic
def write_values(frame: pd.DataFrame, import_batch=None) -> tuple[set[int], set[int]]:
    """Insert or update values from authority (GSS code), indicator (code), period (any form the
    parser reads), value and optional no_value_reason, reported_status, numerator, denominator,
    note. Return the authority ids and indicator ids whose series need recomputing."""
    frame = frame.fillna("")
    parsed = {text: rules.parse_period(text) for text in set(frame["period"])}
    periods = Period.ensure(parsed.values())
    authority_ids = _ids(Authority, "code", frame["authority"])
    indicator_ids = _ids(Indicator, "code", frame["indicator"])

    def number(text) -> float | None:
        return float(text) if str(text).strip() != "" else None

    values = [
        Value(
            authority_id=authority_ids[row["authority"]],
            indicator_id=indicator_ids[row["indicator"]],
            period_id=periods[parsed[row["period"]].code].id,
            value=number(row["value"]),
            no_value_reason=row.get("no_value_reason", ""),
            reported_status=row.get("reported_status", ""),
            numerator=number(row.get("numerator", "")),
            denominator=number(row.get("denominator", "")),
            note=row.get("note", ""),
            import_batch=import_batch,
        )
        for row in frame.to_dict("records")
    ]
    Value.objects.bulk_create(
        values,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["authority", "indicator", "period"],
        update_fields=[
            "value",
            "no_value_reason",
            "reported_status",
            "numerator",
            "denominator",
            "note",
            "import_batch",
        ],
    )
    return {v.authority_id for v in values}, {v.indicator_id for v in values}
