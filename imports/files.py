"""Turn uploaded bytes into a table of text: CSV in UTF-8 (with or without BOM) or Windows-1252,
comma, semicolon or tab separated, CRLF or LF; or an XLSX workbook's first sheet."""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime, time

import numpy as np
import openpyxl
import pandas as pd
from django.conf import settings
from openpyxl.utils import column_index_from_string, get_column_letter

from core.csv import NEEDS_GUARD

from .problems import FileProblem, Problem, Problems, size_text

XLSX_MAGIC = b"PK\x03\x04"
ROW_NUMBER = "row_number"
MAX_CELL_CHARS = 10_000  # a long note is a few hundred; Excel itself stops at 32,767
FORMULA_GUARD = "'" + NEEDS_GUARD.removeprefix("^")  # a guard's apostrophe before the guarded


SHARE_ROWS = 50_000  # rows checked at a time: a few megabytes, whatever the file's size


class Table:
    """A file's rows as text, a share of SHARE_ROWS rows at a time, as often as a check
    needs to go through them (a CSV is parsed afresh from its bytes each time, so no more
    than a share of it is ever held as a table). `columns` is the header, stripped and
    lower-cased; each share has those columns (or those asked for) and `row_number`, the
    spreadsheet row number of each line."""

    def __init__(
        self, columns: list[str], shares: Callable[[list[str] | None], Iterator[pd.DataFrame]]
    ):
        self.columns = columns
        self._shares = shares

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Table:
        """A table already read whole (a workbook, or a table made in memory)."""
        columns = [str(c) for c in frame.columns if c != ROW_NUMBER]

        def shares(wanted: list[str] | None) -> Iterator[pd.DataFrame]:
            part = frame if wanted is None else frame[[*wanted, ROW_NUMBER]]
            for start in range(0, max(len(frame), 1), SHARE_ROWS):
                yield part.iloc[start : start + SHARE_ROWS]

        return cls(columns, shares)

    def __iter__(self) -> Iterator[pd.DataFrame]:
        return self._shares(None)

    def shares(self, columns: list[str]) -> Iterator[pd.DataFrame]:
        """The shares with only `columns` of the header (a CSV's other cells are not even
        parsed)."""
        return self._shares([c for c in self.columns if c in columns])

    def whole(self) -> pd.DataFrame:
        return pd.concat(list(self), ignore_index=True)


def read_table(data: bytes, filename: str = "upload.csv") -> pd.DataFrame:
    """Every cell as stripped text, column names stripped and lower-cased, plus `row_number`, the
    spreadsheet row number of each line. Raises FileProblem if there is no table to check."""
    return read_shares(data, filename).whole()


def read_shares(data: bytes, filename: str = "upload.csv") -> Table:
    """The file as a Table, its header read (and refused, if it must be) before this returns;
    a share's problems (a cell too long, a row of too many cells) are raised as FileProblem
    when the share is read. Raises FileProblem if there is no table to check."""
    limit = settings.IMPORT_MAX_BYTES
    if len(data) > limit:
        raise FileProblem(
            f"The file is {size_text(len(data))}; the largest Outturn accepts is "
            f"{size_text(limit)}. Split it into smaller files."
        )
    if not data or data.isspace():  # no stripped copy of a large file
        raise FileProblem("The file is empty.")
    if data.startswith(XLSX_MAGIC):
        frame = _read_xlsx(data)
        numbers = frame.pop(ROW_NUMBER)
        header = _header(frame.columns)
        if frame.empty:
            raise FileProblem("The file has a header row but no rows of figures.")
        frame.columns = header
        frame[ROW_NUMBER] = numbers.to_numpy()
        return Table.of(_tidied(frame))  # read whole already: tidied once, not every pass
    return _csv_table(data)


def _header(columns) -> list[str]:
    """The column names, stripped and lower-cased; a cell with no name is called by its
    letter, "(column E)", as Excel's trailing separators leave several of them."""
    header = [
        str(c).strip().lower() or f"(column {get_column_letter(n)})"
        for n, c in enumerate(columns, start=1)
    ]
    repeated = sorted(c for c, n in Counter(header).items() if n > 1 and c)
    if repeated:
        raise FileProblem(
            f"The column{'s' if len(repeated) > 1 else ''} {', '.join(repeated)} "
            f"appear{'' if len(repeated) > 1 else 's'} more than once in the header row."
        )
    return header


def _tidied(share: pd.DataFrame) -> pd.DataFrame:
    """A share's cells stripped, Outturn's formula guards undone and every cell's length
    checked (one column at a time: never a second copy of the share)."""
    share = share.copy(deep=False)
    for column in share.columns.drop(ROW_NUMBER):
        share[column] = _undo_formula_guard(share[column].str.strip())
    _check_cell_lengths(share)
    return share


def _undo_formula_guard(column: pd.Series) -> pd.Series:
    """Outturn's own exports put an apostrophe before text a spreadsheet would run as a
    formula (core.csv.spreadsheet_safe): read back, the apostrophe goes, so a comment that
    began "-" round-trips as written."""
    guarded = column.str.match(FORMULA_GUARD)
    if not guarded.any():
        return column
    return column.where(~guarded, column.str.slice(1))


def _check_cell_lengths(frame: pd.DataFrame) -> None:
    for column in frame.columns.drop(ROW_NUMBER):
        lengths = frame[column].str.len()
        if lengths.max() > MAX_CELL_CHARS:
            at = lengths.idxmax()
            raise FileProblem(
                [
                    Problem(
                        f"holds {lengths[at]:,} characters; a cell may hold at most "
                        f"{MAX_CELL_CHARS:,}",
                        row=int(frame.at[at, ROW_NUMBER]),
                        column=column,
                    )
                ]
            )


def _encoding(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark) if every byte of it is, otherwise Windows-1252
    (what Excel writes as "CSV"). Checked a megabyte at a time, never decoding it whole."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(data), 1 << 20):
            decoder.decode(data[start : start + (1 << 20)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def _csv_table(data: bytes) -> Table:
    """A CSV's rows of text: refused first, on the bytes, where it cannot be one (binary, a
    NUL, too many lines, a row short of cells), then its separator found in its header, then
    parsed by pandas a share at a time (decoding the bytes as it parses: no text copy of the
    file is ever made)."""
    data = _as_utf8_if_utf16(data)
    _refuse_unreadable_bytes(data)
    encoding = _encoding(data)
    separator, fields = _separator(data, encoding)
    short = _short_lines(data, separator, fields)
    if short:
        raise FileProblem(
            [
                Problem(
                    f"has {cells} cell{'s' if cells != 1 else ''} where the header has "
                    f"{fields}; every row needs a cell for every column, even if it is "
                    "empty",
                    row=line,
                )
                for line, cells in short[:100]
            ]
        )
    first = next(_csv_shares(data, encoding, separator, lines=2), None)  # a row at least
    if first is None or first.shape[0] < 2:
        raise FileProblem("The file has a header row but no rows of figures.")
    columns = _header(first.iloc[0].fillna(""))
    rows = _record_rows(data, separator)

    def shares(wanted: list[str] | None) -> Iterator[pd.DataFrame]:
        used = None if wanted is None else [n for n, c in enumerate(columns) if c in wanted]
        names = columns if used is None else [columns[n] for n in used]
        done = 0
        for number, share in enumerate(_csv_shares(data, encoding, separator, used)):
            if number == 0:
                share = share.iloc[1:]  # the header
            share.columns = names
            if rows is not None and len(rows) >= done + len(share):
                share[ROW_NUMBER] = rows[done : done + len(share)].astype("int64")
            else:  # every line a row: the header is row 1
                share[ROW_NUMBER] = np.arange(done + 2, done + 2 + len(share))
            done += len(share)
            yield _tidied(share)

    return Table(columns, shares)


def _record_rows(data: bytes, separator: str) -> np.ndarray | None:
    """The spreadsheet row of each record after the header where blank lines come between
    them: pandas skips a blank line, but a spreadsheet counts it, so a problem's row must
    too. None where the records are rows 2, 3, 4… (no blank line), or where a quote may
    hold line breaks inside a cell (the records are then counted one a row, as before).
    A line longer than two bytes with no separator was refused as short already, so a
    blank line is an empty one or one whitespace character (not the separator)."""
    blanks = [b"\n\n", b"\n\r\n", b"\n \n", *([b"\n\t\n"] if separator != "\t" else [])]
    if b'"' in data or not any(blank in data for blank in blanks):
        return None
    raw = np.frombuffer(data, dtype=np.uint8)  # the file's own bytes, not a copy
    ends = np.concatenate(  # the line breaks, found a few megabytes at a time
        [
            np.flatnonzero(raw[start : start + CHUNK_BYTES] == 10) + start
            for start in range(0, len(raw), CHUNK_BYTES)
        ]
    )
    if not len(ends) or ends[-1] != len(raw) - 1:
        ends = np.append(ends, len(raw))  # the last line, with no line break after it
    begins = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - begins
    blank = lengths == 0
    one = np.flatnonzero(lengths == 1)
    spaces = [c for c in b" \t\r" if c != ord(separator)]
    blank[one] = np.isin(raw[begins[one]], spaces)
    if not blank[1:].any():
        return None
    lines = np.flatnonzero(~blank).astype("int32") + 1  # 4 bytes a row, held for every pass
    return lines[1:]  # each record's line; the first is the header


def _csv_shares(
    data: bytes,
    encoding: str,
    separator: str,
    used: list[int] | None = None,
    lines: int | None = None,
) -> Iterator[pd.DataFrame]:
    """The CSV's lines, header included, as frames of text SHARE_ROWS lines at a time: the
    columns at `used` (all if None), the first `lines` lines only if given."""
    try:
        # header=None: pandas would otherwise take surplus cells as an index, silently.
        with pd.read_csv(
            io.BytesIO(data),
            encoding=encoding,
            encoding_errors="replace",
            sep=separator,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
            engine="c",
            usecols=used,
            nrows=lines,
            chunksize=lines or SHARE_ROWS,
        ) as reader:
            yield from reader
    except pd.errors.ParserError as error:
        raise FileProblem(_parser_problem(str(error))) from error
    except csv.Error as error:
        raise FileProblem(f"The file could not be read as CSV: {error}") from error


def _as_utf8_if_utf16(data: bytes) -> bytes:
    """Excel's "Unicode Text" (and "CSV UTF-16"): UTF-16 with its byte-order mark, tabs
    between cells. Read as the same text in UTF-8."""
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data
    try:
        return data.decode("utf-16").encode("utf-8")
    except UnicodeDecodeError as error:
        raise FileProblem(
            "The file says it is UTF-16 text (Excel's Unicode Text) but part of it is not: "
            "save it again, as CSV UTF-8."
        ) from error


def _refuse_unreadable_bytes(data: bytes) -> None:
    if b"\x00" in data[:4096]:
        raise FileProblem("This is not a CSV file: it holds binary data. Save it as CSV or XLSX.")
    if b"\x00" in data:  # no database stores it, so the check refuses what the confirm would
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise FileProblem(
            [
                Problem(
                    "holds a NUL character (an invisible control character that cannot be "
                    "stored); delete it and save the file again",
                    row=line,
                )
            ]
        )
    lines = data.count(b"\n")  # counted on the bytes, before any copy is made
    if lines > settings.IMPORT_MAX_ROWS + 1:
        raise FileProblem(
            f"The file has {lines:,} lines; Outturn reads at most "
            f"{settings.IMPORT_MAX_ROWS:,} rows. Split it into smaller files."
        )


def _separator(data: bytes, encoding: str) -> tuple[str, int]:
    """The separator the header row uses most (comma, semicolon or tab), and its cells.
    The first line only is decoded: decoding (or splitting) the whole file held a copy."""
    first = data[: data.find(b"\n")] if b"\n" in data else data
    header = first.decode(encoding, errors="replace").removeprefix("\ufeff").rstrip("\r")
    separator = max([",", ";", "\t"], key=header.count)
    if header.count(separator) == 0:
        raise FileProblem(
            "This does not look like a CSV file: the first row has no commas, semicolons or "
            "tabs between column names."
        )
    if header.count(separator) >= settings.IMPORT_MAX_COLUMNS:
        raise FileProblem(
            f"Row 1 has {header.count(separator) + 1:,} columns; Outturn reads at most "
            f"{settings.IMPORT_MAX_COLUMNS:,}."
        )
    return separator, header.count(separator) + 1


def _short_lines(data: bytes, separator: str, fields: int) -> list[tuple[int, int]]:
    """(line number, cells) of every line with fewer cells than the header: pandas fills them
    with blanks, silently. Separators are counted per line on the bytes with numpy, a few
    megabytes at a time (no copy of the file); a line with a quote in it is read by the csv
    module, which knows quoting."""
    short: list[tuple[int, int]] = []
    line_number = 1
    start = 0
    while start < len(data):
        end = data.find(b"\n", min(start + CHUNK_BYTES, len(data)))
        end = len(data) if end == -1 else end + 1
        chunk = data[start:end]
        raw = np.frombuffer(chunk, dtype=np.uint8)
        begins = np.concatenate(([0], np.flatnonzero(raw == 10) + 1))
        begins = begins[begins < len(raw)]
        ends = np.append(begins[1:], len(raw))
        # Separators and quotes in each line: where each line's bounds fall among their
        # positions (no per-byte counts held).
        separators = np.flatnonzero(raw == ord(separator))
        counts = np.searchsorted(separators, ends) - np.searchsorted(separators, begins)
        quote_marks = np.flatnonzero(raw == 34)
        quotes = np.searchsorted(quote_marks, ends) - np.searchsorted(quote_marks, begins)
        lengths = ends - begins
        # Blank lines ("", "\n" or "\r\n") are skipped by pandas, and so here; the header is
        # line 1.
        suspect = (counts < fields - 1) & (lengths > 2)
        if line_number == 1:
            suspect[0] = False
        if quotes[suspect].any():
            # A quoted cell may hold separators or line breaks: only a real CSV reader can
            # say where its records end.
            return _short_records(data, separator, fields)
        short += [
            (line_number + int(index), int(counts[index]) + 1) for index in np.flatnonzero(suspect)
        ]
        line_number += len(begins)
        start = end
    return short


def _short_records(data: bytes, separator: str, fields: int) -> list[tuple[int, int]]:
    """The csv module's reading of every record, streamed from the bytes."""
    text = io.TextIOWrapper(
        io.BytesIO(data), encoding=_encoding(data), errors="replace", newline=""
    )
    reader = csv.reader(text, delimiter=separator)
    short, first_line = [], 1
    for record in reader:
        if record and first_line > 1 and len(record) < fields:
            short.append((first_line, len(record)))
        first_line = reader.line_num + 1
    return short


CHUNK_BYTES = 4 << 20


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
    """The first sheet, streamed (openpyxl's read-only mode) within limits checked before and
    while reading, so a hostile workbook is refused with a clear message, not parsed into
    memory: the archive's declared uncompressed size (a zip bomb declares what it inflates to,
    and zipfile never inflates more than declared), then rows, columns and cell length.
    Cells formatted as percentages are read as the percentage shown (0.87 shown as 87% is
    87). Each row keeps its spreadsheet row number, blank rows included."""
    _check_archive(data)
    unsaved = _scan_parts(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, ValueError, KeyError, OSError, TypeError) as error:
        raise FileProblem(f"The workbook could not be read: {error}") from error
    try:
        rows, numbers = _sheet_rows(workbook.worksheets[0])
    except (zipfile.BadZipFile, ValueError, KeyError, OSError) as error:
        raise FileProblem(f"The workbook could not be read: {error}") from error
    finally:
        workbook.close()
    if not rows:
        raise FileProblem("The workbook's first sheet is empty.")
    width = max(len(row) for row in rows)
    header, *body = [row + [""] * (width - len(row)) for row in rows]
    while header and not header[-1] and all(not row[len(header) - 1] for row in body):
        header.pop()
        body = [row[: len(header)] for row in body]
    if unsaved:
        _refuse_unsaved_formulas(unsaved, header, set(numbers[1:]))
    frame = pd.DataFrame(body, columns=header, dtype=str)
    frame[ROW_NUMBER] = numbers[1:]
    return frame


def _sheet_rows(sheet) -> tuple[list[list[str]], list[int]]:
    """Every row with text, as text, and its spreadsheet row number; refused past the row or
    column limit as it streams."""
    rows, numbers, number = [], [], 0
    for cells in sheet.iter_rows():
        # Rows come in order, blank ones as empty cells: number them as Excel does.
        number = next((c.row for c in cells if getattr(c, "row", None)), number + 1)
        if not cells:
            continue
        if len(rows) > settings.IMPORT_MAX_ROWS:
            raise FileProblem(
                f"The sheet has more than {settings.IMPORT_MAX_ROWS:,} rows; split it into "
                "smaller files."
            )
        if len(cells) > settings.IMPORT_MAX_COLUMNS:
            raise FileProblem(
                f"Row {number} has {len(cells):,} columns; Outturn reads at most "
                f"{settings.IMPORT_MAX_COLUMNS:,}."
            )
        texts = [_cell_text(cell) for cell in cells]
        if any(texts):
            rows.append(texts)
            numbers.append(number)
    return rows, numbers


# Excel's own limit on a cell's text; in the sheet's XML (UTF-8, entities) a cell's text is at
# most four bytes a character, between two tags.
EXCEL_CELL_CHARS = 32_767
LONGEST_TEXT_BYTES = 4 * EXCEL_CELL_CHARS + 1024
_CELL = re.compile(rb'<c r="([A-Z]+)([0-9]+)"[^>]*?(?:/>|>(.*?)</c>)', re.S)
_SHEET_PARTS = re.compile(r"xl/worksheets/[^/]+\.xml|xl/sharedStrings\.xml")


def _scan_parts(data: bytes) -> set[tuple[int, int]]:
    """Stream the first sheet's XML and the shared strings a megabyte at a time, before
    openpyxl reads them (it holds a cell's text whole, and every shared string): refuse a
    cell longer than Excel allows the moment it is met, and return the (row, column index)
    of every formula cell with no saved result, which openpyxl reads as an empty cell."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    first = _first_sheet(archive)
    unsaved: set[tuple[int, int]] = set()
    for member in archive.infolist():
        if not _SHEET_PARTS.fullmatch(member.filename):
            continue
        formulas = member.filename == first
        with archive.open(member) as stream:
            since_tag, carry = 0, b""
            while chunk := stream.read(1 << 20):
                tags = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == ord("<"))
                longest = since_tag + (int(tags[0]) if len(tags) else len(chunk))
                if len(tags) > 1:
                    longest = max(longest, int(np.diff(tags).max()))
                since_tag = len(chunk) - int(tags[-1]) - 1 if len(tags) else longest
                if max(longest, since_tag) > LONGEST_TEXT_BYTES:
                    raise FileProblem(
                        f"A cell of the workbook holds more than {EXCEL_CELL_CHARS:,} "
                        "characters, Excel's own limit for a cell; nothing of it was read. "
                        "Save the sheet again from Excel, or as CSV."
                    )
                if formulas:
                    carry = _unsaved_formulas(carry + chunk, unsaved)
    return unsaved


def _unsaved_formulas(text: bytes, unsaved: set[tuple[int, int]]) -> bytes:
    """Add the formula cells in `text` that have no saved value; return what follows the last
    whole cell, to be read with the next chunk."""
    if b"<f" not in text:
        end = text.rfind(b"</c>")
        return text[end + 4 :] if end >= 0 else text[-LONGEST_TEXT_BYTES:]
    last = 0
    for cell in _CELL.finditer(text):
        last = cell.end()
        inside = cell.group(3) or b""
        if b"<f" in inside and not re.search(rb"<v>[^<]", inside):
            unsaved.add((int(cell.group(2)), column_index_from_string(cell.group(1).decode())))
    return text[last:]


def _first_sheet(archive: zipfile.ZipFile) -> str:
    """The part openpyxl reads as the first sheet: the workbook's first <sheet>, through its
    relationship."""
    from xml.etree import ElementTree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    relation = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        first = book.find(f"{main}sheets/{main}sheet").get(relation)
        target = next(r.get("Target") for r in rels if r.get("Id") == first)
    except (KeyError, AttributeError, StopIteration, ElementTree.ParseError):
        return "xl/worksheets/sheet1.xml"
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _refuse_unsaved_formulas(unsaved, header: list[str], rows: set[int]) -> None:
    problems = Problems(
        Problem(
            "holds a formula with no saved result (the program that saved the file did not "
            "calculate it): open the file in Excel or LibreOffice, let it calculate and save "
            "it, or paste the figures as values",
            row=row,
            column=header[column - 1] or get_column_letter(column),
        )
        for row, column in sorted(unsaved)
        if row in rows and column <= len(header)
    )
    if problems:
        raise FileProblem(problems)


def _check_archive(data: bytes) -> None:
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise FileProblem(f"The workbook could not be read: {error}") from error
    inflated = sum(member.file_size for member in members)
    limit = settings.IMPORT_MAX_XLSX_INFLATED_BYTES
    if inflated > limit:
        raise FileProblem(
            f"The workbook unpacks to {size_text(inflated)}; the most Outturn reads is "
            f"{size_text(limit)}. Save it as CSV, or split it into smaller files."
        )


def _cell_text(cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        # Excel turns a typed "2016-07" into the 1st of July: read it back as the month.
        if value.day == 1 and value.time() == time(0):
            return value.strftime("%Y-%m")
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        if "%" in (getattr(cell, "number_format", "") or ""):
            value = value * 100  # a cell showing 87% holds 0.87
        return format(value, ".12g")
    return str(value).strip()
