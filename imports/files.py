"""Turn uploaded bytes into a table of text: CSV in UTF-8 (with or without BOM) or Windows-1252,
comma, semicolon or tab separated, CRLF or LF; or an XLSX workbook's first sheet."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pandas as pd
from django.conf import settings

from .problems import FileProblem, Problem

XLSX_MAGIC = b"PK\x03\x04"


def read_table(data: bytes, filename: str = "upload.csv") -> pd.DataFrame:
    """Every cell as stripped text, column names stripped and lower-cased, plus `row_number`, the
    spreadsheet row number of each line. Raises FileProblem if there is no table to check."""
    limit = settings.IMPORT_MAX_BYTES
    if len(data) > limit:
        raise FileProblem(
            f"The file is {len(data) / 1e6:.1f} MB; the largest Outturn accepts is "
            f"{limit / 1e6:.0f} MB. Split it into smaller files."
        )
    if not data.strip():
        raise FileProblem("The file is empty.")
    if data.startswith(XLSX_MAGIC):
        frame = _read_xlsx(data)
    else:
        frame = _read_csv(data)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    repeated = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1 and c})
    if repeated:
        raise FileProblem(
            f"The column{'s' if len(repeated) > 1 else ''} {', '.join(repeated)} "
            f"appear{'' if len(repeated) > 1 else 's'} more than once in the header row."
        )
    if frame.empty:
        raise FileProblem("The file has a header row but no rows of figures.")
    frame = frame.apply(lambda column: column.str.strip())
    frame["row_number"] = range(2, len(frame) + 2)
    return frame


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # what Excel writes as "CSV"


def _read_csv(data: bytes) -> pd.DataFrame:
    if b"\x00" in data[:4096]:
        raise FileProblem("This is not a CSV file: it holds binary data. Save it as CSV or XLSX.")
    text = _decode(data)
    header = text.splitlines()[0] if text else ""
    separator = max([",", ";", "\t"], key=header.count)
    if header.count(separator) == 0:
        raise FileProblem(
            "This does not look like a CSV file: the first row has no commas, semicolons or "
            "tabs between column names."
        )
    try:
        # header=None: pandas would otherwise take surplus cells as an index, silently.
        frame = pd.read_csv(
            io.StringIO(text),
            sep=separator,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
            engine="c",
        )
    except pd.errors.ParserError as error:
        raise FileProblem(_parser_problem(str(error))) from error
    except csv.Error as error:
        raise FileProblem(f"The file could not be read as CSV: {error}") from error
    frame.columns = frame.iloc[0].fillna("")
    return frame.iloc[1:].reset_index(drop=True).fillna("")


def _parser_problem(message: str) -> list[Problem]:
    # pandas says "Expected 4 fields in line 7, saw 5": line 7 is spreadsheet row 7.
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if found:
        expected, line, saw = found.groups()
        return [
            Problem(
                f"has {saw} cells where the header has {expected}; check for a stray separator "
                "or an unquoted comma",
                row=int(line),
            )
        ]
    return [Problem(f"The file could not be read as CSV: {message}")]


def _read_xlsx(data: bytes) -> pd.DataFrame:
    try:
        frame = pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=str, engine="openpyxl")
    except (zipfile.BadZipFile, ValueError, KeyError, OSError) as error:
        raise FileProblem(f"The workbook could not be read: {error}") from error
    frame = frame.dropna(how="all").fillna("").astype(str)
    # Excel turns a typed "2016-07" into a date; read it back as the month it was.
    frame.columns = [_EXCEL_MONTH.sub(r"\1", str(c)) for c in frame.columns]
    return frame.replace(_EXCEL_MONTH, r"\1", regex=True)


_EXCEL_MONTH = re.compile(r"^(\d{4}-\d{2})-01 00:00:00$")
