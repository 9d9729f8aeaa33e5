"""Small-number suppression for every table in Kith's reports.

Rules (the same on the page and in the CSV):

* **Primary**: any count under ``THRESHOLD`` (5), zero included, is shown as
  "fewer than 5". A statistic (a mean, median, total of money or days) worked
  out from fewer than 5 people or events is not shown.
* **Secondary**: where a table has totals, a hidden count must not be
  recoverable by subtracting the shown cells of a row or column from its
  total. Further cells are hidden ("not shown") until no hidden count can be
  worked out exactly from the shown figures. The check is exact linear
  algebra over the table's row and column sums (``derivable``), not only
  "at least two hidden per line".

A table declares which of its columns are parts that add up to a total column,
and whether its last row is a totals row; only such sums can give a number
away.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

THRESHOLD = 5
FEWER_THAN = f"fewer than {THRESHOLD}"
NOT_SHOWN = "not shown"

SHOWN = "shown"
PRIMARY = "primary"
SECONDARY = "secondary"


@dataclass
class Cell:
    """One figure. ``base`` is the number of people or events a statistic rests on
    (None for a count, whose own value is its base)."""

    value: float | int | None
    fmt: str = "count"  # count, money, days, text
    base: int | None = None
    status: str = SHOWN

    @property
    def is_count(self) -> bool:
        return self.fmt == "count"

    @property
    def hidden(self) -> bool:
        return self.status != SHOWN

    def display(self) -> str:
        if self.status == PRIMARY:
            return FEWER_THAN if self.is_count else NOT_SHOWN
        if self.status == SECONDARY:
            return NOT_SHOWN
        return format_value(self.value, self.fmt)


def format_value(value, fmt: str) -> str:
    if value is None:
        return "–"
    if fmt == "count":
        return f"{int(value):,}"
    if fmt == "money":
        return f"£{value:,.0f}"
    if fmt == "days":
        return f"{value:,.0f} days" if value != 1 else "1 day"
    return str(value)


@dataclass
class Row:
    label: str
    cells: list[Cell]
    is_total: bool = False


@dataclass
class Table:
    """A report table. ``part_columns`` add up to ``total_column`` in every row;
    if ``has_total_row`` the last row is the column sums of the rows above."""

    key: str
    title: str
    row_header: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    part_columns: list[int] = field(default_factory=list)
    total_column: int | None = None
    has_total_row: bool = False
    note: str = ""

    def header(self) -> list[str]:
        return [self.row_header, *self.columns]

    def display_rows(self) -> list[list[str]]:
        return [[row.label, *(cell.display() for cell in row.cells)] for row in self.rows]

    def cell_values_shown(self) -> list[tuple[int, int, object]]:
        """Every figure a reader sees, with its position: for checking suppression."""
        return [
            (r, c, cell.value)
            for r, row in enumerate(self.rows)
            for c, cell in enumerate(row.cells)
            if not cell.hidden
        ]


def apply_primary(table: Table) -> None:
    for row in table.rows:
        for cell in row.cells:
            if cell.status != SHOWN:
                continue
            if cell.is_count:
                if cell.value is None or cell.value < THRESHOLD:
                    cell.status = PRIMARY
            elif cell.fmt != "text" and (cell.base is None or cell.base < THRESHOLD):
                cell.status = PRIMARY


# --- secondary suppression -----------------------------------------------------


def _lines(table: Table) -> list[list[tuple[int, int]]]:
    """Each linear relation among a table's counts, as the cells in it (parts and total)."""
    lines = []
    data_rows = range(len(table.rows) - 1) if table.has_total_row else range(len(table.rows))
    columns = list(table.part_columns)
    if table.total_column is not None:
        for r in range(len(table.rows)):
            lines.append([(r, c) for c in columns] + [(r, table.total_column)])
    if table.has_total_row:
        total_row = len(table.rows) - 1
        summed = columns + ([table.total_column] if table.total_column is not None else [])
        for c in summed:
            lines.append([(r, c) for r in data_rows] + [(total_row, c)])
    return lines


def _axpy(row: dict, other: dict, factor: Fraction) -> dict:
    """row + factor * other, dropping zeros (rows are sparse: column -> coefficient)."""
    result = dict(row)
    for col, value in other.items():
        updated = result.get(col, 0) + factor * value
        if updated:
            result[col] = updated
        else:
            result.pop(col, None)
    return result


def _pinned_unknowns(equations: list[dict[int, Fraction]]) -> set[int]:
    """Unknowns fixed by these homogeneous-coefficient equations.

    Reduced row echelon form, built one equation at a time over the rationals
    (exact). An unknown is fixed exactly when its unit vector lies in the row
    space, that is when some row of the reduced form is that unit vector.
    """
    pivots: dict[int, dict[int, Fraction]] = {}
    for equation in equations:
        row = {c: Fraction(v) for c, v in equation.items() if v}
        # Pivot rows are zero at every other pivot column, so one pass clears them all.
        for col in [c for c in row if c in pivots]:
            if row.get(col):
                row = _axpy(row, pivots[col], -row[col])
        if not row:
            continue
        col = min(row)
        lead = row[col]
        row = {c: v / lead for c, v in row.items()}
        for other_col, other in pivots.items():
            if col in other:
                pivots[other_col] = _axpy(other, row, -other[col])
        pivots[col] = row
    return {col for col, row in pivots.items() if len(row) == 1}


def derivable(table: Table) -> set[tuple[int, int]]:
    """Hidden counts that the shown figures and the table's sums pin down exactly.

    Each sum (row or column) is an equation; shown cells are known numbers, hidden
    ones unknowns. A hidden cell is pinned down if and only if its unit vector lies
    in the row space of the equations' coefficients over the unknowns.
    """
    hidden = [
        (r, c)
        for r, row in enumerate(table.rows)
        for c, cell in enumerate(row.cells)
        if cell.hidden and cell.is_count
    ]
    if not hidden:
        return set()
    index = {pos: i for i, pos in enumerate(hidden)}
    equations = []
    for line in _lines(table):
        total = line[-1]
        coefficients: dict[int, int] = {}
        for pos in line:
            if pos in index:
                coefficients[index[pos]] = coefficients.get(index[pos], 0) + (
                    -1 if pos == total else 1
                )
        if any(coefficients.values()):
            equations.append(coefficients)
    return {hidden[i] for i in _pinned_unknowns(equations)}


def _hide_another(table: Table, line: list[tuple[int, int]]) -> bool:
    """Hide the smallest shown count in this line (a part before a total)."""
    total = line[-1]
    candidates = [
        pos
        for pos in line
        if not table.rows[pos[0]].cells[pos[1]].hidden and table.rows[pos[0]].cells[pos[1]].is_count
    ]
    if not candidates:
        return False
    pos = min(
        candidates,
        key=lambda p: (p == total, table.rows[p[0]].cells[p[1]].value or 0, p),
    )
    table.rows[pos[0]].cells[pos[1]].status = SECONDARY
    return True


def _hidden_parts_sum_to_zero(table: Table, line: list[tuple[int, int]]) -> bool:
    """The shown total less the shown parts is 0, so every hidden part is 0."""
    total = table.rows[line[-1][0]].cells[line[-1][1]]
    if total.hidden:
        return False
    parts = [table.rows[r].cells[c] for r, c in line[:-1]]
    return any(p.hidden for p in parts) and sum(p.value or 0 for p in parts if p.hidden) == 0


def apply_secondary(table: Table) -> None:
    lines = _lines(table)
    if not lines:
        return
    while True:
        changed = False
        for line in lines:
            hidden = [pos for pos in line if table.rows[pos[0]].cells[pos[1]].hidden]
            if len(hidden) == 1 and _hide_another(table, line):
                changed = True
            elif hidden and _hidden_parts_sum_to_zero(table, line) and _hide_another(table, line):
                # Counts are never negative: hidden parts that must add up to 0 are all 0.
                changed = True
        if changed:
            continue
        pinned = derivable(table)
        if not pinned:
            return
        target = min(pinned)
        hid = next((line for line in lines if target in line and _hide_another(table, line)), None)
        if hid is None:  # nothing left to hide beside it
            return


def suppress(table: Table) -> Table:
    """Apply primary then secondary suppression in place; return the table."""
    apply_primary(table)
    apply_secondary(table)
    return table
