"""Readings of glued digit runs, and the whole table solved at once against its identities.

A row's numbers may arrive glued (`1400000 14` for seven cells): every way to cut each run into cells (no
leading zeros, a number bounded by separators stays one cell) is a reading. A reading never adds or drops a
digit: it only places digits that are all in the text. The table's identities (row sums, column balance,
outcome sums, table 四's sums) then choose among the readings of all rows together: the readings that break the
fewest identities are kept, and a cell is published only when every kept reading gives it the same value.
A source with an accounting error keeps its error (the kept readings still break it): nothing is repaired.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

MAX_READINGS = 4096  # per row: more means the run says too little to be read
MAX_JOINT = 200_000  # readings of the whole table tried at once


@dataclass(frozen=True)
class Part:
    text: str  # the digits of one cell
    value: int | float | None
    line: int | None


def splittable(text: str, bounded: bool) -> bool:
    return not bounded and text.isdigit() and text.isascii() and len(text) > 1


MAX_DIGITS_PER_CELL = 6  # a table 三/四 count has at most six digits here; longer cuts are not readings


def readings(tokens: list[tuple[str, bool, int | None]], n: int) -> list[tuple[Part, ...]] | None:
    """Every reading of (text, bounded, line) value tokens as `n` cells, cutting unbounded digit runs into
    numbers without leading zeros; None when there are more than `MAX_READINGS` (the run says too little).
    Generated lazily, cell by cell, so a long run costs no more than the readings it has."""
    units: list[tuple[str, bool, int | None]] = [(t, not splittable(t, b), line) for t, b, line in tokens]
    total_min = len(units)
    if total_min > n:
        return []
    out: list[tuple[Part, ...]] = []
    acc: list[Part] = []

    def rec(i: int, pos: int, cells_left: int) -> bool:
        """Token i, from character pos; False once too many readings were found."""
        if i == len(units):
            if cells_left == 0:
                out.append(tuple(acc))
            return len(out) <= MAX_READINGS
        text, whole, line = units[i]
        tokens_after = len(units) - i - 1
        if whole:
            if cells_left - 1 < tokens_after:
                return True
            acc.append(Part(text, _value(text), line))
            ok = rec(i + 1, 0, cells_left - 1)
            acc.pop()
            return ok
        rest = len(text) - pos
        # at least one cell per remaining token, and at most MAX_DIGITS_PER_CELL digits a cell
        if cells_left - tokens_after < 1 or rest > (cells_left - tokens_after) * MAX_DIGITS_PER_CELL:
            return True
        for length in range(1, min(rest, MAX_DIGITS_PER_CELL) + 1):
            piece = text[pos:pos + length]
            if length > 1 and piece[0] == "0":
                break
            acc.append(Part(piece, int(piece), line))
            if pos + length == len(text):
                ok = rec(i + 1, 0, cells_left - 1)
            elif cells_left - 1 - tokens_after >= 1:
                ok = rec(i, pos + length, cells_left - 1)
            else:
                ok = True
            acc.pop()
            if not ok:
                return False
        return True

    if not rec(0, 0, n):
        return None
    return out


def _value(text: str) -> int | float | None:
    from gip_pipeline.parse.cells import parse_number

    return parse_number(text)[0]


# An identity over cell keys: sum(lhs) == sum(rhs).
KeyIdentity = tuple[tuple, tuple]


def violations(values: dict, identities: list[KeyIdentity]) -> int | None:
    """How many identities break (those with an unknown or non-integer operand are not counted)."""
    bad = 0
    for lhs, rhs in identities:
        vals = [values.get(c) for c in lhs + rhs]
        if any(v is None for v in vals):
            continue
        if sum(vals[: len(lhs)]) != sum(vals[len(lhs):]):
            bad += 1
    return bad


def solve(fixed: dict, choices: dict[str, list[dict]], identities: list[KeyIdentity]
          ) -> tuple[dict, dict[str, list[dict]]]:
    """Choose among the readings of several rows (`choices`: row → readings, each a {cell key: value}) together.

    Returns (the cells every best reading agrees on, row → the distinct best readings where they disagree).
    "Best" = breaking the fewest identities of the whole table, the rows already read (`fixed`) included.
    """
    rows = sorted(choices, key=lambda r: len(choices[r]))
    total = 1
    for r in rows:
        total *= len(choices[r])
    best: list[tuple[int, ...]] = []
    best_bad = None
    relevant = [i for i in identities if any(any(c in reading for c in i[0] + i[1])
                                             for r in rows for reading in choices[r][:1])]
    if total <= MAX_JOINT:
        combos = itertools.product(*(range(len(choices[r])) for r in rows))
        for combo in combos:
            values = dict(fixed)
            for r, k in zip(rows, combo):
                values.update(choices[r][k])
            bad = violations(values, relevant)
            if best_bad is None or bad < best_bad:
                best_bad, best = bad, [combo]
            elif bad == best_bad:
                best.append(combo)
    else:  # too many together: each row against the rows read and the others unknown
        per_row = []
        for r in rows:
            scores = [violations({**fixed, **reading}, relevant) for reading in choices[r]]
            m = min(scores)
            per_row.append([k for k, s in enumerate(scores) if s == m])
        best = [tuple(c) for c in itertools.islice(itertools.product(*per_row), MAX_JOINT)]
    agreed: dict = {}
    open_rows: dict[str, list[dict]] = {}
    for idx, r in enumerate(rows):
        kept = []
        for combo in best:
            reading = choices[r][combo[idx]]
            if reading not in kept:
                kept.append(reading)
        if len(kept) == 1:
            agreed.update(kept[0])
        else:
            open_rows[r] = kept
            for key in kept[0]:
                vals = {reading[key] for reading in kept}
                if len(vals) == 1:
                    agreed[key] = kept[0][key]
    return agreed, open_rows
