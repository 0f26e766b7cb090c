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


def _cuts(digits: str, k: int) -> list[tuple[str, ...]]:
    """Every cut of a digit run into k numbers without leading zeros."""
    if k == 1:
        return [(digits,)] if len(digits) == 1 or digits[0] != "0" else []
    out = []
    for length in range(1, len(digits) - k + 2):
        head = digits[:length]
        if length > 1 and head[0] == "0":
            break
        for rest in _cuts(digits[length:], k - 1):
            out.append((head, *rest))
    return out


def splittable(text: str, bounded: bool) -> bool:
    return not bounded and text.isdigit() and text.isascii() and len(text) > 1


def readings(tokens: list[tuple[str, bool, int | None]], n: int) -> list[tuple[Part, ...]] | None:
    """Every reading of (text, bounded, line) value tokens as `n` cells, cutting unbounded digit runs; None when
    there are too many to be useful. Only for fewer tokens than cells or runs that cannot be one number."""
    options: list[list[tuple[int, tuple[str, ...]]]] = []
    for text, bounded, _ in tokens:
        if not splittable(text, bounded):
            options.append([(1, (text,))])
            continue
        opts = []
        for k in range(1, min(len(text), n) + 1):
            opts.extend((k, cut) for cut in _cuts(text, k))
        options.append(opts)
    out: list[tuple[Part, ...]] = []

    def rec(i: int, left: int, acc: list[Part]) -> bool:
        if i == len(tokens):
            if left == 0:
                out.append(tuple(acc))
            return len(out) <= MAX_READINGS
        remaining_tokens = len(tokens) - i - 1
        line = tokens[i][2]
        for k, cut in options[i]:
            if k > left - remaining_tokens:
                continue
            parts = [Part(c, _value(c), line) for c in cut]
            if not rec(i + 1, left - k, acc + parts):
                return False
        return True

    if not rec(0, n, []):
        return None
    return out


def _value(text: str) -> int | float | None:
    from .cells import parse_number

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
