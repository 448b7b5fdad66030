from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.management import CommandError, call_command

from core.csv import spreadsheet_safe
from indicators.models import Value
from reports.export import QUARTER_COLUMNS

pytestmark = pytest.mark.django_db

URL = "/a/doncaster/q/2016-17-q2/export.csv"


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_quarter_downloads_as_csv_with_export_codes(panel_member, client):
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "outturn-doncaster-2016-17-q2.csv" in response["Content-Disposition"]
    text = response.content.decode()
    assert text.splitlines()[0] == ",".join(QUARTER_COLUMNS)
    rows = {row["indicator"]: row for row in _rows(text)}
    assert rows["A2"] == {
        "authority": "E08000017",
        "indicator": "A2",
        "name": "Single assessments completed within 45 working days",
        "unit": "percent",
        "period": "2016-17 Q2",
        "value": "82",
        "value_stored": "82",
        "target": "92",
        "tolerance": "90",
        "status": "outside_tolerance",
        "direction": "",
        "hard_to_shift": "true",
        "status_reported": "false",
        # The demo's A2 has two quarters: too few for a control chart, so these are empty.
        "variation": "",
        "assurance": "",
        "mean": "",
        "lower_limit": "",
        "upper_limit": "",
        "limits_from_points": "",
        # Compared on its own England figure, as the report quotes it.
        "compared_on": "A2",
        "how_close": "",
        "compared_unit": "percent",
        "compared_period": "not stated",  # quoted without a year (issue 28, finding 3)
        "england": "81.5",
        "region": "",
        "neighbours_mean": "",
        "neighbours_median": "",
        "neighbours_with_figure": "0",
        "neighbours_of": "0",
        "own_on_compared": "",
        "band": "",
    }
    assert rows["C14"]["status"] == "within_tolerance"
    assert rows["C14"]["direction"] == "better"
    assert rows["E1"]["direction"] == "down"
    assert rows["B8"]["value"] == ""
    assert (rows["B8"]["status"], rows["B8"]["status_reported"]) == ("on_target", "true")
    assert len(rows) == 27


def test_the_command_writes_the_same_csv(panel_member, client, tmp_path):
    output = tmp_path / "q2.csv"
    call_command("export_quarter", authority="E08000017", period="Q2 2016/17", output=output)
    assert output.read_text() == client.get(URL).content.decode()


def test_the_command_finds_an_authority_by_number_or_name(demo, capsys):
    call_command("export_quarter", authority="371", period="2016-17 Q2")
    assert "E08000017,A1,Re-referrals to social care within 12 months,percent,2016-17 Q2,24" in (
        capsys.readouterr().out
    )
    call_command("export_quarter", authority="doncaster", period="2016/17 Q2")
    assert "outside_tolerance" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("authority", "period", "message"),
    [
        ("Nowhere", "2016-17 Q2", 'No authority has the code, number or name "Nowhere"'),
        ("E08000017", "2016-17 Q7", '"2016-17 Q7" is not a period'),
        ("E08000017", "2016-17", "is a year: give a quarter"),
        ("E08000017", "2030-31 Q1", "No figures are stored for Quarter 1 2030/31"),
    ],
)
def test_the_command_explains_bad_arguments(demo, authority, period, message):
    with pytest.raises(CommandError, match=message):
        call_command("export_quarter", authority=authority, period=period)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1", "'+1"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Doncaster", "Doncaster"),
        (-1.5, "-1.5"),
        (1234567.891, "1234567.891"),  # every digit, never "1.23457e+06"
        (81.4568, "81.4568"),
        (4479, "4479"),
        (True, "true"),
        (None, ""),
    ],
)
def test_exports_never_carry_a_formula(cell, expected):
    assert spreadsheet_safe(cell) == expected


def test_the_export_writes_the_figure_as_judged_and_shown(panel_member, client):
    """Not six significant figures ('81.4568', '1.23457e+06'), and the page agrees."""
    from indicators.recompute import recompute

    Value.objects.filter(indicator__code="B9", period__code="2016-17 Q2").update(value=59.999)
    Value.objects.filter(indicator__code="E1", period__code="2016-17 Q2").update(value=1234567.891)
    recompute()
    rows = {row["indicator"]: row for row in _rows(client.get(URL).content.decode())}
    assert rows["B9"]["value"] == "60"
    assert rows["E1"]["value"] == "1234568"
    html = client.get("/a/doncaster/q/2016-17-q2/").content.decode()
    assert "60.00%" not in html
    quarter = client.get("/a/doncaster/q/2016-17-q2/").context["quarter"]
    b9 = next(row for row in quarter.measures if row.indicator.code == "B9")
    # 60% against a tolerance of 60%: within tolerance, as read (59.999 would be outside).
    assert (b9.target.tolerance, b9.status.value) == (60, "within_tolerance")


def test_every_figure_carries_its_unit(panel_member, client):
    """Issue 28, finding 4: F03 read "0.08 against a target of 0.42" with no unit on the
    card, the table and the paper; a rate per 1,000 says so wherever it stands, and the
    exports name each row's unit."""
    page = " ".join(client.get("/a/doncaster/q/2016-17-q2/").content.decode().split())
    assert "0.08 per 1,000" in page
    assert "Target 0.42 per 1,000 · Tolerance 0.75 per 1,000" in page  # its card
    rows = {row["indicator"]: row for row in _rows(client.get(URL).content.decode())}
    assert (rows["F03"]["unit"], rows["F03"]["value"]) == ("rate_per_1000", "0.08")
    assert rows["A2"]["unit"] == "percent"
    table = client.get("/a/doncaster/q/2016-17-q2/?_export=csv").content.decode()
    exported = {row["indicator"]: row for row in csv.DictReader(io.StringIO(table))}
    assert exported["F03"]["unit"] == "rate_per_1000"


def test_the_table_exports_agree_with_export_csv(panel_member, client):
    """Issue 28, finding 4: the table's CSV is export.csv's rows for the measures shown, in
    the table's order, and its XLSX the same again, with a title row naming the authority,
    the quarter and its cut-off, and percentages as percent-formatted numbers. The table's
    export said on_target with a blank value for A06, B8, B10 and YOS-EET: status_reported
    now says those statuses were published without a figure."""
    from openpyxl import load_workbook

    every = {row["indicator"]: row for row in _rows(client.get(URL).content.decode())}
    address = "/a/doncaster/q/2016-17-q2/?category=&status=on_target&m-sort=-code&_export="
    page = client.get(address.removesuffix("&_export=")).content.decode()
    shown = re.findall(r'<tr [^>]*data-indicator="([^"]+)"', page)
    table = _rows(client.get(address + "csv").content.decode())
    assert [row["indicator"] for row in table] == shown[: len(table)]
    assert {row["status"] for row in table} == {"on_target"}
    for row in table:
        assert row == every[row["indicator"]]
    assert every["B8"]["status_reported"] == "true"
    book = load_workbook(io.BytesIO(client.get(address + "xlsx").content))
    sheet = book.active
    assert sheet["A1"].value.startswith("Doncaster, Quarter 2 2016/17: measures exported")
    assert "periods ended by 30 September 2016" in sheet["A1"].value
    header = [cell.value for cell in sheet[2]]
    assert header == QUARTER_COLUMNS
    rows = {r[1]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(3, values_only=True)}
    assert set(rows) == {row["indicator"] for row in table}
    value = next(c for c in sheet[3 + list(rows).index("A1")] if c.column == 6)
    assert (value.value, value.number_format) == (0.24, "0%")
    assert rows["F03"]["value"] == 0.08  # a rate is a plain number
