"""One path for every import, from the web or the command line:
stage (read, check, record, keep the file) -> preview -> confirm (the web: handed to the
worker) -> apply (one transaction) -> recompute."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from authorities.models import Authority
from core import versions
from core.tasks import send_or_run
from indicators.models import Indicator, Period
from indicators.rules import parse_period

from .importers import KINDS, importer_for
from .models import ImportBatch
from .problems import KEPT_PROBLEMS, FileProblem, Problem, ProblemLog

log = logging.getLogger(__name__)


@dataclass
class Staged:
    """What a person sees after uploading: problems, or a preview of the changes."""

    batch: ImportBatch | None
    problems: ProblemLog | list[Problem] = field(default_factory=list)  # len(): all found
    counts: dict[str, int] = field(default_factory=dict)
    changes: list[dict] = field(default_factory=list)
    duplicate_of: ImportBatch | None = None
    notes: list[str] = field(default_factory=list)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check(kind: str, data: bytes, filename: str, options: dict, user=None):
    """Read and check a file; return (checked, notes). Raises FileProblem."""
    importer = importer_for(kind)
    if not importer.allowed(user):
        raise FileProblem(f"Only performance admins can import {KINDS[kind].lower()}.")
    table = importer.read(data, filename)
    checked, notes = importer.check(table, options, user)
    if getattr(checked, "ignored_columns", None):
        notes.append("Ignored column(s): " + ", ".join(checked.ignored_columns))
    return checked, notes


def stage(kind: str, data: bytes, filename: str, user=None, options: dict | None = None) -> Staged:
    options = options or {}
    # A child-level return becomes its figures here, in memory: only they go on, and only
    # they are kept (the file, its hash aside, is gone when this returns).
    data, reduced, reduce_problems = _reduced(kind, data, filename, options)
    digest = sha256(data)
    # Read before the check: a write committed while it runs moves its authority's version
    # past this, and the confirm then checks again.
    seen = versions.snapshot()
    earlier = (
        ImportBatch.objects.filter(kind=kind, sha256=digest, state=ImportBatch.State.APPLIED)
        .select_related("created_by")
        .first()
    )
    batch = ImportBatch(
        kind=kind,
        file_name=filename[:255],
        sha256=digest,
        created_by=user,
        provisional=bool(options.get("provisional")),
        options=options,
    )
    try:
        if reduce_problems:
            raise FileProblem(reduce_problems)
        checked, notes = check(kind, data, filename, options, user)
        notes = [*reduced, *notes]
        problems = checked.problems
    except FileProblem as error:
        checked, notes, problems = None, list(reduced), error.problems
    if problems:
        return _rejected(batch, problems, notes)
    counts, changes = preview(kind, checked)
    if earlier and not counts.get("new") and not counts.get("changed"):
        # The same file again, and nothing it says differs from what is stored. Decided by
        # the diff, not the hash: re-uploading an earlier file to put a figure back (or to
        # clear "provisional") is a real change and goes on to its preview.
        return Staged(batch=None, duplicate_of=earlier, counts=counts)
    batch.counts = counts
    batch.changes = changes
    batch.notes = notes
    importer = importer_for(kind)
    plan = importer.plan(checked)
    if plan is not None:
        scope = importer.scope(checked)
        batch.checked_scope = {**scope.as_json(), "periods": importer.periods(checked)}
        batch.checked_at_version = versions.seen(seen, scope)
        batch.plan.save(f"{digest[:16]}.npz", ContentFile(plan), save=False)
    batch.file.save(f"{digest[:16]}-{_safe_name(filename)}", ContentFile(data), save=True)
    return Staged(batch=batch, counts=counts, changes=changes, notes=notes)


def _rejected(batch: ImportBatch, problems, notes: list[str]) -> Staged:
    """A refused file is not kept (it may be hostile, and it is the officer's to fix): every
    problem is, as a gzipped CSV in file order, so "download every problem" has them all;
    the first KEPT_PROBLEMS are stored with the import, to show."""
    log = problems if isinstance(problems, ProblemLog) else ProblemLog.of(problems)
    batch.state = ImportBatch.State.REJECTED
    batch.problems = [p.as_dict() for p in log[:KEPT_PROBLEMS]]
    batch.counts = {"problems": len(log)}
    batch.notes = notes
    batch.problems_file.save(
        f"{batch.sha256[:16]}-problems.csv.gz", ContentFile(log.file()), save=True
    )
    return Staged(batch=batch, problems=log, notes=notes)


def _reduced(kind: str, data: bytes, filename: str, options: dict):
    """(what goes on, notes, problems): the file itself, or a child-level return's figures."""
    try:
        importer = importer_for(kind)
    except FileProblem:
        return data, [], None  # check() says so
    try:
        reduced, notes = importer.reduce(data, filename, options)
    except FileProblem as error:
        return data, [], error.problems
    except Exception as error:  # noqa: BLE001 - a file nobody vouches for: refuse it, in words
        # Only the error's type is logged: its message may quote the file (a child's details).
        log.warning("child-level return %s could not be read: %s", kind, type(error).__name__)
        return data, [], [Problem(f"{filename}: could not be read as a {KINDS[kind]} file")]
    return reduced, notes, None


def preview(kind: str, checked) -> tuple[dict[str, int], list[dict]]:
    return importer_for(kind).preview(checked)


# A draft that may still be applied: checked, or confirmed and waiting for the worker.
PENDING = [ImportBatch.State.CHECKED, ImportBatch.State.APPLYING]


def confirm(batch: ImportBatch) -> tuple[ImportBatch, bool]:
    """The officer confirms a checked draft from the web: it is marked being saved and handed
    to the worker (imports.tasks.apply_import), so a national file's half a minute of writing
    holds no web process and no browser waits on it. Confirming twice (a double click, a
    second tab) hands it over once. Where tasks run in-process (`make run`) or the broker
    cannot be reached, it is applied here and now. Returns the batch as it stands after, and
    whether this call confirmed it."""
    from .tasks import apply_import

    with transaction.atomic():
        confirmed = ImportBatch.objects.filter(pk=batch.pk, state=ImportBatch.State.CHECKED).update(
            state=ImportBatch.State.APPLYING, apply_sent_at=timezone.now()
        )
        if confirmed:
            transaction.on_commit(lambda: send_or_run(apply_import, batch.pk))
    batch.refresh_from_db()
    return batch, bool(confirmed)


def apply(batch: ImportBatch) -> ImportBatch:
    """Apply a checked (or confirmed) batch in one transaction. What is written is exactly
    what the file says against the database as it is now: if nothing a check reads has
    changed since the file was checked (the data version, taken here so nothing can change
    while this runs) and the kept file is the file checked, the checked plan is written;
    otherwise the file is checked again from the start. A failure, or a process killed
    part-way, leaves the database as it was; a failure also marks the batch failed with the
    reason."""
    if not ImportBatch.objects.filter(pk=batch.pk, state__in=PENDING).exists():
        batch.refresh_from_db()  # applied, failed, cancelled or expired already: nothing to do
        return batch
    try:
        with batch.file.open("rb") as stream:
            data = stream.read()
        # The calendar first, committed on its own: a new quarter's row is never held by
        # one council's import while another's waits for it.
        Period.ensure(parse_period(code) for code in batch.checked_scope.get("periods", []))
        with transaction.atomic():
            # What the plan was checked against is taken first: imports of one authority's
            # figures queue here, one after another; other authorities' go on beside them.
            unchanged = batch.checked_at_version is not None and (
                versions.take_scope(versions.Scope.from_json(batch.checked_scope))
                == batch.checked_at_version
            )
            # Claim the batch: if no row changed, it was applied or cancelled already. The
            # time is taken once this import holds its authorities' versions, so the later
            # `applied_at` is always the import whose figures are stored.
            claimed = ImportBatch.objects.filter(pk=batch.pk, state__in=PENDING).update(
                state=ImportBatch.State.APPLIED, applied_at=timezone.now()
            )
            if claimed:
                checked = _planned(batch, data) if unchanged else None
                if checked is None:
                    checked, _ = check(
                        batch.kind, data, batch.file_name, batch.options, batch.created_by
                    )
                if checked.problems:
                    raise FileProblem(checked.problems)
                counts = _write(batch, checked)
                ImportBatch.objects.filter(pk=batch.pk).update(counts=counts)
            transaction.on_commit(lambda: _forget_plan(batch))
    except Exception as error:
        log.exception("import %s failed", batch.pk)
        ImportBatch.objects.filter(pk=batch.pk).update(
            state=ImportBatch.State.FAILED,
            message=f"Nothing was saved: {_why(error)}"[:2000],
        )
    batch.refresh_from_db()
    return batch


# What a figure refers to, by the table PostgreSQL's foreign key names ("Key (period_id)=(7)
# is not present in table "indicators_period"') when one is removed while an import is
# being saved.
REFERRED_TO = {
    Authority._meta.db_table: "an authority",
    Indicator._meta.db_table: "a measure",
    Period._meta.db_table: "a period",
}
AGAIN = "Upload the file again to check it against what is stored now."


def _why(error: Exception) -> str:
    """Why an import saved nothing, in words an officer can act on."""
    if isinstance(error, SoftTimeLimitExceeded):  # the worker's limit on one task
        return (
            f"saving took longer than the {settings.CELERY_TASK_SOFT_TIME_LIMIT // 60} "
            "minutes a save may take. Try again when the system is quieter, or split the "
            "file into smaller ones."
        )
    if isinstance(error, FileProblem):  # the file's own problems, said where they are
        return str(error)
    if isinstance(error, OperationalError | InterfaceError):
        # The database went away mid-save (restarted, a connection killed, the network):
        # the transaction never committed. Its own words ("terminating connection due to
        # administrator command") are for the log, not the officer.
        return (
            "the connection to the database was lost while the file was being saved, so "
            "none of it was stored. Upload the file again in a few minutes to save it."
        )
    if isinstance(error, IntegrityError):
        # Something the file names was removed (or renumbered) behind Outturn's back while
        # it was saved: the database refused the figures rather than store them referring
        # to nothing. PostgreSQL says which; SQLite's foreign keys do not.
        found = removed_reference(str(error))
        if found:
            table, key = found
            return (
                f"{REFERRED_TO.get(table, 'something')} the file names (id {key}) was removed "
                f"while the file was being saved. {AGAIN}"
            )
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        return (
            "something the file names changed in the database while the file was being "
            f"saved (the database said: {first_line or type(error).__name__}). {AGAIN}"
        )
    return (
        f"something went wrong while the file was being saved ({type(error).__name__}; the "
        "details are in the log for the administrator). Try again, and if it happens again, "
        "tell your administrator."
    )


def removed_reference(text: str) -> tuple[str, str] | None:
    """The table and id of what a figure referred to and was removed, from PostgreSQL's
    foreign key error: the figure written after the removal ("Key (authority_id)=(7) is not
    present in table …"), or the removal checked after the figure ("update or delete on
    table … Key (id)=(7) is still referenced …"). SQLite's says neither."""
    written = re.search(r'Key \(\w+\)=\((\d+)\) is not present in table "(\w+)"', text)
    if written:
        return written.group(2), written.group(1)
    removed = re.search(r'update or delete on table "(\w+)".*Key \(id\)=\((\d+)\)', text, re.S)
    return (removed.group(1), removed.group(2)) if removed else None


def _planned(batch: ImportBatch, data: bytes):
    """The checked plan, if the kept file is the one checked and the importer keeps one."""
    if not batch.plan or sha256(data) != batch.sha256:
        return None
    with batch.plan.open("rb") as stream:
        plan = stream.read()
    return importer_for(batch.kind).planned(plan, batch, batch.created_by)


def _forget_plan(batch: ImportBatch) -> None:
    if batch.plan:
        batch.plan.delete(save=False)
        ImportBatch.objects.filter(pk=batch.pk).update(plan="")


def _write(batch: ImportBatch, checked) -> dict[str, int]:
    return importer_for(batch.kind).apply(checked, batch)


def cancel(batch: ImportBatch, state: str = ImportBatch.State.CANCELLED) -> None:
    """A draft the officer abandons (or nobody confirmed in time: `state` EXPIRED): its
    state set, and its file deleted (nothing will read it)."""
    if ImportBatch.objects.filter(pk=batch.pk, state=ImportBatch.State.CHECKED).update(state=state):
        _forget_file(batch)


def expire_drafts(now=None) -> int:
    """Drafts nobody confirmed within a week expire, saying so, and their files are deleted
    (the beat runs this daily). Applied imports keep their file: it is what was written."""
    cutoff = (now or timezone.now()) - ImportBatch.DRAFT_KEPT_FOR
    stale = list(ImportBatch.objects.filter(state=ImportBatch.State.CHECKED, created_at__lt=cutoff))
    for batch in stale:
        cancel(batch, ImportBatch.State.EXPIRED)
    return len(stale)


def _forget_file(batch: ImportBatch) -> None:
    _forget_plan(batch)
    if batch.file:
        batch.file.delete(save=False)
        ImportBatch.objects.filter(pk=batch.pk).update(file="")


def _safe_name(filename: str) -> str:
    keep = "".join(c if c.isalnum() or c in "._-" else "_" for c in filename)
    return keep[-80:] or "upload"
