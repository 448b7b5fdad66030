from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


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


@dataclass
class Checked:
    """A checked file: the rows to store in `frame`, usable only when `problems` is empty."""

    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class FileProblem(Exception):
    """The file as a whole cannot be read (empty, not a CSV, too large, missing columns)."""

    def __init__(self, problems: list[Problem] | str):
        self.problems = [Problem(problems)] if isinstance(problems, str) else problems
        super().__init__("; ".join(str(p) for p in self.problems))


def problems_where(
    mask: pd.Series, frame: pd.DataFrame, column: str, message: str, text_column: str | None = None
) -> list[Problem]:
    """A Problem for every row where mask is true, quoting that row's text."""
    if not mask.any():
        return []
    rows = frame.loc[mask]
    texts = rows[text_column or column]
    columns = rows["_column"] if column == "value" and "_column" in rows else None
    return [
        Problem(
            message,
            row=int(row),
            column=columns.iloc[i] if columns is not None else column,
            text=str(text),
        )
        for i, (row, text) in enumerate(zip(rows["row_number"], texts, strict=True))
    ]
