"""The officer's journey: upload -> every problem, or a preview -> confirm -> applied."""

from __future__ import annotations

import gzip

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from authorities.models import Authority
from core.access import is_performance_admin, officer_required, writable_authority_ids
from core.csv import csv_response
from indicators.models import Period
from indicators.rules import PeriodKind, parse_period

from . import service
from .forms import UploadForm
from .importers import IMPORTERS, KINDS
from .models import ImportBatch
from .problems import PROBLEM_COLUMNS, size_text
from .tasks import stuck_imports, stuck_recomputes


def _writable_authorities(user):
    ids = writable_authority_ids(user)
    found = Authority.objects.current_local().only("code", "name")
    return found if ids is None else found.filter(pk__in=ids)


def _options(cleaned: dict, user) -> dict:
    """What the import is told beside its file: for a child-level return, whose it is (the
    officer's own authority where they have one and chose none) and an SSDA903's year."""
    if cleaned["kind"] not in ("cin", "ssda903"):
        return {"provisional": cleaned["provisional"]}
    authority = cleaned["authority"]
    if not authority:
        own = list(_writable_authorities(user)[:2]) if writable_authority_ids(user) else []
        authority = own[0].code if len(own) == 1 else ""
    return {"authority": authority, "year": cleaned["year"]}


@officer_required
@require_http_methods(["GET", "POST"])
def upload(request):
    form = UploadForm(*((request.POST, request.FILES) if request.method == "POST" else ()))
    form.fields["kind"].choices = [
        (kind, label) for kind, label in KINDS.items() if IMPORTERS[kind].allowed(request.user)
    ]
    form.fields["authority"].choices += [
        (a.code, a.name) for a in _writable_authorities(request.user)
    ]
    refused = request.method == "POST" and _refused_for_size(request, form)
    if request.method == "POST" and not refused and form.is_valid():
        uploaded = form.cleaned_data["file"]
        staged = service.stage(
            form.cleaned_data["kind"],
            uploaded.read(),
            uploaded.name,
            user=request.user,
            options=_options(form.cleaned_data, request.user),
        )
        if staged.duplicate_of:
            earlier = staged.duplicate_of
            own = earlier.created_by_id == request.user.id or is_performance_admin(request.user)
            return render(request, "imports/duplicate.html", {"earlier": earlier, "own": own})
        if staged.problems:
            return render(
                request,
                "imports/problems.html",
                {
                    "batch": staged.batch,
                    "problems": staged.problems[:1000],
                    "problem_count": len(staged.problems),
                    "notes": staged.notes,
                },
            )
        return redirect("imports:detail", pk=staged.batch.pk)
    templates = [
        importer
        for importer in IMPORTERS.values()
        if importer.template is not None and importer.allowed(request.user)
    ]
    return render(request, "imports/upload.html", {"form": form, "templates": templates})


def _refused_for_size(request, form) -> bool:
    """True (with the form saying why) if the upload handler stopped the file at the limit."""
    form.is_bound and request.FILES  # noqa: B018 - reading FILES runs the upload handlers
    received = getattr(request, "upload_refused", None)
    if received is None:
        return False
    limit = settings.IMPORT_MAX_BYTES
    form.errors.clear()
    form.add_error(
        "file",
        f"The file is larger than {size_text(limit)}, the largest Outturn accepts (it was "
        f"refused at {size_text(received)}, and nothing of it was kept). Split it into "
        "smaller files.",
    )
    return True


def _readable_batch(request, pk: int) -> ImportBatch:
    """An import is its authority's record: read by that authority's officers, either side,
    and performance admins (ImportBatch.objects.readable_by)."""
    batch = get_object_or_404(ImportBatch.objects.select_related("created_by"), pk=pk)
    if not ImportBatch.objects.readable_by(request.user).filter(pk=pk).exists():
        raise PermissionDenied("Only the officers of the authority this file is for can see it.")
    return batch


def _own_batch(request, pk: int) -> ImportBatch:
    """Confirming or cancelling an import (a draft until confirmed) is the officer's who
    uploaded it, or a performance admin's."""
    batch = _readable_batch(request, pk)
    if batch.created_by_id != request.user.id and not is_performance_admin(request.user):
        raise PermissionDenied("Only the officer who uploaded this file can confirm or cancel it.")
    return batch


@officer_required
@require_GET
def detail(request, pk: int):
    batch = _readable_batch(request, pk)
    saving = batch.state == ImportBatch.State.APPLYING
    recomputing = batch.recompute_state in (
        ImportBatch.Recompute.QUEUED,
        ImportBatch.Recompute.RUNNING,
    )
    # Stalled as long as the sweeps wait before running it again: the page stops updating
    # itself and says so (nothing on a page waits for ever).
    late = saving and stuck_imports().filter(pk=batch.pk).exists()
    recompute_late = recomputing and stuck_recomputes().filter(pk=batch.pk).exists()
    context = {
        "batch": batch,
        "late": late,
        "recompute_late": recompute_late,
        "working": (saving and not late) or (recomputing and not recompute_late),
        "quarters": _quarters_changed(batch) if batch.state == ImportBatch.State.APPLIED else [],
        "may_act": batch.created_by_id == request.user.id or is_performance_admin(request.user),
    }
    return render(request, "imports/detail.html", context)


def _quarters_changed(batch: ImportBatch, most: int = 6) -> list[dict]:
    """The quarters (newest first) whose figures this import wrote, to go and look at: from
    the places and periods the import recorded, then the few authorities and periods named
    are read."""
    pairs = set(batch.written.values_list("authority_id", "period_id"))
    periods = {
        pk: parse_period(code)
        for pk, code in Period.objects.filter(
            id__in={period for _, period in pairs},
            kind__in=[PeriodKind.QUARTER, PeriodKind.MONTH],
        ).values_list("id", "code")
    }
    places = {
        pk: (slug, name)
        for pk, slug, name in Authority.objects.filter(
            id__in={authority for authority, _ in pairs}
        ).values_list("id", "slug", "name")
    }
    quarters = {}
    for authority_id, period_id in pairs:
        if period_id not in periods:
            continue
        parsed = periods[period_id]
        quarter = parsed if parsed.kind == PeriodKind.QUARTER else parsed.quarter()
        slug, name = places[authority_id]
        quarters[(slug, quarter.code)] = {"slug": slug, "name": name, "quarter": quarter}
    return sorted(quarters.values(), key=lambda q: (-q["quarter"].sequence, q["name"]))[:most]


@officer_required
@require_POST
def confirm(request, pk: int):
    batch, confirmed = service.confirm(_own_batch(request, pk))
    # (A second click or tab confirms nothing: the page says where the import stands.)
    if confirmed and batch.state == ImportBatch.State.APPLIED:
        messages.success(request, f"Saved: {batch.file_name} is imported.")
    elif confirmed and batch.state == ImportBatch.State.APPLYING:
        messages.info(
            request,
            f"Confirmed: {batch.file_name} is being saved. Nothing shows on any page until "
            "every row is saved; this page says when it is done.",
        )
    return redirect("imports:detail", pk=pk)


@officer_required
@require_POST
def cancel(request, pk: int):
    service.cancel(_own_batch(request, pk))
    messages.info(request, "Cancelled: nothing was saved, and the file is deleted.")
    return redirect("imports:upload")


@officer_required
@require_GET
def history(request):
    batches = ImportBatch.objects.readable_by(request.user).select_related("created_by")
    page = Paginator(batches, 50).get_page(request.GET.get("page"))
    return render(request, "imports/history.html", {"page": page})


@officer_required
@require_GET
def template_csv(request, kind: str):
    importer = IMPORTERS.get(kind)
    if importer is None or importer.template is None or not importer.allowed(request.user):
        raise Http404("There is no template for that kind of file.")
    header, *rows = importer.template_for(request.user)
    return csv_response(f"outturn-{kind}-template.csv", header, rows)


def _unzipped(stored_file):
    with stored_file.open("rb") as stored, gzip.GzipFile(fileobj=stored) as unzipped:
        yield from iter(lambda: unzipped.read(1 << 16), b"")


@officer_required
@require_GET
def problems_csv(request, pk: int):
    batch = _readable_batch(request, pk)
    filename = f"problems-import-{pk}.csv"
    if batch.problems_file:  # every problem, however many, streamed as it is unzipped
        response = StreamingHttpResponse(
            _unzipped(batch.problems_file), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return csv_response(
        filename,
        PROBLEM_COLUMNS,
        ([p["row"], p["column"], p["text"], p["message"]] for p in batch.problems),
    )
