"""Small-number suppression (diepholz_coord.small_numbers): hand-made tables with their hidden figures written
out, and an independent oracle over generated tables.

The oracle states the rule on its own: a reader knows every shown cell and total and that totals are sums (and,
for linked tables, that every block adds up to the same column totals); a hidden figure can be worked out iff
its vector over ALL cells lies in the span of the known equations, i.e. adding it does not raise their rank.
It uses a dense rank over all cells, not the module's elimination over the hidden cells."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diepholz_coord.small_numbers import Reason, suppress_distribution, suppress_table

LIMIT = 3
P, S = Reason.PRIMARY, Reason.SECONDARY


def hidden_of(table) -> dict:
    """{("c", r, j) | ("r", r) | ("k", j) | ("g",): reason} of the hidden figures."""
    found = {}
    for r, row in enumerate(table.cells):
        for j, figure in enumerate(row):
            if figure.hidden:
                found["c", r, j] = figure.reason
    for r, figure in enumerate(table.row_totals or []):
        if figure.hidden:
            found["r", r] = figure.reason
    for j, figure in enumerate(table.column_totals or []):
        if figure.hidden:
            found["k", j] = figure.reason
    if table.total is not None and table.total.hidden:
        found["g",] = table.total.reason
    return found


# --- hand-made tables ------------------------------------------------------------------------------------------


def test_one_small_cell_takes_a_second_cell_in_its_row_and_in_its_column_and_the_corner():
    table = suppress_table([[1, 5, 7], [6, 8, 9], [10, 9, 12]], limit=LIMIT)
    # Row 0 needs a second hidden cell (5, the smallest), column 0 another one (6); the corner (8) closes the
    # rectangle, else row 1 or column 1 would give the 5 or the 6 away. Totals all shown.
    assert hidden_of(table) == {("c", 0, 0): P, ("c", 0, 1): S, ("c", 1, 0): S, ("c", 1, 1): S}
    assert [str(f) for f in table.cells[0]] == ["<3", "–", "7"]
    assert [str(f) for f in table.row_totals] == ["13", "23", "31"]
    assert [str(f) for f in table.column_totals] == ["17", "22", "28"]
    assert str(table.total) == "67"


def test_two_small_cells_in_one_row_need_no_further_cell_in_that_row():
    table = suppress_table([[1, 2, 7], [6, 8, 9], [10, 9, 12]], limit=LIMIT)
    # The row protects itself (1 + 2 = 3 is shown, each not); the columns take the next row's 6 and 8.
    assert hidden_of(table) == {("c", 0, 0): P, ("c", 0, 1): P, ("c", 1, 0): S, ("c", 1, 1): S}
    assert not table.row_totals[0].hidden and table.total.value == 64 and not table.total.hidden


def test_without_column_totals_two_small_cells_in_a_row_are_all_that_is_hidden():
    table = suppress_table([[1, 2, 7], [6, 8, 9]], column_totals=False, limit=LIMIT)
    assert hidden_of(table) == {("c", 0, 0): P, ("c", 0, 1): P}


def test_a_row_total_below_the_limit_takes_another_total_but_not_the_district_total():
    table = suppress_table([[1, 1, 0], [6, 8, 9], [10, 9, 12]], limit=LIMIT)
    # Row 0 (total 2) is primary; district total − rows 1 and 2 would give it away, so row 1's total goes too
    # (the smallest row total; the district total stays), and the columns take row 1's 6 and 8.
    assert hidden_of(table) == {
        ("c", 0, 0): P,
        ("c", 0, 1): P,
        ("r", 0): P,
        ("c", 1, 0): S,
        ("c", 1, 1): S,
        ("r", 1): S,
    }
    assert str(table.cells[0][2]) == "0" and table.cells[0][2].display("·") == "·"
    assert str(table.total) == "56"


def test_one_row_with_nothing_to_pair_with_hides_the_column_total_not_the_district_total():
    # The demand page's issue: Syke has 3 × Alpha and 2 × A1, nothing else anywhere.
    table = suppress_table([[3, 0, 2], [0, 0, 0]], limit=LIMIT)
    assert hidden_of(table) == {("c", 0, 2): P, ("k", 2): P, ("c", 0, 0): S, ("k", 0): S}
    assert str(table.row_totals[0]) == "5" and str(table.total) == "5"


def test_a_distribution_is_the_one_row_case():
    shown = suppress_distribution([1, 0, 5, 9], limit=LIMIT)
    assert [str(f) for f in shown.cells] == ["<3", "0", "–", "9"] and str(shown.total) == "15"
    assert [f.reason for f in shown.cells] == [P, None, S, None]
    assert [str(f) for f in suppress_distribution([4, 0, 2], limit=LIMIT).cells] == ["–", "0", "<3"]
    small_total = suppress_distribution([1, 1, 0], limit=LIMIT)
    assert [f.reason for f in small_total.cells] == [P, P, None] and small_total.total.reason == P
    without_total = suppress_distribution([1, 7], total=False, limit=LIMIT)
    assert [str(f) for f in without_total.cells] == ["<3", "7"] and without_total.total is None


def test_nothing_is_hidden_without_suppression():
    table = suppress_table([[1, 2], [0, 1]], suppress=False, limit=LIMIT)
    assert hidden_of(table) == {} and str(table.total) == "4"


def test_linked_breakdowns_hide_the_same_people_in_each():
    # Four endings in one course, by provider, by municipality, by course type: one went on within 14 days.
    table = suppress_table([[1, 0, 3]] * 3, blocks=[1, 1, 1], limit=LIMIT)
    # The 1 and the district's 1 are primary; each breakdown's 3 and the district's 3 go with them (else
    # 4 − 3 would give the 1 away); the four endings show everywhere.
    assert hidden_of(table) == {
        **{("c", r, 0): P for r in range(3)},
        **{("c", r, 2): S for r in range(3)},
        ("k", 0): P,
        ("k", 2): S,
    }
    assert [str(f) for f in table.row_totals] == ["4", "4", "4"] and str(table.total) == "4"


def test_linked_tables_share_their_column_totals():
    # The same 13 people by provider (rows 0–1) and by municipality (rows 2–3).
    table = suppress_table([[1, 5], [0, 7], [1, 0], [0, 12]], blocks=[2, 2], limit=LIMIT)
    assert_safe_and_minimal([[1, 5], [0, 7], [1, 0], [0, 12]], table, blocks=[2, 2])
    with pytest.raises(ValueError):
        suppress_table([[1, 5], [0, 7], [1, 0]], blocks=[2, 1], limit=LIMIT)


# --- the independent oracle --------------------------------------------------------------------------------------


def rank(rows: list[list[Fraction]]) -> int:
    rows = [list(r) for r in rows if any(r)]
    found = 0
    width = len(rows[0]) if rows else 0
    for column in range(width):
        pivot = next((i for i in range(found, len(rows)) if rows[i][column] != 0), None)
        if pivot is None:
            continue
        rows[found], rows[pivot] = rows[pivot], rows[found]
        for i in range(len(rows)):
            if i != found and rows[i][column] != 0:
                factor = rows[i][column] / rows[found][column]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[found], strict=True)]
        found += 1
    return found


def vectors(matrix, blocks, *, row_totals, column_totals, grand_total):
    """Every figure of the table as a vector over all cells; the first block stands for the column totals."""
    height, width = len(matrix), len(matrix[0])
    first = range(blocks[0])

    def vector(cells):
        v = [Fraction(0)] * (height * width)
        for r, j in cells:
            v[r * width + j] += 1
        return v

    figures = {("c", r, j): vector([(r, j)]) for r in range(height) for j in range(width)}
    if row_totals:
        figures |= {("r", r): vector([(r, j) for j in range(width)]) for r in range(height)}
    if column_totals:
        figures |= {("k", j): vector([(r, j) for r in first]) for j in range(width)}
    if grand_total:
        figures["g",] = vector([(r, j) for r in first for j in range(width)])
    known = []  # every block adds up to the first, column by column (zero on the right-hand side)
    start = blocks[0]
    for size in blocks[1:]:
        for j in range(width):
            here = vector([(r, j) for r in range(start, start + size)])
            there = vector([(r, j) for r in first])
            known.append([a - b for a, b in zip(here, there, strict=True)])
        start += size
    return figures, known


def exposed(figures, known, hidden) -> list:
    shown = [v for key, v in figures.items() if key not in hidden] + known
    base = rank(shown)
    return [key for key in hidden if rank([*shown, figures[key]]) == base]


def assert_safe_and_minimal(matrix, table, *, blocks=None, row_totals=True, column_totals=True, grand_total=True):
    blocks = blocks or [len(matrix)]
    figures, known = vectors(
        matrix, blocks, row_totals=row_totals, column_totals=column_totals, grand_total=grand_total
    )
    hidden = hidden_of(table)
    values = {
        key: int(
            sum(v[r * len(matrix[0]) + j] * matrix[r][j] for r in range(len(matrix)) for j in range(len(matrix[0])))
        )
        for key, v in figures.items()
    }
    # Primary: exactly the figures with 0 < n < limit; everything shown is its true value.
    assert {k for k, reason in hidden.items() if reason == P} == {k for k, n in values.items() if 0 < n < LIMIT}
    assert all(values[k] > 0 for k in hidden)
    # Safe: no hidden figure can be worked out.
    assert exposed(figures, known, hidden) == []
    # Minimal: showing any single secondary figure gives some hidden figure away.
    for key, reason in hidden.items():
        if reason == S:
            rest = {k: v for k, v in hidden.items() if k != key}
            assert exposed(figures, known, rest), f"{key} is hidden without need"


counts = st.one_of(st.just(0), st.integers(1, 2), st.integers(3, 15))
PROPERTY = settings(max_examples=150, deadline=None)


@PROPERTY
@given(
    matrix=st.integers(1, 5).flatmap(
        lambda width: st.lists(st.lists(counts, min_size=width, max_size=width), min_size=1, max_size=5)
    ),
    flags=st.tuples(st.booleans(), st.booleans(), st.booleans()),
)
def test_no_hidden_figure_can_be_worked_out_and_none_is_hidden_without_need(matrix, flags):
    row_totals, column_totals, grand_total = flags
    table = suppress_table(
        matrix, row_totals=row_totals, column_totals=column_totals, grand_total=grand_total, limit=LIMIT
    )
    assert_safe_and_minimal(matrix, table, row_totals=row_totals, column_totals=column_totals, grand_total=grand_total)
    for r, row in enumerate(matrix):
        for j, n in enumerate(row):
            assert table.cells[r][j].value == n


@PROPERTY
@given(
    people=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 1), st.integers(0, 3)), max_size=40),
    width=st.integers(1, 4),
)
def test_linked_breakdowns_of_the_same_people(people, width):
    """Each person is in one of three groups of a first breakdown, one of two of a second, and one column."""
    matrix = [[0] * width for _ in range(5)]
    for first, second, column in people:
        matrix[first][column % width] += 1
        matrix[3 + second][column % width] += 1
    table = suppress_table(matrix, blocks=[3, 2], limit=LIMIT)
    assert_safe_and_minimal(matrix, table, blocks=[3, 2])


@PROPERTY
@given(buckets=st.lists(counts, min_size=1, max_size=8), total=st.booleans())
def test_distributions(buckets, total):
    shown = suppress_distribution(buckets, total=total, limit=LIMIT)
    table = type("T", (), {"cells": [shown.cells], "row_totals": [shown.total] if total else None})()
    table.column_totals, table.total = None, None
    assert_safe_and_minimal([buckets], table, row_totals=total, column_totals=False, grand_total=False)


def test_a_table_is_decided_once_and_a_changed_table_again(monkeypatch):
    """Decided tables are kept per process under the table itself (small_numbers._decided)."""
    from diepholz_coord import small_numbers

    small_numbers._decided.cache_clear()
    matrix = [[1 if (r + j) % 7 == 0 else 5 + r for j in range(5)] for r in range(10)]
    decided = []
    original = small_numbers._Table.decide

    def counting(self):
        decided.append(1)
        original(self)

    monkeypatch.setattr(small_numbers._Table, "decide", counting)
    first = suppress_table(matrix, limit=LIMIT)
    assert repr(suppress_table(matrix, limit=LIMIT)) == repr(first)
    assert len(decided) == 1
    assert_safe_and_minimal(matrix, first)
    changed = [row[:] for row in matrix]
    changed[3][2] = 2
    third = suppress_table(changed, limit=LIMIT)
    assert len(decided) == 2
    assert third.cells[3][2].reason == P
    assert_safe_and_minimal(changed, third)
    # Another limit or other totals are other tables.
    suppress_table(matrix, limit=4)
    suppress_table(matrix, grand_total=False, limit=LIMIT)
    assert len(decided) == 4
    # What is kept cannot be changed through a result: a tuple, copied into each table.
    assert isinstance(small_numbers._decided(((1, 5),), (1,), True, True, True, LIMIT), tuple)
