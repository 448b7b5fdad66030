"""Returns: every bad-input case names what and where, and stores nothing."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from imports import service
from imports.models import ImportBatch
from indicators.models import Value

pytestmark = pytest.mark.django_db

HEADER = "authority,indicator,period,value\n"


def stage(text: str | bytes, name: str = "return.csv", **options):
    data = text.encode() if isinstance(text, str) else text
    return service.stage("returns", data, name, options=options)


def snapshot():
    return list(Value.objects.order_by("id").values_list("id", "value", "no_value_reason"))


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ("Nowhere,CIN-REREF,2016-17,20", 'Row 3, column authority: "Nowhere" is not an authority'),
        ("E08000017,NOPE,2016-17,20", 'Row 3, column indicator: "NOPE" is not an indicator'),
        ("E08000017,CIN-REREF,2016-17 Q5,20", 'Row 3, column period: "2016-17 Q5" is not a period'),
        ("E08000017,CIN-REREF,2016-17,twenty", 'Row 3, column value: "twenty" is not a number'),
        (
            "E08000017,CIN-REREF,2016-17,101",
            'Row 3, column value: "101" is above 100, the most a figure in per cent can be',
        ),
        ("E08000017,CIN-REREF,2016-17,-1%", 'Row 3, column value: "-1%" is negative'),
        ("E08000017,CIN-REREF,0000-01,5", 'Row 3, column period: "0000-01" is outside the years'),
        (
            "E08000017,CIN-REREF,9999-00 Q4,5",
            'Row 3, column period: "9999-00 Q4" is outside the years',
        ),
        (
            "E08000017,CIN-REREF,2098-99 Q1,5",
            'Row 3, column period: "2098-99 Q1" has not begun yet',
        ),
        (
            "E08000017,CIN-REREF,2016-17,20\n371,cin-reref,2016/17,21",
            "Row 4: repeats the authority, indicator and period of row 3",
        ),
        (",CIN-REREF,2016-17,20", 'Row 3, column authority: "" is empty'),
    ],
)
def test_each_bad_row_is_named_and_nothing_is_saved(england, rows, expected):
    before = snapshot()
    staged = stage(HEADER + "E08000017,CIN-REFS,2016-17,4479\n" + rows)
    messages = [str(p) for p in staged.problems]
    assert any(m.startswith(expected) for m in messages), messages
    assert staged.batch.state == ImportBatch.State.REJECTED
    assert snapshot() == before


def test_every_problem_in_the_file_is_listed_not_just_the_first(england):
    staged = stage(HEADER + "Nowhere,NOPE,soon,abc\nE08000017,CIN-REREF,2016-17,200\n")
    where = [(p.row, p.column) for p in staged.problems]
    assert where == [
        (2, "authority"),
        (2, "indicator"),
        (2, "period"),
        (2, "value"),
        (3, "value"),
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "The file is empty."),
        (b"  \r\n ", "The file is empty."),
        (b"authority,indicator,period,value\n", "header row but no rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV file"),
        (b"just some words\nand more", "does not look like a CSV file"),
        (b"authority,indicator,value\nE08000017,CIN-REFS,1", "no period column"),
        (
            b"authority,indicator,period,value\nE08000017,CIN-REFS,2016-17,1,2,3",
            "Row 2: has 6 cells",
        ),
    ],
)
def test_a_file_that_cannot_be_read_says_why(england, data, expected):
    staged = stage(data)
    assert expected in str(staged.problems[0])
    assert Value.objects.count() == 0


def test_a_file_too_large_is_refused(england, settings):
    settings.IMPORT_MAX_BYTES = 100
    staged = stage(HEADER + "E08000017,CIN-REFS,2016-17,4479\n" * 10)
    assert "the largest Outturn accepts" in str(staged.problems[0])


def test_numbers_symbols_and_names_as_people_write_them(england):
    staged = stage(
        "Authority,INDICATOR,Period,Value,Numerator,Denominator,Note\n"
        'Doncaster,CIN-REFS,2016/17,"4,479",,,\n'
        "371,CIN-REREF,2016-17,23%,1030,4479,\n"
        "e08000017,cpp-repeat,2016-17,[c],c,,suppressed\n"
        "E08000017,CPP-2YRS,2016-17,,,,not yet\n"
    )
    assert staged.problems == []
    service.apply(staged.batch)
    stored = {v.indicator.code: v for v in Value.objects.select_related("indicator", "period")}
    assert stored["CIN-REFS"].value == 4479
    assert stored["CIN-REREF"].value == 23
    assert stored["CIN-REREF"].numerator == 1030
    assert (stored["CPP-REPEAT"].value, stored["CPP-REPEAT"].no_value_reason) == (None, "c")
    assert stored["CPP-REPEAT"].note == "suppressed"
    assert stored["CPP-2YRS"].no_value_reason == "blank"
    assert stored["CIN-REFS"].period.code == "2016-17"


@pytest.mark.parametrize(
    ("encoding", "separator", "newline", "bom"),
    [
        ("utf-8", ",", "\n", False),
        ("utf-8", ",", "\r\n", True),
        ("cp1252", ";", "\r\n", False),
        ("utf-8", "\t", "\n", False),
    ],
)
def test_excel_and_other_csv_dialects(england, encoding, separator, newline, bom):
    lines = [
        ["authority", "indicator", "period", "value", "note"],
        ["Doncaster", "CIN-REFS", "2016-17", "4479", "Noted – café"],
    ]
    text = newline.join(separator.join(cells) for cells in lines) + newline
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)
    staged = stage(data)
    assert staged.problems == []
    service.apply(staged.batch)
    assert Value.objects.get().note == "Noted – café"


def test_an_xlsx_workbook_of_the_same_layout(england):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["authority", "indicator", "period", "value"])
    sheet.append(["E08000017", "CIN-REREF", "2016-17", 23.5])
    buffer = io.BytesIO()
    book.save(buffer)
    staged = stage(buffer.getvalue(), name="return.xlsx")
    assert staged.problems == []
    service.apply(staged.batch)
    assert Value.objects.get().value == 23.5


def test_the_wide_layout_leaves_empty_cells_alone(england):
    first = stage("authority,indicator,2015-16,2016-17\nE08000017,CIN-REFS,4000,4479\n")
    service.apply(first.batch)
    second = stage("authority,indicator,2015-16,2016-17\nE08000017,CIN-REFS,,x\n", name="b.csv")
    assert second.problems == []
    assert second.counts == {"new": 0, "changed": 1, "unchanged": 0}
    service.apply(second.batch)
    stored = dict(Value.objects.values_list("period__code", "value"))
    assert stored == {"2015-16": 4000, "2016-17": None}
    assert Value.objects.get(period__code="2016-17").no_value_reason == "x"


def test_a_bad_cell_in_the_wide_layout_names_its_period_column(england):
    staged = stage("authority,indicator,2015-16,2016-17\nE08000017,CIN-REREF,20,lots\n")
    assert [str(p) for p in staged.problems] == [
        'Row 2, column 2016-17: "lots" is not a number, a blank, or one of DfE\'s symbols '
        "(c, k, low, u, x, z)"
    ]


def test_the_preview_shows_every_change_old_to_new_before_anything_is_saved(england):
    service.apply(stage(HEADER + "E08000017,CIN-REFS,2016-17,4479\n").batch)
    staged = stage(
        HEADER + "E08000017,CIN-REFS,2016-17,4500\nE08000017,CIN-REFS,2015-16,4000\n",
        name="second.csv",
    )
    assert staged.counts == {"new": 1, "changed": 1, "unchanged": 0}
    assert staged.changes == [
        {
            "row": 2,
            "authority": "Doncaster",
            "indicator": "CIN-REFS",
            "period": "2016-17",
            "old": "4479",
            "new": "4500",
            "status": "No target set",
        },
        {  # new rows are shown too, with the status they would have
            "row": 3,
            "authority": "Doncaster",
            "indicator": "CIN-REFS",
            "period": "2015-16",
            "old": "new",
            "new": "4000",
            "status": "No target set",
        },
    ]
    assert Value.objects.get().value == 4479  # not yet confirmed


def test_importing_the_same_content_again_changes_nothing(england):
    data = HEADER + "E08000017,CIN-REFS,2016-17,4479\n"
    first = service.apply(stage(data).batch)
    again = stage(data, name="renamed.csv")
    assert again.batch is None
    assert again.duplicate_of == first
    assert ImportBatch.objects.filter(kind="returns").count() == 1


def test_re_uploading_an_earlier_file_to_put_a_figure_back_is_a_change(england):
    """Decided by the diff against what is stored, not by the file's hash alone."""
    original = HEADER + "E08000017,CIN-REFS,2016-17,4479\n"
    service.apply(stage(original).batch)
    service.apply(stage(HEADER + "E08000017,CIN-REFS,2016-17,4500\n", name="b.csv").batch)
    back = stage(original, name="a-again.csv")
    assert back.duplicate_of is None
    assert back.counts == {"new": 0, "changed": 1, "unchanged": 0}
    service.apply(back.batch)
    assert Value.objects.get().value == 4479


def test_reimporting_the_same_figures_in_a_new_file_writes_nothing(england):
    service.apply(stage(HEADER + "E08000017,CIN-REFS,2016-17,4479\n").batch)
    updated = Value.objects.get().updated_at
    batch = service.apply(stage(HEADER + "Doncaster,CIN-REFS,2016/17,4479\n").batch)
    assert batch.counts == {"new": 0, "changed": 0, "unchanged": 1, "moved": 0}
    assert Value.objects.get().updated_at == updated


def test_provisional_figures_stay_provisional_until_a_return_confirms_them(england):
    service.apply(stage(HEADER + "E08000017,CIN-REFS,2016-17,4479\n", provisional=True).batch)
    assert Value.objects.get().provisional is True
    service.apply(
        stage(
            "authority,indicator,period,value,provisional\nE08000017,CIN-REFS,2016-17,4479,no\n"
        ).batch
    )
    assert Value.objects.get().provisional is False


def test_a_figure_quoted_without_its_period_says_so_through_the_import(england):
    """Issue 28, finding 3: a source that gives no period (a report's "latest national
    outturn") is filed with period_stated no; saying so later is a change like any other."""
    header = "authority,indicator,period,value,period_stated\n"
    staged = stage(header + "E92000001,CIN-REFS,2016-17,600000,maybe\n")
    assert [str(p) for p in staged.problems] == [
        'Row 2, column period_stated: "maybe" is not yes or no (write no where the source gave '
        "the figure without its period)"
    ]
    service.apply(stage(header + "E92000001,CIN-REFS,2016-17,600000,no\n").batch)
    assert Value.objects.get().period_stated is False
    staged = stage(header + "E92000001,CIN-REFS,2016-17,600000,\n", "stated.csv")
    assert staged.counts["changed"] == 1
    service.apply(staged.batch)
    assert Value.objects.get().period_stated is True


def test_a_failure_part_way_leaves_the_database_as_it_was(england, monkeypatch):
    service.apply(stage(HEADER + "E08000017,CIN-REFS,2016-17,4479\n").batch)
    before = snapshot()
    real_write = service._write

    def write_then_fail(batch, checked):
        real_write(batch, checked)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(service, "_write", write_then_fail)
    staged = stage(HEADER + "E08000017,CIN-REFS,2016-17,1\nE08000017,CIN-REFS,2015-16,2\n", "b.csv")
    batch = service.apply(staged.batch)
    assert batch.state == ImportBatch.State.FAILED
    assert "Nothing was saved: something went wrong while the file was being saved" in batch.message
    assert "the database went away" not in batch.message  # the machine's words go to the log
    assert snapshot() == before


def test_a_batch_is_applied_once_however_often_it_is_confirmed(england):
    staged = stage(HEADER + "E08000017,CIN-REFS,2016-17,4479\n")
    service.apply(staged.batch)
    Value.objects.update(value=1)
    service.apply(staged.batch)  # a second click
    assert Value.objects.get().value == 1


def test_the_published_national_values_import_cleanly(england, django_capture_on_commit_callbacks):
    data = (england / "values.csv").read_bytes()
    staged = service.stage("returns", data, "values.csv")
    assert staged.problems == []
    with django_capture_on_commit_callbacks(execute=True):
        batch = service.apply(staged.batch)
    batch.refresh_from_db()
    # Every published row is a figure (DfE's values.csv: 20,243, of which 936 suppressed;
    # the demo's copy, on a fresh clone, adds what DfE's tidy files hold beside it)…
    import pandas as pd

    published = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    assert len(published) >= 20243
    # …but for rows repeating one under an authority's former code, which the check says.
    repeated = [re.match(r"([\d,]+) row\(s\) under a former code repeat", n) for n in staged.notes]
    left_out = sum(int(m.group(1).replace(",", "")) for m in repeated if m)
    assert batch.counts["new"] == len(published) - left_out
    # Each suppressed figure is stored with why it has no value.
    assert Value.objects.exclude(no_value_reason="").count() >= 936
    assert not Value.objects.filter(value__isnull=True, no_value_reason="").exists()
    assert batch.recompute_state == ImportBatch.Recompute.DONE


def test_a_column_named_twice_is_refused(england):
    staged = stage("authority,Authority,indicator,period,value\nE1,E1,A,2016-17,1\n")
    assert str(staged.problems[0]) == (
        "The column authority appears more than once in the header row."
    )


@pytest.mark.django_db(transaction=True)  # SQLite checks its foreign keys at a real commit
def test_a_place_removed_while_the_file_is_saved_is_said_in_words(monkeypatch):
    """Something the file names removed behind Outturn's back (raw SQL: every Outturn write
    of places moves the data version, so the file would be checked again and the place
    reported as a problem) between the check and the write: the database refuses the figures,
    and the officer reads what happened and what to do, not the database's own words."""
    from django.db import connection

    from authorities.models import Authority
    from tests.factories import AuthorityFactory, IndicatorFactory

    AuthorityFactory(code="E08000017", name="Doncaster", slug="doncaster")
    IndicatorFactory(code="CIN-REFS", unit="count", polarity="none")
    staged = stage(HEADER + "E08000017,CIN-REFS,2016-17,4479\n")
    assert not staged.problems, staged.problems
    real_write = service._write

    def removed_meanwhile(batch, checked):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM authorities_authority WHERE code = 'E08000017'")
        return real_write(batch, checked)

    monkeypatch.setattr(service, "_write", removed_meanwhile)
    batch = service.apply(staged.batch)
    assert batch.state == ImportBatch.State.FAILED
    assert not Value.objects.exists()
    assert Authority.objects.filter(code="E08000017").exists()  # rolled back with the rest
    if connection.vendor == "postgresql":  # it says which
        assert batch.message.startswith("Nothing was saved: an authority the file names (id ")
        assert "was removed while the file was being saved." in batch.message
    else:  # SQLite's foreign keys say only that one failed
        assert batch.message.startswith(
            "Nothing was saved: something the file names changed in the database while the "
            "file was being saved (the database said: FOREIGN KEY constraint failed)."
        )
    assert batch.message.endswith(service.AGAIN)
    assert "CONTEXT" not in batch.message
    assert "\n" not in batch.message


@pytest.mark.parametrize(
    ("cells", "read"),
    [
        (["81,5"], [81.5]),
        (["81,5", "1,500", "12"], [81.5, 1.5, 12]),  # a file of decimal commas
        (["81,5%"], [81.5]),
        (["1,669"], [1669]),  # thousands, as DfE writes counts
        (["1,669", "82.5", "12,345.6"], [1669, 82.5, 12345.6]),
        (["82.5", "81,5"], [82.5, None]),  # either reading: refused, never 815
        (["1,5,0"], [None]),
    ],
)
def test_a_comma_is_read_as_the_file_uses_it(cells, read):
    """Issue 30, finding 3: "81,5" was read as 815."""
    import pandas as pd

    from imports.lookups import numbers

    parsed = numbers(pd.Series(cells, dtype="str"))
    assert [None if pd.isna(x) else x for x in parsed] == read


def test_a_decimal_comma_among_points_is_a_problem_at_its_cell(england):
    staged = stage(HEADER + 'E08000017,CIN-REREF,2016-17,22.5\nE08000017,CPP-2YRS,2016-17,"81,5"\n')
    assert [str(p) for p in staged.problems] == [
        'Row 3, column value: "81,5" uses a comma as its decimal point, but other figures in '
        "the file use a point, so it could be read either way: write it with a point (81.5)"
    ]
    staged = stage(HEADER + 'E08000017,CPP-2YRS,2016-17,"81,5"\n')
    assert staged.problems == []
    assert staged.batch.changes[0]["new"] == "81.5"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_excels_unicode_text_is_read(england, encoding):
    """Issue 30: a UTF-16 CSV (Excel's "Unicode Text", tab-separated) was called binary."""
    text = "authority\tindicator\tperiod\tvalue\nE08000017\tCIN-REFS\t2016-17\t4479\n"
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    staged = stage(data)
    assert staged.problems == []
    assert staged.batch.changes[0]["new"] == "4479"


@pytest.mark.parametrize(
    ("said", "found"),
    [
        (
            'insert or update on table "indicators_value" violates foreign key constraint "x"\n'
            'DETAIL:  Key (period_id)=(7) is not present in table "indicators_period".',
            ("indicators_period", "7"),
        ),
        (
            'update or delete on table "authorities_authority" violates foreign key constraint '
            '"x" on table "indicators_value"\nDETAIL:  Key (id)=(12) is still referenced from '
            'table "indicators_value".',
            ("authorities_authority", "12"),
        ),
        ("FOREIGN KEY constraint failed", None),
    ],
)
def test_what_was_removed_is_read_from_either_side_of_the_key(said, found):
    assert service.removed_reference(said) == found
