"""Small numbers, as statistical offices hide them: the one rule for every count of people county staff see.

A table of counts of people (rows × columns, each cell the number of people in it) is published with, as the
page has them, its row totals, column totals and grand total. What is shown is decided here:

- *Primary*: a cell or a published total with 0 < n < SMALL_NUMBER_LIMIT is hidden (one person or two could be
  recognised). Zero cells are shown (as "·" on the pages) and are public knowledge: nobody is in them.
- *Secondary*: further figures are hidden so that no hidden figure can be worked out EXACTLY from what is
  shown. A reader knows the shown cells and totals and that totals are sums; a hidden figure can be worked out
  iff its vector (its cells, each with coefficient 1) lies in the span of the shown equations, restricted to the
  hidden cells (exact elimination in fractions). Ranges (a hidden cell is at least 1 or below the limit) are not
  part of the rule; the page says that hidden figures below the limit are "<3".
- The fewest further figures are hidden, greedily: for a figure that can be worked out, the smallest non-zero
  inner cell in its row or column that protects it; where no single cell does, the cheapest rectangle (the
  figure's cell and three others at the corners of a rectangle, protected whatever the other figures are);
  totals only when no inner cell helps (so totals and the district total are shown whenever that is safe), row
  and column totals before the grand total, the smallest first. Then every secondary figure that is not needed
  is shown again, the largest first (local minimality: showing any single remaining secondary figure would give
  a hidden figure away).
- *Linked tables*: several breakdowns of the same people (e.g. course endings by provider and by municipality)
  share their column totals and grand total; they are stacked as blocks of rows and decided together, the
  reader knowing that each block's columns add up to the same totals.
- A 1-D distribution (buckets with a total) is the one-row case.

Pure Python: tables are small (at most about 20 × 10), the elimination is exact.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from math import gcd

HIDDEN_SECONDARY = "–"


class Reason(enum.StrEnum):
    PRIMARY = "primary"  # 0 < n < limit
    SECONDARY = "secondary"  # hidden so that a primary figure cannot be worked out


@dataclass(frozen=True)
class Figure:
    """One cell or total: its value, and why it is hidden (None: shown)."""

    value: int
    reason: Reason | None = None
    limit: int = 0

    @property
    def hidden(self) -> bool:
        return self.reason is not None

    def display(self, zero: str = "0") -> str:
        if self.reason == Reason.PRIMARY:
            return f"<{self.limit}"
        if self.reason == Reason.SECONDARY:
            return HIDDEN_SECONDARY
        return str(self.value) if self.value else zero

    def __str__(self) -> str:
        return self.display()


@dataclass(frozen=True)
class SuppressedTable:
    cells: list[list[Figure]]
    row_totals: list[Figure] | None
    column_totals: list[Figure] | None
    total: Figure | None

    @property
    def hidden_count(self) -> int:
        figures = [f for row in self.cells for f in row]
        figures += (self.row_totals or []) + (self.column_totals or []) + ([self.total] if self.total else [])
        return sum(f.hidden for f in figures)


@dataclass(frozen=True)
class SuppressedDistribution:
    cells: list[Figure]
    total: Figure | None


# An item is a cell ("c", r, j), a row total ("r", r), a column total ("k", j) or the grand total ("g",).
Item = tuple


@dataclass
class _Table:
    matrix: list[list[int]]
    blocks: list[range]  # row ranges; every block's columns add up to the column totals
    row_totals: bool
    column_totals: bool
    grand_total: bool
    limit: int
    hidden: dict[Item, Reason] = field(default_factory=dict)

    @property
    def width(self) -> int:
        return len(self.matrix[0]) if self.matrix else 0

    def value(self, item: Item) -> int:
        kind = item[0]
        if kind == "c":
            return self.matrix[item[1]][item[2]]
        if kind == "r":
            return sum(self.matrix[item[1]])
        if kind == "k":
            return sum(self.matrix[r][item[1]] for r in self.blocks[0])
        return sum(sum(self.matrix[r]) for r in self.blocks[0])

    def support(self, item: Item) -> list[tuple[int, int]]:
        """The cells a figure adds up (the first block stands for column and grand totals)."""
        kind = item[0]
        if kind == "c":
            return [(item[1], item[2])]
        if kind == "r":
            return [(item[1], j) for j in range(self.width)]
        if kind == "k":
            return [(r, item[1]) for r in self.blocks[0]]
        return [(r, j) for r in self.blocks[0] for j in range(self.width)]

    def items(self) -> list[Item]:
        found: list[Item] = [("c", r, j) for r in range(len(self.matrix)) for j in range(self.width)]
        if self.row_totals:
            found += [("r", r) for r in range(len(self.matrix))]
        if self.column_totals:
            found += [("k", j) for j in range(self.width)]
        if self.grand_total and self.matrix:
            found.append(("g",))
        return found

    def block_of(self, row: int) -> range:
        return next(block for block in self.blocks if row in block)

    # --- the rule: can a hidden figure be worked out from what is shown? -------------------------------------

    def _equations(self, hidden: Iterable[Item]) -> tuple[dict[tuple[int, int], int], list[dict[int, int]]]:
        hidden = set(hidden)
        unknowns = {cell: n for n, cell in enumerate(sorted((i[1], i[2]) for i in hidden if i[0] == "c"))}

        def restricted(cells: Iterable[tuple[int, int]], sign: int = 1) -> dict[int, int]:
            return {unknowns[c]: sign for c in cells if c in unknowns}

        rows = [restricted(self.support(item)) for item in self.items() if item not in hidden and item[0] != "c"]
        # What every reader knows: each further block of rows adds up to the first block, column by column.
        for block in self.blocks[1:]:
            for j in range(self.width):
                row = restricted((r, j) for r in block)
                for key, coefficient in restricted(((r, j) for r in self.blocks[0]), -1).items():
                    row[key] = row.get(key, 0) + coefficient
                rows.append(row)
        return unknowns, rows

    def derivable(self, hidden: Iterable[Item], targets: Iterable[Item] | None = None) -> list[Item]:
        """The hidden figures (or those of `targets`) that the shown figures give away exactly."""
        hidden = list(hidden)
        unknowns, rows = self._equations(hidden)
        basis = _echelon(rows)
        exposed = []
        for item in hidden if targets is None else targets:
            vector = {unknowns[c]: 1 for c in self.support(item) if c in unknowns}
            if not _reduce(vector, basis):
                exposed.append(item)
        return exposed

    # --- the greedy choice --------------------------------------------------------------------------------------

    def _related_cells(self, item: Item) -> list[tuple[int, int]]:
        kind = item[0]
        if kind == "c":
            r, j = item[1], item[2]
            cells = [(r, k) for k in range(self.width) if k != j] + [(i, j) for i in self.block_of(r) if i != r]
            # Then the linked breakdowns: the same column in the other blocks, and the rows it meets there.
            linked = {
                (i, k)
                for block in self.blocks
                if r not in block
                for i in block
                if self.matrix[i][j] > 0
                for k in range(self.width)
            }
            return self._cheapest(cells) + [c for c in self._cheapest(linked) if c not in cells]
        elif kind == "r":
            cells = [(item[1], k) for k in range(self.width)]
        elif kind == "k":
            cells = [(r, item[1]) for r in range(len(self.matrix))]
        else:
            cells = [(r, k) for r in range(len(self.matrix)) for k in range(self.width)]
        return self._cheapest(cells)

    def _cheapest(self, cells: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
        free = {c for c in cells if self.matrix[c[0]][c[1]] > 0 and ("c", *c) not in self.hidden}
        return sorted(free, key=lambda c: (self.matrix[c[0]][c[1]], c))

    def _published_totals(self, item: Item) -> list[Item]:
        """Totals that could be hidden instead: row and column totals first, the smallest first; the grand total
        last (the district total is shown whenever that is safe)."""
        totals = [t for t in self.items() if t[0] != "c" and t != item]
        totals = [t for t in totals if t not in self.hidden and self.value(t) > 0]
        return sorted(totals, key=lambda t: (t[0] == "g", self.value(t), t))

    def _protects(self, target: Item, extra: Iterable[Item]) -> bool:
        return not self.derivable([*self.hidden, *extra], targets=[target])

    def _rectangle(self, target: Item) -> list[Item] | None:
        """The cheapest other three corners of a rectangle through the target cell, all non-zero."""
        r, j = target[1], target[2]
        best: tuple[int, list[Item]] | None = None
        for i in self.block_of(r):
            for k in range(self.width):
                if i == r or k == j:
                    continue
                corners = [("c", r, k), ("c", i, j), ("c", i, k)]
                if any(self.value(c) == 0 for c in corners):
                    continue
                new = [c for c in corners if c not in self.hidden]
                cost = sum(self.value(c) for c in new)
                if best is None or cost < best[0]:
                    best = (cost, new)
        return best[1] if best else None

    def _protection_for(self, target: Item) -> list[Item]:
        """The figures to hide so that `target` cannot be worked out: inner cells where they suffice, totals only
        where they do not (row and column totals before the grand total)."""
        cells = [("c", *c) for c in self._related_cells(target)]
        totals = self._published_totals(target)
        inner_totals = [t for t in totals if t[0] != "g"]
        grand = [t for t in totals if t[0] == "g"]
        tries: list[list[Item]] = [[c] for c in cells]
        if target[0] == "c" and (rectangle := self._rectangle(target)):
            tries.append(rectangle)
        tries += [list(pair) for pair in combinations(cells, 2)]
        tries += [[t] for t in inner_totals]
        tries += [[c, t] for c in cells for t in inner_totals]
        tries += [[t] for t in grand] + [[c, t] for c in cells for t in grand]
        for extra in tries:
            if self._protects(target, extra):
                return extra
        # Nothing protects it at once: hide the cheapest related figure, then look again.
        if cells or totals:
            return [(cells or totals)[0]]
        everywhere = self._cheapest((r, k) for r in range(len(self.matrix)) for k in range(self.width))
        return [("c", *c) for c in everywhere][:1]

    def decide(self) -> None:
        for item in self.items():
            if 0 < self.value(item) < self.limit:
                self.hidden[item] = Reason.PRIMARY
        while exposed := self.derivable(self.hidden):
            extra = self._protection_for(exposed[0])
            if not extra:  # cannot happen: with everything non-zero hidden, nothing can be worked out
                raise AssertionError(f"no protection for {exposed[0]!r}")
            for item in extra:
                self.hidden[item] = Reason.SECONDARY
        secondary = [i for i, reason in self.hidden.items() if reason == Reason.SECONDARY]
        for item in sorted(secondary, key=lambda i: (-self.value(i), i)):
            rest = [i for i in self.hidden if i != item]
            if not self.derivable(rest):
                del self.hidden[item]

    def figure(self, item: Item) -> Figure:
        return Figure(self.value(item), self.hidden.get(item), self.limit)


# Exact linear algebra over the integers (fraction-free elimination): a row is scaled instead of divided, and
# divided by the common factor of its entries to keep the numbers small. Scaling a row by a non-zero number does
# not change what the rows span, so "can this figure be worked out" is answered exactly, without Fraction's cost.
Row = dict[int, int]


def _echelon(rows: Iterable[Row]) -> list[tuple[int, Row]]:
    """A basis of the rows' span in echelon form: each row with its pivot (non-zero there), each row 0 at the pivots
    of the rows before it. `_reduce` goes through the rows in this order, so a vector in the span reduces to
    nothing (no back-substitution needed)."""
    basis: list[tuple[int, Row]] = []
    for row in rows:
        row = _reduce({k: v for k, v in row.items() if v}, basis)
        if row:
            basis.append((min(row), row))
    return basis


def _reduce(vector: Row, basis: list[tuple[int, Row]]) -> Row:
    """The vector less what the basis spans of it, in the basis's order: empty when the basis spans it."""
    for pivot, row in basis:
        if pivot in vector:
            vector = _eliminate(vector, row, pivot)
    return vector


def _eliminate(y: Row, x: Row, pivot: int) -> Row:
    """x[pivot]·y − y[pivot]·x (no entry at `pivot` left), divided by the common factor of its entries."""
    a, b = y[pivot], x[pivot]
    out = {k: b * v for k, v in y.items()}
    for k, v in x.items():
        w = out.get(k, 0) - a * v
        if w:
            out[k] = w
        else:
            out.pop(k, None)
    common = 0
    for v in out.values():
        common = gcd(common, v)
        if common == 1:
            return out
    return {k: v // common for k, v in out.items()} if common > 1 else out


def _limit(limit: int | None) -> int:
    if limit is None:
        from django.conf import settings

        return settings.SMALL_NUMBER_LIMIT
    return limit


def suppress_table(
    matrix: Sequence[Sequence[int]],
    *,
    row_totals: bool = True,
    column_totals: bool = True,
    grand_total: bool = True,
    blocks: Sequence[int] | None = None,
    suppress: bool = True,
    limit: int | None = None,
) -> SuppressedTable:
    """What may be shown of a table of counts of people (see the module docstring).

    `blocks`: the number of rows of each breakdown when several breakdowns of the same people are stacked (their
    columns add up to the same column totals); one block by default. `suppress=False` shows everything (the
    coordinator)."""
    rows = [list(map(int, row)) for row in matrix]
    if any(n < 0 for row in rows for n in row) or len({len(row) for row in rows}) > 1:
        raise ValueError("a table of counts: non-negative integers, rows of one length")
    sizes = list(blocks) if blocks is not None else [len(rows)]
    if sum(sizes) != len(rows):
        raise ValueError("blocks must add up to the number of rows")
    starts = [sum(sizes[:n]) for n in range(len(sizes))]
    ranges = [range(start, start + size) for start, size in zip(starts, sizes, strict=True)] or [range(0)]
    table = _Table(rows, ranges, row_totals, column_totals, grand_total, _limit(limit) if suppress else 0)
    for block in ranges[1:]:
        for j in range(table.width):
            if sum(rows[r][j] for r in block) != sum(rows[r][j] for r in ranges[0]):
                raise ValueError("every block's columns must add up to the same totals")
    table.decide()
    return SuppressedTable(
        cells=[[table.figure(("c", r, j)) for j in range(table.width)] for r in range(len(rows))],
        row_totals=[table.figure(("r", r)) for r in range(len(rows))] if row_totals else None,
        column_totals=[table.figure(("k", j)) for j in range(table.width)] if column_totals else None,
        total=table.figure(("g",)) if grand_total and rows else None,
    )


def suppress_distribution(
    counts: Sequence[int], *, total: bool = True, suppress: bool = True, limit: int | None = None
) -> SuppressedDistribution:
    """A 1-D distribution (buckets and, if published, their total): the one-row table."""
    table = suppress_table(
        [list(counts)], row_totals=total, column_totals=False, grand_total=False, suppress=suppress, limit=limit
    )
    return SuppressedDistribution(cells=table.cells[0], total=table.row_totals[0] if table.row_totals else None)
