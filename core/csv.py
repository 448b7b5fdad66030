"""CSV in and out: one response helper, and the guard that stops a spreadsheet running a
cell as a formula (undone again when such a file is imported back)."""

from __future__ import annotations

import csv
import re

import pandas as pd
from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Text a spreadsheet would run as a formula, or that already begins with the apostrophe that
# guards one (so "'=x" written by a person comes back as "'=x", not "=x"): guarded by one more
# apostrophe, which Outturn's readers take off again (imports.files).
NEEDS_GUARD = "^'*[" + re.escape("".join(FORMULA_STARTS)) + "]"
_NEEDS_GUARD = re.compile(NEEDS_GUARD)


def spreadsheet_safe(cell) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; numbers pass."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, float):
        # Every digit the figure has, never six significant figures ("1.23457e+06").
        return format(cell, ".15g")
    text = str(cell)
    return "'" + text if _NEEDS_GUARD.match(text) else text


def spreadsheet_safe_column(texts: pd.Series) -> pd.Series:
    """spreadsheet_safe for a column of text (NaN as empty), the same rule set-based."""
    texts = texts.fillna("").astype(str)
    guarded = texts.str.match(NEEDS_GUARD)
    if not guarded.any():  # most columns: no copy of every text with an apostrophe before it
        return texts
    return texts.where(~guarded, "'" + texts)


def csv_response(filename: str, header: list[str] | None = None, rows=()) -> HttpResponse:
    """An attachment named `filename`, with the header and rows written formula-safe; the
    caller may go on writing to it with `csv.writer(response)`."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response, lineterminator="\n")
    if header:
        writer.writerow(header)
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return response
