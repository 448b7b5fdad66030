"""What the panel is shown when a quarter is presented, frozen: every figure, status and the
commentary as of now (scrutiny.writes.save_publication stores it with the paper)."""

from __future__ import annotations

from django.utils import timezone

from scrutiny.challenge import records_for

from .quarter import Quarter


def snapshot(quarter: Quarter) -> dict:
    """The quarter's measures and summary as the page shows them now."""
    records = records_for(quarter.authority, quarter.period)
    measures = {}
    for row in [*quarter.measures, *quarter.volumetric]:
        record = records.get(row.indicator.id)
        value = row.value
        measures[row.indicator.code] = {
            "name": row.indicator.name,
            "unit": row.indicator.unit,
            "decimals": row.indicator.decimals,
            "volumetric": row.indicator.is_volumetric,
            "reported": row.reported,
            "value": value.value if value else None,
            "no_value_reason": value.no_value_reason if value else "",
            "status": row.status.value,
            "direction": value.direction if value else "",
            "hard_to_shift": bool(value and value.hard_to_shift),
            "hard_to_shift_why": row.hard_to_shift_why,
            "target": row.target.target if row.target else None,
            "tolerance": row.target.tolerance if row.target else None,
            "classification": record.classification if record else "",
            "council_comment": record.council_comment if record else "",
            "questions": record.questions if record else "",
            "provider_response": record.provider_response if record else "",
        }
    return {
        "measures": measures,
        "summary": {
            "statuses": [status.value for status in quarter.statuses],
            "rows": [
                {
                    "category": row.category.name,
                    "counts": [row.counts[status] for status in quarter.statuses],
                    "total": row.total,
                }
                for row in quarter.summary
            ],
            "totals": [quarter.totals[status] for status in quarter.statuses],
            "total": len(quarter.measures),
        },
        "frozen_at": timezone.now().isoformat(),
    }
