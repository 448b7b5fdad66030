"""The officer's journey: upload -> every problem, or a preview -> confirm -> applied."""

from __future__ import annotations

import csv

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from indicators.models import ImportBatch

from .access import ADMIN_ONLY_KINDS, is_performance_admin, officer_required
from .export import spreadsheet_safe
from .forms import UploadForm
from .imports import service
from .imports.service import KINDS

TEMPLATES = {
    "returns": [
        [
            "authority",
            "indicator",
            "period",
            "value",
            "numerator",
            "denominator",
            "note",
            "provisional",
        ],
        ["E08000017", "A2", "2016-17 Q2", "82", "", "", "", "no"],
        ["Doncaster", "A2", "2016-07", "88%", "", "", "July figure", "yes"],
    ],
    "targets": [
        ["indicator", "year", "target", "tolerance", "authority"],
        ["A2", "2016-17", "92", "90", "E08000017"],
        ["A2", "2017-18", "92", "90", ""],
    ],
    "indicators": [
        ["code", "name", "category", "unit", "polarity", "decimals", "description", "benchmark"],
        [
            "A2",
            "Single assessments completed within 45 working days",
            "Social Care Pathway",
            "percent",
            "higher_is_better",
            "0",
            "",
            "",
        ],
    ],
}


@officer_required
@require_http_methods(["GET", "POST"])
def upload(request):
    form = UploadForm(*((request.POST, request.FILES) if request.method == "POST" else ()))
    if not is_performance_admin(request.user):
        form.fields["kind"].choices = [
            (kind, label) for kind, label in KINDS.items() if kind not in ADMIN_ONLY_KINDS
        ]
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        staged = service.stage(
            form.cleaned_data["kind"],
            uploaded.read(),
            uploaded.name,
            user=request.user,
            options={"provisional": form.cleaned_data["provisional"]},
        )
        if staged.duplicate_of:
            return render(
                request, "reports/imports/duplicate.html", {"earlier": staged.duplicate_of}
            )
        if staged.problems:
            return render(
                request,
                "reports/imports/problems.html",
                {
                    "batch": staged.batch,
                    "problems": staged.problems[:1000],
                    "problem_count": len(staged.problems),
                    "notes": staged.notes,
                },
            )
        return redirect("reports:import_detail", pk=staged.batch.pk)
    return render(request, "reports/imports/upload.html", {"form": form})


def _own_batch(request, pk: int) -> ImportBatch:
    """An import (a draft until confirmed, and the file behind it) is seen only by the officer
    who uploaded it and by performance admins."""
    batch = get_object_or_404(ImportBatch.objects.select_related("created_by"), pk=pk)
    if batch.created_by_id != request.user.id and not is_performance_admin(request.user):
        raise PermissionDenied("Only the officer who uploaded this file can see it.")
    return batch


@officer_required
@require_GET
def detail(request, pk: int):
    batch = _own_batch(request, pk)
    context = {
        "batch": batch,
        "working": batch.recompute_state
        in (ImportBatch.Recompute.QUEUED, ImportBatch.Recompute.RUNNING),
    }
    return render(request, "reports/imports/detail.html", context)


@officer_required
@require_POST
def confirm(request, pk: int):
    batch = _own_batch(request, pk)
    service.apply(batch)
    return redirect("reports:import_detail", pk=pk)


@officer_required
@require_POST
def cancel(request, pk: int):
    service.cancel(_own_batch(request, pk))
    return redirect("reports:import_upload")


@officer_required
@require_GET
def history(request):
    batches = ImportBatch.objects.select_related("created_by")
    if not is_performance_admin(request.user):
        batches = batches.filter(created_by=request.user)
    page = Paginator(batches, 50).get_page(request.GET.get("page"))
    return render(request, "reports/imports/history.html", {"page": page})


@officer_required
@require_GET
def template_csv(request, kind: str):
    if kind not in TEMPLATES:
        return HttpResponse(status=404)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="outturn-{kind}-template.csv"'
    writer = csv.writer(response, lineterminator="\n")
    writer.writerows(TEMPLATES[kind])
    return response


@officer_required
@require_GET
def problems_csv(request, pk: int):
    batch = _own_batch(request, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="problems-import-{pk}.csv"'
    writer = csv.writer(response, lineterminator="\n")
    writer.writerow(["row", "column", "text", "problem"])
    for p in batch.problems:
        writer.writerow(
            [spreadsheet_safe(c) for c in [p["row"], p["column"], p["text"], p["message"]]]
        )
    return response
