from __future__ import annotations

import threading
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv


def size_text(size: int) -> str:
    """A file's size as a person's computer shows it (a megabyte of 1,024 KB), so the limit of
    50 MB reads as 50 MB, never as "52 MB"."""
    if size < 1 << 20:
        return f"{size / 1024:,.0f} KB"
    megabytes = size / (1 << 20)
    return f"{megabytes:,.0f} MB" if megabytes >= 10 else f"{megabytes:,.1f} MB"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, said so a person can find and fix it."""

    message: str
    row: int | None = None  # as a spreadsheet numbers it: the header is row 1
    column: str | None = None
    text: str | None = None

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"Row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        prefix = ", ".join(where)
        quoted = f'"{self.text}" ' if self.text is not None else ""
        return f"{prefix}: {quoted}{self.message}" if prefix else f"{quoted}{self.message}"

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "text": self.text, "message": self.message}


PROBLEM_FIELDS = ["row", "column", "text", "message"]


class Problems:
    """Every problem found in a file, held as columns (a few bytes a problem: the row, the
    text of the cell, and the column and message as categories), never as an object each,
    so a file of four million bad cells costs tens of megabytes, not gigabytes. Reads like a
    list of Problem (len, slices, iteration) for the few a page shows; `frame()` is the whole,
    in file order, for the problem file."""

    def __init__(self, problems: Iterable[Problem] = ()):
        self._parts: list[pd.DataFrame] = []
        self._loose: list[Problem] = list(problems)
        self._sorted: pd.DataFrame | None = None

    @classmethod
    def of_rows(cls, rows: pd.Series, column, texts, message) -> Problems:
        """One problem per row number in `rows`: `column` and `message` a text for all or one
        per row, `texts` the cells' texts (or None)."""
        found = cls()
        if len(rows):
            found._parts.append(
                pd.DataFrame(
                    {
                        "row": rows.to_numpy(dtype="int64"),
                        "column": _categories(column, len(rows)),
                        "text": None if texts is None else pd.array(texts, dtype="str"),
                        "message": _categories(message, len(rows)),
                    }
                )
            )
        return found

    @classmethod
    def of_frame(cls, frame: pd.DataFrame) -> Problems:
        """Problems from frame()'s columns (row, column, text, message)."""
        found = cls()
        if len(frame):
            found._parts.append(frame.reset_index(drop=True))
        return found

    def append(self, problem: Problem) -> None:
        self._loose.append(problem)
        self._sorted = None

    def __add__(self, other: Iterable[Problem] | Problems) -> Problems:
        both = Problems()
        both += self
        both += other
        return both

    def __iadd__(self, other: Iterable[Problem] | Problems) -> Problems:
        if isinstance(other, Problems):
            self._parts += other._parts
            self._loose += other._loose
        else:
            self._loose += list(other)
        self._sorted = None
        return self

    def __len__(self) -> int:
        return sum(len(part) for part in self._parts) + len(self._loose)

    def __bool__(self) -> bool:
        return len(self) > 0

    def frame(self) -> pd.DataFrame:
        """Every problem, by row then column (a problem of the whole file first)."""
        if self._sorted is None:
            parts = [part for part in self._parts if len(part)]
            if self._loose:
                loose = pd.DataFrame([p.as_dict() for p in self._loose], columns=PROBLEM_FIELDS)
                parts.append(loose.astype({"column": "category", "message": "category"}))
            self._sorted = _in_file_order(parts)
            self._parts, self._loose = [self._sorted], []
        return self._sorted

    def __getitem__(self, index: int | slice) -> Problem | list[Problem]:
        if isinstance(index, int):  # iloc[[i]] raises IndexError past the end, as a list does
            return next(_as_problems(self.frame().iloc[[index]]))
        return list(_as_problems(self.frame().iloc[index]))

    def __iter__(self) -> Iterator[Problem]:
        frame = self.frame()
        for start in range(0, len(frame), 10_000):
            yield from _as_problems(frame.iloc[start : start + 10_000])

    def __eq__(self, other) -> bool:
        if isinstance(other, Problems | list):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        return f"Problems({len(self)}: {self[:3]})"

    def sort(self) -> None:
        """In file order: by row, then column (frame() always is)."""
        self.frame()


PROBLEM_COLUMNS = ["row", "column", "text", "problem"]  # the problem file's header
KEPT_PROBLEMS = 5000  # held to show, and stored with the import; the file has every one


class ProblemLog:
    """Every problem of a file as the check finds it, a share of rows at a time and in file
    order: each one counted and written at once to the problem file (a gzipped CSV, by
    Arrow's CSV writer), and only the first `keep` held, to show. So memory grows with what
    is shown, never with what is wrong: four million bad cells cost their count and the
    file's few megabytes. Reads like the list of problems it holds for a page (iteration,
    indexing, slices); `len()` is every problem found."""

    def __init__(self, keep: int = KEPT_PROBLEMS):
        self.keep = keep
        self.count = 0
        self.shown = Problems()
        self._gzip = zlib.compressobj(1, zlib.DEFLATED, 31)  # 31: a gzip file, not bare zlib
        self._parts: list[bytes] = []
        self._header = True
        self._file: bytes | None = None
        self._writing: threading.Thread | None = None
        self._failed: BaseException | None = None

    @classmethod
    def of(cls, problems: Problems | Iterable[Problem]) -> ProblemLog:
        log = cls()
        log.add(problems if isinstance(problems, Problems) else Problems(problems))
        return log

    def add(self, problems: Problems) -> None:
        """The next problems in file order (a share's, sorted by row then column)."""
        if self._file is not None:
            raise RuntimeError("the problem file is written already")
        frame = problems.frame()
        for start in range(0, len(frame), 50_000):  # a few megabytes of text at a time
            self._write(_arrow_table(frame.iloc[start : start + 50_000]))
        room = self.keep - len(self.shown)
        if room > 0 and len(frame):
            self.shown += Problems.of_frame(frame.iloc[:room])
        self.count += len(frame)

    def file(self) -> bytes:
        """The problem file: a header and every problem, in file order, gzipped."""
        if self._file is None:
            self._write(_arrow_table(Problems().frame()))  # the header, if nothing else
            self._written()
            self._parts.append(self._gzip.flush())
            self._file = b"".join(self._parts)
            self._parts = []
        return self._file

    def _write(self, table: pa.Table) -> None:
        """Written by Arrow's CSV writer and gzipped by zlib at its fastest level (Arrow's own
        gzip stream took twice as long, for a file a tenth smaller), on a thread of its own
        while the check goes on with the next share: both let go of Python's lock as they
        work, so the file is written on the second core. One chunk is written at a time,
        so at most one waits in memory."""
        self._written()
        header, self._header = self._header, False
        self._writing = threading.Thread(
            target=self._compress, args=(table, header), name="problem-file", daemon=True
        )
        self._writing.start()

    def _compress(self, table: pa.Table, header: bool) -> None:
        try:
            text = pa.BufferOutputStream()
            options = pa_csv.WriteOptions(quoting_style="needed", include_header=header)
            pa_csv.write_csv(table, text, write_options=options)
            self._parts.append(self._gzip.compress(text.getvalue()))
        except BaseException as error:  # noqa: BLE001 - raised in the check's own thread
            self._failed = error

    def _written(self) -> None:
        """Wait for the chunk being written; raise what went wrong writing it."""
        if self._writing is not None:
            self._writing.join()
            self._writing = None
        if self._failed is not None:
            raise self._failed

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return self.count > 0

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.shown)

    def __getitem__(self, index: int | slice) -> Problem | list[Problem]:
        return self.shown[index]

    def __eq__(self, other) -> bool:
        if isinstance(other, ProblemLog | Problems | list):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        return f"ProblemLog({self.count}: {self.shown[:3]})"


def _arrow_table(frame: pd.DataFrame) -> pa.Table:
    """Problems as the problem file's columns, formula-guarded like every export."""
    row = frame["row"].to_numpy(dtype="float64")
    return pa.table(
        [
            pa.array(row, mask=np.isnan(row)).cast(pa.int64()),
            *(_guarded(frame[name]) for name in ["column", "text", "message"]),
        ],
        names=PROBLEM_COLUMNS,
    )


def _guarded(texts: pd.Series) -> pa.Array:
    """A column of the problem file, formula-guarded: a category's few texts once each."""
    from core.csv import spreadsheet_safe_column

    if isinstance(texts.dtype, pd.CategoricalDtype):
        names = spreadsheet_safe_column(pd.Series(texts.cat.categories, dtype=object))
        texts = texts.cat.rename_categories(names.tolist())
        return pa.array(texts).cast(pa.string())
    return pa.array(spreadsheet_safe_column(texts))  # pandas' own Arrow text, not a copy


def _categories(values, length: int) -> pd.Categorical:
    """One text for every row (codes alone: no list of a million references), or one a row."""
    if isinstance(values, str):
        return pd.Categorical.from_codes(np.zeros(length, dtype=np.int8), categories=[values])
    if isinstance(values, pd.Categorical):
        return values
    return pd.Categorical(values)


def _in_file_order(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The parts as one frame, by row then column. The column and message stay categories
    (a concat of categories that differ would make a string object of every cell)."""
    if not parts:
        return pd.DataFrame(
            {
                name: pd.Series(dtype="category" if name in ("column", "message") else object)
                for name in PROBLEM_FIELDS
            }
        )
    union = pd.api.types.union_categoricals
    column = union(
        [part["column"].astype("category").array for part in parts], sort_categories=True
    )
    frame = pd.DataFrame(
        {
            "row": np.concatenate([part["row"].to_numpy(dtype="float64") for part in parts]),
            "column": column,
            "text": pd.concat([part["text"].astype("str") for part in parts], ignore_index=True),
            "message": union([part["message"].astype("category").array for part in parts]),
        }
    )
    order = np.lexsort((column.codes, np.nan_to_num(frame["row"].to_numpy(), nan=0.0)))
    if (np.diff(order) == 1).all():
        return frame
    return frame.take(order).reset_index(drop=True)


def _as_problems(frame: pd.DataFrame) -> Iterator[Problem]:
    for row, column, text, message in zip(
        frame["row"], frame["column"], frame["text"], frame["message"], strict=True
    ):
        yield Problem(
            str(message),
            row=None if pd.isna(row) else int(row),
            column=None if pd.isna(column) else str(column),
            text=None if text is None or pd.isna(text) else str(text),
        )


@dataclass
class Checked:
    """A checked file: the rows to store in `frame`, usable only when `problems` is empty."""

    frame: pd.DataFrame
    problems: ProblemLog | Problems | list[Problem] = field(default_factory=Problems)

    @property
    def ok(self) -> bool:
        return not self.problems


class FileProblem(Exception):
    """The file as a whole cannot be read (empty, not a CSV, too large, missing columns)."""

    def __init__(self, problems: Problems | list[Problem] | str):
        self.problems = [Problem(problems)] if isinstance(problems, str) else problems
        shown = "; ".join(str(p) for p in self.problems[:5])
        more = len(self.problems) - 5
        super().__init__(shown + (f"; and {more:,} more" if more > 0 else ""))


def problems_where(
    mask, frame: pd.DataFrame, column: str, message: str, text_column: str | None = None
) -> Problems:
    """A problem for every row where mask (a boolean Series or array) is true, quoting that
    row's text (set-based: no object a problem)."""
    if not mask.any():
        return Problems()
    wide = column == "value" and "_column" in frame
    needed = ["row_number", text_column or column, *(["_column"] if wide else [])]
    rows = frame.loc[mask, list(dict.fromkeys(needed))]  # only what a problem says
    columns = rows["_column"].to_numpy() if wide else column
    return Problems.of_rows(rows["row_number"], columns, rows[text_column or column], message)
