"""Workbooks are read streamed and within limits: a zip bomb, a giant cell, a wide header are
refused with a clear message before they cost memory; percent cells read as shown; rows keep
their spreadsheet numbers."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from imports.files import read_table
from imports.problems import FileProblem


def workbook(rows, formats=None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for ref, number_format in (formats or {}).items():
        sheet[ref].number_format = number_format
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def bomb(inflated_bytes: int) -> bytes:
    """A valid workbook whose sheet holds one inline-string cell of `inflated_bytes` spaces:
    a few hundred kilobytes that unpack to whatever is asked."""
    good = zipfile.ZipFile(io.BytesIO(workbook([["authority"], ["x"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in good.infolist():
            if member.filename == "xl/worksheets/sheet1.xml":
                with target.open(member.filename, "w", force_zip64=True) as sheet:
                    sheet.write(
                        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml'
                        b'/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
                    )
                    chunk = b" " * (1 << 20)
                    for _ in range(inflated_bytes // len(chunk)):
                        sheet.write(chunk)
                    sheet.write(b"</t></is></c></row></sheetData></worksheet>")
            else:
                target.writestr(member, good.read(member.filename))
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_unpacked(settings):
    settings.IMPORT_MAX_XLSX_INFLATED_BYTES = 50 * 1024 * 1024
    data = bomb(64 * 1024 * 1024)
    assert len(data) < 1024 * 1024
    with pytest.raises(FileProblem, match="unpacks to 64 MB; the most Outturn reads is 50 MB"):
        read_table(data, "bomb.xlsx")


@pytest.mark.parametrize("name", ["long.xlsx", "long.csv"])
def test_an_overlong_cell_is_refused_with_its_row_and_column(name):
    rows = [["authority", "note"], ["Doncaster", "short"], ["Doncaster", "x" * 20_000]]
    if name.endswith(".xlsx"):
        data = workbook(rows)
    else:
        data = "\n".join(",".join(row) for row in rows).encode()
    with pytest.raises(FileProblem, match="Row 3, column note: holds 20,000 characters"):
        read_table(data, name)


def test_a_header_wider_than_the_limit_is_refused(settings):
    settings.IMPORT_MAX_COLUMNS = 50
    data = workbook([[f"c{n}" for n in range(60)], list(range(60))])
    with pytest.raises(FileProblem, match="Row 1 has 60 columns; Outturn reads at most 50"):
        read_table(data, "wide.xlsx")


def test_a_csv_header_wider_than_the_limit_is_refused(settings):
    settings.IMPORT_MAX_COLUMNS = 50
    data = (",".join(f"c{n}" for n in range(60)) + "\n" + ",".join("1" * 60) + "\n").encode()
    with pytest.raises(FileProblem, match="Row 1 has 60 columns; Outturn reads at most 50"):
        read_table(data, "wide.csv")


def test_too_many_rows_are_refused(settings):
    settings.IMPORT_MAX_ROWS = 10
    data = workbook([["a", "b"], *[[n, n] for n in range(20)]])
    with pytest.raises(FileProblem, match="more than 10 rows"):
        read_table(data, "long.xlsx")


def test_percent_cells_read_as_the_percentage_shown():
    data = workbook(
        [["authority", "indicator", "period", "value"], ["Doncaster", "A2", "2016-17 Q2", 0.87]],
        formats={"D2": "0%"},
    )
    assert read_table(data, "percent.xlsx")["value"].tolist() == ["87"]


def test_rows_keep_their_spreadsheet_numbers_after_blank_rows():
    data = workbook([["authority", "value"], ["A", 1], [], [], ["B", 2]])
    table = read_table(data, "gaps.xlsx")
    assert table["row_number"].tolist() == [2, 5]


def test_a_repeated_header_column_is_refused_not_renamed():
    data = workbook([["authority", "value", "value"], ["A", 1, 2]])
    with pytest.raises(FileProblem, match="value appears more than once"):
        read_table(data, "twice.xlsx")


def test_typed_months_read_back_as_months():
    import datetime

    data = workbook([["authority", "period"], ["A", datetime.date(2016, 7, 1)]])
    assert read_table(data, "month.xlsx")["period"].tolist() == ["2016-07"]


def test_a_formula_with_no_saved_result_is_a_problem_at_its_cell(demo):
    """Issue 30, finding 2: many tools (openpyxl itself) write a formula without its result;
    it was read as a blank, and the preview showed a stored 72 becoming blank."""
    from imports import service
    from indicators.models import Value

    data = workbook(
        [
            ["authority", "indicator", "period", "value"],
            ["E08000017", "A3", "2016-17 Q2", "=90+6"],
            ["E08000017", "A2", "2016-17 Q2", 82],
        ]
    )
    before = Value.objects.get(indicator__code="A3", period__code="2016-17 Q2").value
    staged = service.stage("returns", data, "return.xlsx")
    assert [str(p) for p in staged.problems] == [
        "Row 2, column value: holds a formula with no saved result (the program that saved "
        "the file did not calculate it): open the file in Excel or LibreOffice, let it "
        "calculate and save it, or paste the figures as values"
    ]
    assert Value.objects.get(indicator__code="A3", period__code="2016-17 Q2").value == before


def test_a_formula_with_its_saved_result_is_read_as_the_result():
    data = workbook([["authority", "value"], ["E08000017", "=1+1"]])
    archive = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in archive.infolist():
            content = archive.read(member.filename)
            if member.filename == "xl/worksheets/sheet1.xml":  # as Excel saves it: with <v>
                content = content.replace(b"<f>1+1</f><v></v>", b"<f>1+1</f><v>2</v>")
                content = content.replace(b"<f>1+1</f><v />", b"<f>1+1</f><v>2</v>")
                assert b"<v>2</v>" in content
            target.writestr(member, content)
    assert read_table(out.getvalue(), "saved.xlsx").loc[0, "value"] == "2"


def test_one_huge_cell_is_refused_as_it_streams_before_openpyxl_reads_it(monkeypatch):
    """Issue 30, finding 7: a 195 KB workbook whose one cell inflates to 190 MB was refused
    only after the cell was read whole (a worker went 210 -> 780 MB). Within the archive
    limit, it is now refused at the first megabyte of the cell."""

    def never(*args, **kwargs):
        raise AssertionError("openpyxl read the workbook")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    with pytest.raises(FileProblem, match="holds more than 32,767 characters"):
        read_table(bomb(8 * 1024 * 1024), "one-cell.xlsx")
