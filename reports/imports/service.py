"""One path for every import, from the web or the command line:
stage (read, check, record, keep the file) -> preview -> apply (one transaction) -> recompute."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from authorities.models import Authority
from indicators.models import ImportBatch, Indicator
from indicators.tasks import schedule_recompute

from ..access import ADMIN_ONLY_KINDS, is_performance_admin, writable_authority_ids
from . import challenges, definitions, ees, targets
from .changes import apply_returns, diff_returns
from .files import read_table
from .problems import FileProblem, Problem
from .returns import check_returns

log = logging.getLogger(__name__)

KINDS = dict(ImportBatch.Kind.choices)
MAX_STORED_PROBLEMS = 5000
MAX_SHOWN_CHANGES = 500


@dataclass
class Staged:
    """What a person sees after uploading: problems, or a preview of the changes."""

    batch: ImportBatch | None
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    changes: list[dict] = field(default_factory=list)
    duplicate_of: ImportBatch | None = None
    notes: list[str] = field(default_factory=list)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check(kind: str, data: bytes, filename: str, options: dict, user=None):
    """Read and check a file; return (checked, notes). Raises FileProblem."""
    if user is not None and kind in ADMIN_ONLY_KINDS and not is_performance_admin(user):
        raise FileProblem(f"Only performance admins can import {KINDS[kind].lower()}.")
    allowed = writable_authority_ids(user)
    table = read_table(data, filename)
    notes: list[str] = []
    if kind == "returns":
        checked = check_returns(
            table, provisional=options.get("provisional", False), allowed_authorities=allowed
        )
        if checked.layout == "wide":
            notes.append("Read as one column per period; empty cells leave stored figures alone.")
    elif kind == "ees":
        mapping, long = ees.to_returns(table, options.get("mapping"))
        notes.append(f"Read with the DfE mapping “{ees.mappings()[mapping]['title']}”.")
        checked = check_returns(long, provisional=options.get("provisional", False))
    elif kind == "targets":
        checked = targets.check_targets(table)
    elif kind == "indicators":
        checked = definitions.check_definitions(table)
    elif kind == "challenges":
        checked = challenges.check_challenges(table, allowed)
    elif kind == "actions":
        checked = challenges.check_actions(table, allowed)
    else:
        raise FileProblem(f'"{kind}" is not a kind of import Outturn knows.')
    if getattr(checked, "ignored_columns", None):
        notes.append("Ignored column(s): " + ", ".join(checked.ignored_columns))
    return checked, notes


def stage(kind: str, data: bytes, filename: str, user=None, options: dict | None = None) -> Staged:
    options = options or {}
    digest = sha256(data)
    earlier = (
        ImportBatch.objects.filter(kind=kind, sha256=digest, state=ImportBatch.State.APPLIED)
        .select_related("created_by")
        .first()
    )
    if earlier:
        return Staged(batch=None, duplicate_of=earlier)
    batch = ImportBatch(
        kind=kind,
        file_name=filename[:255],
        sha256=digest,
        created_by=user,
        provisional=bool(options.get("provisional")),
        options=options,
    )
    try:
        checked, notes = check(kind, data, filename, options, user)
        problems = checked.problems
    except FileProblem as error:
        checked, notes, problems = None, [], error.problems
    if problems:
        batch.state = ImportBatch.State.REJECTED
        batch.problems = [p.as_dict() for p in problems[:MAX_STORED_PROBLEMS]]
        batch.counts = {"problems": len(problems)}
        batch.notes = notes
        batch.file.save(f"{digest[:16]}-{_safe_name(filename)}", ContentFile(data), save=True)
        return Staged(batch=batch, problems=problems, notes=notes)
    counts, changes = preview(kind, checked)
    batch.counts = counts
    batch.changes = changes
    batch.notes = notes
    batch.file.save(f"{digest[:16]}-{_safe_name(filename)}", ContentFile(data), save=True)
    return Staged(batch=batch, counts=counts, changes=changes, notes=notes)


def preview(kind: str, checked) -> tuple[dict[str, int], list[dict]]:
    if kind in ("returns", "ees"):
        diff = diff_returns(checked.frame)
        changed = diff.rows[diff.rows["state"] == "changed"].head(MAX_SHOWN_CHANGES)
        return diff.counts, _describe_changes(changed)
    if kind == "targets":
        return targets.preview_targets(checked), []
    if kind in ("challenges", "actions"):
        return challenges.preview(checked), []
    return definitions.preview_definitions(checked), []


def apply(batch: ImportBatch) -> ImportBatch:
    """Apply a checked batch in one transaction. The kept file is read and checked again, so
    what is written is exactly what the file says. A failure, or a process killed part-way,
    leaves the database as it was; a failure also marks the batch failed with the reason."""
    try:
        with batch.file.open("rb") as stream:
            data = stream.read()
        with transaction.atomic():
            # Claim the batch: if no row changed, it was applied or cancelled already.
            claimed = ImportBatch.objects.filter(
                pk=batch.pk, state=ImportBatch.State.CHECKED
            ).update(state=ImportBatch.State.APPLIED, applied_at=timezone.now())
            if claimed:
                checked, _ = check(
                    batch.kind, data, batch.file_name, batch.options, batch.created_by
                )
                if checked.problems:
                    raise FileProblem(checked.problems)
                counts, authority_ids, indicator_ids = _write(batch, checked)
                ImportBatch.objects.filter(pk=batch.pk).update(counts=counts)
                if indicator_ids:
                    schedule_recompute(authority_ids, indicator_ids, batch_id=batch.pk)
    except Exception as error:
        log.exception("import %s failed", batch.pk)
        ImportBatch.objects.filter(pk=batch.pk).update(
            state=ImportBatch.State.FAILED,
            message=f"Nothing was saved: {error}"[:2000],
        )
    batch.refresh_from_db()
    return batch


def _write(batch: ImportBatch, checked):
    if batch.kind in ("returns", "ees"):
        diff, authority_ids, indicator_ids = apply_returns(checked.frame, batch)
        return diff.counts, authority_ids, indicator_ids
    if batch.kind == "targets":
        counts = targets.preview_targets(checked)
        return counts, None, targets.apply_targets(checked)
    if batch.kind == "challenges":
        return challenges.apply_challenges(checked, batch.created_by), None, None
    if batch.kind == "actions":
        return challenges.apply_actions(checked, batch.created_by), None, None
    counts = definitions.preview_definitions(checked)
    return counts, None, definitions.apply_definitions(checked)


def cancel(batch: ImportBatch) -> None:
    ImportBatch.objects.filter(pk=batch.pk, state=ImportBatch.State.CHECKED).update(
        state=ImportBatch.State.CANCELLED
    )


def _describe_changes(changed) -> list[dict]:
    names = dict(
        Authority.objects.filter(id__in=changed["authority_id"].unique().tolist()).values_list(
            "id", "name"
        )
    )
    codes = dict(
        Indicator.objects.filter(id__in=changed["indicator_id"].unique().tolist()).values_list(
            "id", "code"
        )
    )
    return [
        {
            "row": int(row.row_number),
            "authority": names.get(int(row.authority_id), ""),
            "indicator": codes.get(int(row.indicator_id), ""),
            "period": row.period,
            "old": _shown(row.old_value, row.old_no_value_reason),
            "new": _shown(row.value, row.no_value_reason),
        }
        for row in changed.itertuples()
    ]


def _shown(value, reason) -> str:
    if value == value and value is not None:  # not NaN
        return f"{value:g}"
    return f"no value ({reason})" if reason else "no value"


def _safe_name(filename: str) -> str:
    keep = "".join(c if c.isalnum() or c in "._-" else "_" for c in filename)
    return keep[-80:] or "upload"
