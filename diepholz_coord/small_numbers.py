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

Pure Python, exact integer elimination. Tables grow with the district (course endings by provider: about 290
rows × 6 at ten times the county), so the greedy choice does not eliminate again for each try: one elimination per
protected figure answers every try with a few products (`_protection_test`), pairs that cannot protect are not
tried, and showing figures again needs one elimination in all (`_show_what_is_not_needed`). The choices are the
same as trying each one with a fresh elimination.
"""

from __future__ import annotations

import enum
import functools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from math import gcd

HIDDEN_SECONDARY = "–"
# Decided tables kept per process (the same table is decided once; _decided).
CACHED_TABLES = 1024


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

    def __post_init__(self) -> None:
        width = self.width
        first = self.blocks[0]
        self._values: dict[Item, int] = {("c", r, j): n for r, row in enumerate(self.matrix) for j, n in enumerate(row)}
        self._values |= {("r", r): sum(row) for r, row in enumerate(self.matrix)}
        self._values |= {("k", j): sum(self.matrix[r][j] for r in first) for j in range(width)}
        self._values["g",] = sum(sum(self.matrix[r]) for r in first)
        self._items = self._all_items()

    def _prepare_equations(self) -> None:
        width = self.width
        # The equations every reader has: each published total, and (linked tables) each further block's column
        # adding up to the first block's ("L", block, column). For each cell: the equations it is in, with its
        # coefficient.
        self._equation_keys: list[tuple] = [item for item in self._items if item[0] != "c"]
        self._equation_keys += [("L", b, j) for b in range(1, len(self.blocks)) for j in range(width)]
        self._incidence: dict[tuple[int, int], list[tuple[tuple, int]]] = {}
        for r in range(len(self.matrix)):
            block = next(b for b, rows in enumerate(self.blocks) if r in rows)
            for j in range(width):
                found: list[tuple[tuple, int]] = [(("r", r), 1)] if self.row_totals else []
                if block == 0:
                    found += [(("k", j), 1)] if self.column_totals else []
                    found += [(("g",), 1)] if self.grand_total else []
                    found += [(("L", b, j), -1) for b in range(1, len(self.blocks))]
                else:
                    found.append((("L", block, j), 1))
                self._incidence[r, j] = found
        self._members: dict[Item, set[tuple[int, int]]] = {}
        for cell, keys in self._incidence.items():
            for key, _coefficient in keys:
                if key[0] != "L":
                    self._members.setdefault(key, set()).add(cell)

    @property
    def width(self) -> int:
        return len(self.matrix[0]) if self.matrix else 0

    def value(self, item: Item) -> int:
        return self._values[item]

    def _in_figure(self, cell: tuple[int, int], item: Item) -> bool:
        """Whether a figure adds up this cell (the first block stands for column and grand totals)."""
        if item[0] == "c":
            return cell == (item[1], item[2])
        return any(key == item for key, _coefficient in self._incidence[cell])

    def _all_items(self) -> list[Item]:
        found: list[Item] = [("c", r, j) for r in range(len(self.matrix)) for j in range(self.width)]
        if self.row_totals:
            found += [("r", r) for r in range(len(self.matrix))]
        if self.column_totals:
            found += [("k", j) for j in range(self.width)]
        if self.grand_total and self.matrix:
            found.append(("g",))
        return found

    def items(self) -> list[Item]:
        return self._items

    def block_of(self, row: int) -> range:
        return next(block for block in self.blocks if row in block)

    # --- the rule: can a hidden figure be worked out from what is shown? -------------------------------------
    # Unknowns are the hidden cells (a shown cell is a known number); each shown total and each link between
    # linked tables is an equation over them. A hidden figure can be worked out iff its vector over the hidden
    # cells lies in the span of these equations.

    def _system(self, hidden: Iterable[Item]) -> tuple[dict[tuple[int, int], int], list[tuple], list[Row]]:
        """(unknown of each hidden cell, the shown equations' keys, their rows over the unknowns); an equation
        without a hidden cell is an empty row."""
        hidden = set(hidden)
        unknowns = {cell: n for n, cell in enumerate(sorted((i[1], i[2]) for i in hidden if i[0] == "c"))}
        keys = [key for key in self._equation_keys if key not in hidden]
        rows: dict[tuple, Row] = {key: {} for key in keys}
        for cell, n in unknowns.items():
            for key, coefficient in self._incidence[cell]:
                if key in rows:
                    rows[key][n] = coefficient
        return unknowns, keys, [rows[key] for key in keys]

    def _vector(self, item: Item, unknowns: dict[tuple[int, int], int]) -> Row:
        """The figure's vector over the unknowns (its hidden cells, each with coefficient 1)."""
        if item[0] == "c":
            return {unknowns[cell]: 1} if (cell := (item[1], item[2])) in unknowns else {}
        members = self._members.get(item, set())
        if len(members) < len(unknowns):
            return {unknowns[cell]: 1 for cell in members if cell in unknowns}
        return {n: 1 for cell, n in unknowns.items() if cell in members}

    def derivable(self, hidden: Iterable[Item], targets: Iterable[Item] | None = None) -> list[Item]:
        """The hidden figures (or those of `targets`) that the shown figures give away exactly."""
        hidden = list(hidden)
        unknowns, _keys, rows = self._system(hidden)
        basis = _echelon(rows)
        return [
            item
            for item in (hidden if targets is None else targets)
            if not _reduce(self._vector(item, unknowns), basis)
        ]

    def _elimination(self) -> _Elimination:
        """The shown equations over the current hidden cells in echelon form, each row with the combination of
        the equations it is, and the combinations that add up to nothing."""
        unknowns, keys, rows = self._system(self.hidden)
        found = _Elimination(unknowns, {key: n for n, key in enumerate(keys)})
        for n, row in enumerate(rows):
            row, combination = _reduce_tracked({k: v for k, v in row.items() if v}, {n: 1}, found.basis)
            if row:
                found.basis.append((min(row), row, combination))
            else:
                found.null.append(combination)
        found.plain = [(pivot, row) for pivot, row, _combination in found.basis]
        return found

    def _protection_test(self, target: Item, elimination: _Elimination):
        """For a figure that can be worked out now: a test whether hiding some further figures would stop that.

        Hiding a cell adds an unknown (a column of the equations); hiding a total drops its equation, which is
        the same as giving it an unknown of its own. With λ₀ a combination of the equations that gives the
        target, and Z a basis of the combinations that give nothing (found in one elimination that keeps track
        of its combinations), the target can still be worked out iff some λ₀ + Σ μ·z also gives the new columns
        the target's coefficients on them: iff (t_i − λ₀·a_i)_i lies in the span of the rows (z·a_i)_i. So each
        try costs a few products instead of a new elimination."""
        unknowns, index, basis, null = elimination.unknowns, elimination.index, elimination.basis, elimination.null
        # scale · target = Σ lambda_e · equation_e
        vector, lambda_, scale = self._vector(target, unknowns), {}, 1
        for pivot, row, combination in basis:
            if pivot in vector:
                a, b = vector[pivot], row[pivot]
                vector = _combine(vector, b, row, -a)
                lambda_ = _combine(lambda_, b, combination, a)
                scale *= b
        if vector:
            raise AssertionError(f"{target!r} cannot be worked out; nothing to protect")

        # For each equation: the combinations that give nothing and use it.
        using: dict[int, list[tuple[int, int]]] = {}
        for z, combination in enumerate(null):
            for e, v in combination.items():
                using.setdefault(e, []).append((z, v))
        columns: dict[Item, tuple[Row, int]] = {}

        def column(item: Item) -> tuple[Row, int]:
            """The item's column a (its equations) and scale·(t − λ₀·a) for it."""
            if item not in columns:
                if item[0] == "c":
                    cell = (item[1], item[2])
                    entries = {index[key]: c for key, c in self._incidence[cell] if key in index}
                    coefficient = int(self._in_figure(cell, target))
                else:
                    entries, coefficient = {index[item]: 1}, 0
                wanted = scale * coefficient - sum(lambda_.get(e, 0) * c for e, c in entries.items())
                columns[item] = entries, wanted
            return columns[item]

        def protects(extra: list[Item]) -> bool:
            wanted: Row = {}
            spanned: dict[int, Row] = {}  # z → (z·a_i)_i
            for i, item in enumerate(extra):
                entries, w = column(item)
                if w:
                    wanted[i] = w
                for e, c in entries.items():
                    for z, v in using.get(e, ()):
                        row = spanned.setdefault(z, {})
                        row[i] = row.get(i, 0) + v * c
            if not wanted:
                return False
            basis: list[tuple[int, Row]] = []
            for row in spanned.values():
                row = _reduce({k: v for k, v in row.items() if v}, basis)
                if row:
                    basis.append((min(row), row))
                    if len(basis) == len(extra):  # they span everything: the target can still be worked out
                        return False
            return bool(_reduce(wanted, basis))

        def direction(item: Item) -> tuple | None:
            """The item's row of M, (z·a)_z, up to a non-zero factor; None when it is zero."""
            entries, _wanted = column(item)
            row: Row = {}
            for e, c in entries.items():
                for z, v in using.get(e, ()):
                    row[z] = row.get(z, 0) + v * c
            return _direction(row)

        return protects, direction

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

    def _protection_for(self, target: Item, elimination: _Elimination) -> list[Item]:
        """The figures to hide so that `target` cannot be worked out: inner cells where they suffice, totals only
        where they do not (row and column totals before the grand total)."""
        cells = [("c", *c) for c in self._related_cells(target)]
        totals = self._published_totals(target)
        inner_totals = [t for t in totals if t[0] != "g"]
        grand = [t for t in totals if t[0] == "g"]
        protects, direction = self._protection_test(target, elimination)
        # Two figures of which neither protects alone can only protect together if their columns are parallel
        # where it matters (M's two columns, see _protection_test); other pairs are not tried.
        directions = {item: direction(item) for item in [*cells, *totals]}

        def pairs(first: list[Item], second: list[Item], *, ordered: bool):
            for n, a in enumerate(first):
                if (d := directions[a]) is not None:
                    yield from ([a, b] for b in (second[n + 1 :] if ordered else second) if directions[b] == d)

        rectangle = self._rectangle(target) if target[0] == "c" else None
        tries: Iterable[list[Item]] = chain(  # generated as they are tried
            ([c] for c in cells),
            [rectangle] if rectangle else [],
            pairs(cells, cells, ordered=True),
            ([t] for t in inner_totals),
            pairs(cells, inner_totals, ordered=False),
            ([t] for t in grand),
            pairs(cells, grand, ordered=False),
        )
        for extra in tries:
            if protects(extra):
                return extra
        # Nothing protects it at once: hide the cheapest related figure, then look again.
        if cells or totals:
            return [(cells or totals)[0]]
        everywhere = self._cheapest((r, k) for r in range(len(self.matrix)) for k in range(self.width))
        return [("c", *c) for c in everywhere][:1]

    def decide(self) -> None:
        self._prepare_equations()
        for item in self.items():
            if 0 < self.value(item) < self.limit:
                self.hidden[item] = Reason.PRIMARY
        while True:
            elimination = self._elimination()
            exposed = next(
                (
                    item
                    for item in self.hidden
                    if not _reduce(self._vector(item, elimination.unknowns), elimination.plain)
                ),
                None,
            )
            if exposed is None:
                break
            extra = self._protection_for(exposed, elimination)
            if not extra:  # cannot happen: with everything non-zero hidden, nothing can be worked out
                raise AssertionError(f"no protection for {exposed!r}")
            for item in extra:
                self.hidden[item] = Reason.SECONDARY
        self._show_what_is_not_needed()

    def _show_what_is_not_needed(self) -> None:
        """Show every secondary figure again that gives nothing away, the largest first.

        With the shown equations in echelon form, each hidden figure's vector reduces to its part outside what
        they span (zero at every pivot: the same part whatever the order, up to a factor). Showing a figure adds
        its vector to the equations; another hidden figure can then be worked out iff its part is a multiple of
        the shown figure's part. So parts are compared by direction, and showing a figure reduces the others'
        parts by it: one elimination in all instead of one per figure."""
        secondary = [i for i, reason in self.hidden.items() if reason == Reason.SECONDARY]
        unknowns, _keys, rows = self._system(self.hidden)
        basis = _echelon(rows)
        parts = {item: _reduce(self._vector(item, unknowns), basis) for item in self.hidden}
        directions = {item: _direction(part) for item, part in parts.items()}
        shared = Counter(directions.values())
        if None in shared:
            raise AssertionError("a hidden figure can be worked out")
        for item in sorted(secondary, key=lambda i: (-self.value(i), i)):
            if shared[directions[item]] > 1:
                continue  # showing it would give away a hidden figure
            del self.hidden[item]
            row = parts.pop(item)
            shared[directions.pop(item)] -= 1
            pivot = min(row)
            for other, part in parts.items():
                if pivot in part:
                    shared[directions[other]] -= 1
                    parts[other] = _eliminate(part, row, pivot)
                    directions[other] = _direction(parts[other])
                    shared[directions[other]] += 1

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


@dataclass
class _Elimination:
    unknowns: dict[tuple[int, int], int]  # hidden cell → unknown
    index: dict[tuple, int]  # shown equation → its number
    basis: list[tuple[int, Row, Row]] = field(default_factory=list)  # (pivot, row, combination of equations)
    null: list[Row] = field(default_factory=list)  # combinations of the equations that add up to nothing
    plain: list[tuple[int, Row]] = field(default_factory=list)  # (pivot, row)


def _direction(vector: Row) -> tuple | None:
    """The vector up to a non-zero factor (divided by its entries' common factor, the first entry positive);
    None for the zero vector."""
    vector = {k: v for k, v in vector.items() if v}
    if not vector:
        return None
    common = 0
    for v in vector.values():
        common = gcd(common, v)
    common *= 1 if vector[min(vector)] > 0 else -1
    return tuple(sorted((k, v // common) for k, v in vector.items()))


def _combine(y: Row, b: int, x: Row, a: int) -> Row:
    """b·y + a·x."""
    out = {k: b * v for k, v in y.items()} if b != 1 else dict(y)
    for k, v in x.items():
        w = out.get(k, 0) + a * v
        if w:
            out[k] = w
        else:
            out.pop(k, None)
    return out


def _reduce_tracked(vector: Row, combination: Row, basis: list[tuple[int, Row, Row]]) -> tuple[Row, Row]:
    """`_reduce`, keeping track of which combination of the equations the vector is (each basis row with its
    own); both divided by their common factor."""
    for pivot, row, row_combination in basis:
        if pivot in vector:
            a, b = vector[pivot], row[pivot]
            vector = _combine(vector, b, row, -a)
            combination = _combine(combination, b, row_combination, -a)
            common = 0
            for v in (*vector.values(), *combination.values()):
                common = gcd(common, v)
                if common == 1:
                    break
            if common > 1:
                vector = {k: v // common for k, v in vector.items()}
                combination = {k: v // common for k, v in combination.items()}
    return vector, combination


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


@functools.lru_cache(maxsize=CACHED_TABLES)
def _decided(
    rows: tuple[tuple[int, ...], ...],
    sizes: tuple[int, ...],
    row_totals: bool,
    column_totals: bool,
    grand_total: bool,
    limit: int,
) -> tuple[tuple[Item, Reason], ...]:
    """The hidden figures of a table. The answer depends on the table alone, so it is kept per process under the
    table itself: a changed table is another key (nothing to invalidate), the same table is decided once."""
    starts = [sum(sizes[:n]) for n in range(len(sizes))]
    ranges = [range(start, start + size) for start, size in zip(starts, sizes, strict=True)] or [range(0)]
    table = _Table([list(row) for row in rows], ranges, row_totals, column_totals, grand_total, limit)
    table.decide()
    return tuple(table.hidden.items())


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
    if table.limit:
        table.hidden = dict(
            _decided(tuple(map(tuple, rows)), tuple(sizes), row_totals, column_totals, grand_total, table.limit)
        )
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
