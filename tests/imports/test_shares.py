"""Issue 30, finding 6: memory bounded by design. A return is checked a share of rows at a
time, with the facts that span the file found first from its keys; problems are counted and
streamed to the problem file, and only the first few thousand are held. Checked in shares of
a few rows, every file here must say exactly what it says checked whole."""

from __future__ import annotations

import gzip
import io

import pandas as pd
import pytest

from imports import files, lookups, returns
from imports.files import read_shares
from imports.problems import Problem, ProblemLog, Problems
from imports.returns import check_returns

pytestmark = pytest.mark.django_db

HEADER = "authority,indicator,period,value,numerator\n"


def checked_in_shares(monkeypatch, text: str, rows: int):
    monkeypatch.setattr(files, "SHARE_ROWS", rows)
    return check_returns(read_shares(text.encode()))


def said(checked) -> tuple:
    """All the check says: every problem (from the problem file), the rows, the notes."""
    problem_file = gzip.decompress(checked.problems.file()).decode()
    frame = checked.frame.reset_index(drop=True)
    return problem_file, frame.to_csv(), checked.notes, checked.layout, checked.ignored_columns


def same_in_shares(monkeypatch, text: str):
    whole = checked_in_shares(monkeypatch, text, 1_000_000)
    for rows in (1, 2, 3):
        assert said(checked_in_shares(monkeypatch, text, rows)) == said(whole), rows
    return whole


@pytest.mark.parametrize(
    "body",
    [
        # A key repeated shares apart, and twice more.
        "E08000017,A2,2016-17 Q2,81,\nE08000017,A2,2016-17 Q3,80,\nE08000017,A3,2016-17 Q2,9,\n"
        "E08000017,A2,2016-17 Q2,82,\nE08000018,A2,2016-17 Q2,7,\nE08000017,A2,2016-17 Q2,83,\n",
        # Decimal commas: "81,5" in one share makes "1,500" in another 1.5…
        'E08000017,A2,2016-17 Q2,"1,500",\nE08000017,A2,2016-17 Q3,80,\n'
        'E08000017,A3,2016-17 Q2,"81,5",\n',
        # …and a decimal point anywhere makes "81,5" ambiguous, however far apart.
        "E08000017,A2,2016-17 Q2,81.5,\nE08000017,A2,2016-17 Q3,80,\n"
        'E08000017,A3,2016-17 Q2,"81,5",\n',
        # The same in the numerator, and a wrong authority, indicator and period.
        "E08000017,A2,2016-17 Q2,8,1.5\nE08000017,A2,2016-17 Q3,8,2\n"
        'E08000017,A3,2016-17 Q2,8,"3,5"\n'
        "nowhere,A2,2016-17 Q2,8,\nE08000017,ZZ,2016-17 Q2,8,\nE08000017,A2,2016-17 Q9,8,\n",
        # Nothing wrong: the rows to store, whatever the shares.
        "E08000017,A2,2016-17 Q2,81,\nE08000017,A2,2016-17 Q3,80,\nE08000017,A3,2016-17 Q2,9,\n"
        "E08000017,A2,2016-17 Q4,82,\nE08000018,A2,2016-17 Q2,7,\n",
    ],
)
def test_a_long_file_checked_in_shares_says_what_it_says_whole(demo, monkeypatch, body):
    same_in_shares(monkeypatch, HEADER + body)


def test_shares_decide_decimal_commas_by_the_whole_column(demo, monkeypatch):
    text = HEADER + 'E08000017,A2,2016-17 Q2,"1,500",\nE08000017,A3,2016-17 Q2,"81,5",\n'
    checked = same_in_shares(monkeypatch, text)
    assert checked.ok
    assert checked.frame["value"].tolist() == [1.5, 81.5]
    clash = HEADER + "E08000017,A2,2016-17 Q2,81.5,\n" + 'E08000017,A3,2016-17 Q2,"81,5",\n'
    checked = same_in_shares(monkeypatch, clash)
    assert [(p.row, p.column, p.text) for p in checked.problems] == [(3, "value", "81,5")]


def test_a_wide_file_checked_in_shares_says_what_it_says_whole(demo, monkeypatch):
    text = (
        "authority,indicator,2016-17 Q2,Q2 2016-17,2016-17 Q3\n"
        "E08000017,A2,81,81,80\n"
        "E08000017,A3,9,,8\n"
        "E08000017,A2,,,79\n"  # repeats row 2's 2016-17 Q3
    )
    checked = same_in_shares(monkeypatch, text)
    assert [str(p) for p in checked.problems] == [
        'Row 2, column q2 2016-17: "81" gives a second figure for Quarter 2 2016/17 (column '
        "2016-17 q2 gives one already)",
        "Row 4: repeats the authority, indicator and period of row 2",
    ]


def test_former_codes_are_followed_across_shares(england, monkeypatch):
    """DfE's files give some figures under an authority's former code as well as its
    current one, thousands of rows apart: each share must know of the others."""
    from authorities.models import Authority

    successors = Authority.successor_ids()
    codes = dict(Authority.objects.values_list("id", "code"))
    old, new = (codes[k] for k in next(iter(successors.items())))
    text = (
        HEADER
        + f"{new},CIN-REFS,2016-17,10,\n"
        + f"{old},CIN-REFS,2015-16,11,\n"
        + f"{new},CIN-REFS,2017-18,12,\n"
        + f"{old},CIN-REFS,2016-17,10,\n"  # the same figure under the former code: left out
        + f"{old},CIN-REFS,2017-18,13,\n"  # the current code's figure stands: left out too
    )
    checked = same_in_shares(monkeypatch, text)
    assert checked.ok
    assert checked.notes == [
        f"1 row(s) under an authority's former code were filed under its current code "
        f"({old} → {new}): one authority, one series.",
        "2 row(s) under a former code repeat a row for the same authority under its current "
        "code, indicator and period, and were left out.",
    ]
    assert sorted(checked.frame["period"]) == ["2015-16", "2016-17", "2017-18"]
    assert set(checked.frame["authority_id"]) == {Authority.objects.get(code=new).pk}


def test_a_check_holds_a_share_of_rows_and_the_first_problems_only(demo, monkeypatch):
    """What is held grows with a share and with what is shown, never with the file: no
    frame the check makes has more rows than a share, and of 40,000 problems 5,000 are held
    (every one is in the problem file, in file order)."""
    monkeypatch.setattr(files, "SHARE_ROWS", 1000)
    largest = []
    to_long = returns._to_long

    def measured(*args):
        frame = to_long(*args)
        largest.append(len(frame))
        return frame

    monkeypatch.setattr(returns, "_to_long", measured)
    checked = check_returns(
        read_shares(("authority,indicator,period,value\n" + "x,y,z,w\n" * 10_000).encode())
    )
    assert max(largest) == 1000
    assert len(checked.problems) == 40_000
    assert len(checked.problems.shown) == 5000
    assert checked.frame.empty
    rows = pd.read_csv(io.BytesIO(gzip.decompress(checked.problems.file())))
    assert len(rows) == 40_000
    assert rows["row"].is_monotonic_increasing
    assert rows.iloc[-1].tolist() == [10_001, "value", "w", rows.iloc[-1]["problem"]]


def test_a_problem_log_counts_every_problem_and_holds_the_first():
    log = ProblemLog(keep=3)
    log.add(Problems([Problem("bad", row=r, column="value", text=str(r)) for r in (4, 2, 3)]))
    log.add(Problems([Problem("worse", row=r, column="value", text="=1") for r in (5, 6)]))
    assert len(log) == 5
    assert bool(log)
    assert [p.row for p in log] == [2, 3, 4]  # a share's problems in file order
    assert log[0] == Problem("bad", row=2, column="value", text="2")
    lines = gzip.decompress(log.file()).decode().splitlines()
    assert lines[0] == '"row","column","text","problem"'
    assert lines[1:] == [
        '2,"value","2","bad"',
        '3,"value","3","bad"',
        '4,"value","4","bad"',
        '5,"value","\'=1","worse"',  # formula-guarded, like every export
        '6,"value","\'=1","worse"',
    ]
    assert log.file() == log.file()
    with pytest.raises(RuntimeError):
        log.add(Problems([Problem("late")]))
    empty = ProblemLog()
    assert not empty
    assert list(empty) == []
    assert gzip.decompress(empty.file()) == b'"row","column","text","problem"\n'


def test_a_csv_is_read_afresh_for_each_pass_and_only_the_columns_asked_for():
    text = "authority,indicator,period,value,note\n" + "E1,A2,2016-17 Q2,5,a note\n" * 7
    table = read_shares(text.encode())
    assert table.columns == ["authority", "indicator", "period", "value", "note"]
    first = list(table)
    again = list(table)
    assert [len(s) for s in first] == [7]
    assert first[0].equals(again[0])
    some = next(table.shares(["value", "authority"]))
    assert list(some.columns) == ["authority", "value", "row_number"]
    assert some["row_number"].tolist() == list(range(2, 9))


def test_decimal_marks_are_read_from_a_columns_texts():
    marks = lookups.decimal_marks
    assert marks(pd.Series(["81", "1,500", ""], dtype="str")) == set()
    assert marks(pd.Series(["81,5"], dtype="str")) == {"comma"}
    assert marks(pd.Series(["81.5", "1,500"], dtype="str")) == {"point"}
    assert marks(pd.Series(["81.5", "2,25"], dtype="str")) == {"comma", "point"}
    numbers = lookups.numbers
    assert numbers(pd.Series(["1,500"], dtype="str"), {"comma"}).tolist() == [1.5]
    assert numbers(pd.Series(["1,500"], dtype="str"), set()).tolist() == [1500.0]
    assert numbers(pd.Series(["2,25"], dtype="str"), {"comma", "point"}).isna().all()


def test_header_cells_with_no_name_are_called_by_their_letter(demo):
    """Excel leaves a separator for every empty column it saved: two header cells with no
    name were one column name twice to pandas, and the upload answered 500."""
    from imports import service

    text = "authority,indicator,period,value,,\nE08000017,A2,2016-17 Q2,5,,\n"
    staged = service.stage("returns", text.encode(), "trailing.csv")
    assert not staged.problems
    assert "Ignored column(s): (column E), (column F)" in staged.notes
    assert read_shares(b"a,,b\n1,2,3\n").columns == ["a", "(column B)", "b"]


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        ("a,b\n1,2\n3,4\n", [2, 3]),  # no blank line
        ("a,b\n1,2\n\n\n3,4\n\n", [2, 5]),  # pandas skips blank lines; a spreadsheet counts them
        ("a,b\r\n1,2\r\n\r\n3,4", [2, 4]),  # Windows line ends, no line break at the end
        ("a,b\n1,2\n \n3,4\n", [2, 4]),  # a line of one space
        ("a\tb\n1\t2\n\t\n3\t4\n", [2, 3, 4]),  # a tab is a cell break in a tab-separated file
    ],
)
def test_rows_are_numbered_as_a_spreadsheet_numbers_them(text, rows):
    """A problem's row is the row the officer will look for: blank lines count."""
    [share] = list(read_shares(text.encode()))
    assert share["row_number"].tolist() == rows


def test_a_problem_after_blank_lines_names_its_own_row(demo):
    from imports import service

    text = (
        "authority,indicator,period,value\nE08000017,A2,2016-17 Q2,5\n\n\n"
        "E08000017,A3,2016-17 Q2,lots\n"
    )
    staged = service.stage("returns", text.encode(), "gaps.csv")
    assert [(p.row, p.text) for p in staged.problems] == [(5, "lots")]


def test_a_problem_file_that_cannot_be_written_says_so(monkeypatch):
    """The problem file is written on a thread of its own: what goes wrong there is raised
    in the check's own thread, never lost."""
    from imports import problems

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(problems.pa_csv, "write_csv", broken)
    log = ProblemLog()
    log.add(Problems([Problem("bad", row=2, column="value", text="x")]))
    with pytest.raises(OSError, match="disk full"):
        log.file()


def test_a_check_asks_the_database_as_often_however_many_shares(demo, monkeypatch):
    """The look-ups (authorities, indicators, former codes) are read once a check, never
    once a share."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    text = HEADER + "E08000017,A2,2016-17 Q2,81,\n" * 6 + "nowhere,A2,2016-17 Q3,8,\n"
    counts = []
    for rows in (1_000_000, 1):
        with CaptureQueriesContext(connection) as queries:
            checked_in_shares(monkeypatch, text, rows)
        counts.append(len(queries))
    assert counts[0] == counts[1]
