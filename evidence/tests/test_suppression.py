"""Primary and secondary suppression on crafted tables (no database)."""

import itertools
import random

from evidence.suppression import (
    FEWER_THAN,
    NOT_SHOWN,
    PRIMARY,
    SECONDARY,
    Cell,
    Row,
    Table,
    derivable,
    suppress,
)


def cross_table(grid: list[list[int]]) -> Table:
    """Rows of parts with a row-total column and a totals row, like the gap-map table."""
    width = len(grid[0])
    table = Table(
        key="t",
        title="t",
        row_header="Row",
        columns=[f"c{i}" for i in range(width)] + ["Total"],
        part_columns=list(range(width)),
        total_column=width,
        has_total_row=True,
    )
    for i, parts in enumerate(grid):
        table.rows.append(Row(f"r{i}", [Cell(n) for n in parts] + [Cell(sum(parts))]))
    sums = [sum(col) for col in zip(*grid, strict=True)]
    table.rows.append(Row("All", [Cell(n) for n in sums] + [Cell(sum(sums))], is_total=True))
    return table


def shown_numbers(table: Table) -> list[int]:
    return [cell.value for row in table.rows for cell in row.cells if not cell.hidden]


def zero_lines(table: Table) -> list:
    """Lines whose shown total less shown parts is 0 while some part is hidden."""
    from evidence.suppression import _hidden_parts_sum_to_zero, _lines

    return [line for line in _lines(table) if _hidden_parts_sum_to_zero(table, line)]


def assert_safe(table: Table, original: Table):
    # No shown count under 5.
    assert all(n >= 5 for n in shown_numbers(table))
    # No hidden count can be worked out from what is shown, exactly or as "all zero".
    assert derivable(table) == set()
    assert zero_lines(table) == []
    # What is shown is the truth.
    for row, orig in zip(table.rows, original.rows, strict=True):
        for cell, o in zip(row.cells, orig.cells, strict=True):
            if not cell.hidden:
                assert cell.value == o.value


def test_a_cell_under_5_is_fewer_than_5_and_its_row_partner_is_hidden():
    table = suppress(cross_table([[3, 20, 30], [10, 12, 40]]))
    assert table.rows[0].cells[0].status == PRIMARY
    assert table.rows[0].cells[0].display() == FEWER_THAN
    # Row 0: 3 could be had from 53 - 20 - 30; column 0: from 13 - 10. Both are closed.
    row0 = [c.hidden for c in table.rows[0].cells]
    col0 = [row.cells[0].hidden for row in table.rows]
    assert sum(row0) >= 2 and sum(col0) >= 2
    assert any(
        c.status == SECONDARY and c.display() == NOT_SHOWN for r in table.rows for c in r.cells
    )
    assert_safe(table, cross_table([[3, 20, 30], [10, 12, 40]]))


def test_zero_is_also_under_5():
    table = suppress(cross_table([[0, 25], [30, 40]]))
    assert table.rows[0].cells[0].display() == FEWER_THAN


def test_a_table_with_nothing_small_is_shown_whole():
    table = suppress(cross_table([[10, 20], [30, 40]]))
    assert all(not c.hidden for r in table.rows for c in r.cells)


def test_a_small_total_is_itself_hidden_and_cannot_be_recovered():
    grid = [[2, 1], [30, 40]]
    table = suppress(cross_table(grid))
    assert table.rows[0].cells[2].status == PRIMARY  # row total 3
    assert_safe(table, cross_table(grid))


def test_the_line_rule_alone_is_not_enough_and_the_exact_check_catches_it():
    # Two hidden per line can still pin a cell down through a chain of sums. The exact
    # check (linear algebra) is what the tables rely on: craft many and verify.
    rng = random.Random(13)
    for _ in range(200):
        rows, cols = rng.randint(1, 5), rng.randint(1, 4)
        grid = [
            [rng.choice([0, 1, 2, 3, 4, 5, 7, 12, 30]) for _ in range(cols)] for _ in range(rows)
        ]
        table = suppress(cross_table(grid))
        assert_safe(table, cross_table(grid))


def test_derivable_finds_a_lone_hidden_cell():
    table = cross_table([[3, 20], [10, 12]])
    table.rows[0].cells[0].status = PRIMARY
    assert (0, 0) in derivable(table)


def test_statistics_resting_on_fewer_than_5_people_are_not_shown():
    table = Table(key="s", title="s", row_header="Category", columns=["People", "Mean"])
    table.rows = [
        Row("Day services", [Cell(4), Cell(3120.0, "money", base=4)]),
        Row("Personal assistants", [Cell(9), Cell(5813.0, "money", base=9)]),
    ]
    suppress(table)
    assert [r.cells[1].display() for r in table.rows] == [NOT_SHOWN, "£5,813"]
    assert table.rows[0].cells[0].display() == FEWER_THAN


def test_every_small_grid_up_to_2_by_2_is_safe():
    for values in itertools.product([0, 3, 6], repeat=4):
        grid = [list(values[:2]), list(values[2:])]
        table = suppress(cross_table(grid))
        assert_safe(table, cross_table(grid))


def test_hidden_cells_that_must_add_up_to_zero_are_not_left_so():
    # Row: 6 shown, two zeros hidden, total 6 -> the zeros could be read off. Hide the 6 too.
    table = suppress(cross_table([[6, 0, 0], [9, 7, 30]]))
    assert table.rows[0].cells[0].hidden
    assert_safe(table, cross_table([[6, 0, 0], [9, 7, 30]]))


def test_an_empty_table_is_safe():
    table = Table(
        key="e", title="e", row_header="r", columns=["a", "Total"], part_columns=[0], total_column=1
    )
    assert suppress(table).rows == []


def _dense_rank(rows):
    from fractions import Fraction

    matrix = [[Fraction(v) for v in r] for r in rows]
    rank = 0
    for col in range(len(matrix[0]) if matrix else 0):
        pivot = next((i for i in range(rank, len(matrix)) if matrix[i][col] != 0), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        for i in range(len(matrix)):
            if i != rank and matrix[i][col] != 0:
                f = matrix[i][col] / matrix[rank][col]
                matrix[i] = [a - f * b for a, b in zip(matrix[i], matrix[rank], strict=True)]
        rank += 1
    return rank


def test_the_fast_exact_check_agrees_with_plain_rank_arithmetic():
    from evidence.suppression import _pinned_unknowns

    rng = random.Random(7)
    for _ in range(300):
        unknowns = rng.randint(1, 8)
        equations = [
            {i: rng.choice([-1, 1]) for i in rng.sample(range(unknowns), rng.randint(1, unknowns))}
            for _ in range(rng.randint(1, 6))
        ]
        dense = [[eq.get(i, 0) for i in range(unknowns)] for eq in equations]
        base = _dense_rank(dense)
        expected = {
            i
            for i in range(unknowns)
            if _dense_rank([*dense, [1 if j == i else 0 for j in range(unknowns)]]) == base
        }
        assert _pinned_unknowns(equations) == expected
