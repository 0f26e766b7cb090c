"""Cells: splitting a line of flattened table text into cells, reading a cell's value, fitting a row.

Real tables arrive as tab-separated lines, `|`-separated lines, one cell per line, with stray numbers in label
cells and with lost or extra cells. Everything here works on one line or one row at a time; the table parsers
decide which row a run of values belongs to.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

_NUM = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:万元|元|万|件|项|个)?$")
_NA = {"/", "-", "--", "无", "—", "\\", "—", "x", "X"}
_SPACED_NUMS = re.compile(r"^[+-]?\d+(?:\.\d+)?(?:\s+[+-]?\d+(?:\.\d+)?)+$")
_HAS_TEXT = re.compile(r"[^\d\s.,+\-/%()]")


@dataclass(frozen=True)
class Cell:
    """One table cell: the value read, the text found, and whether the value was inferred rather than read."""

    value: int | float | None
    raw: str | None
    derived: bool = False


def classify(cell: str) -> str:
    """'num', 'na' (not applicable: / - 无) or 'text'."""
    if _NUM.match(cell):
        return "num"
    if cell in _NA:
        return "na"
    return "text" if _HAS_TEXT.search(cell) else "junk"


def split_cells(line: str) -> list[str]:
    """Non-empty cells of a line; a cell holding only space-separated numbers becomes one cell per number."""
    if "\t" in line:
        parts = line.split("\t")
    elif "|" in line:
        parts = line.split("|")
    else:
        parts = [line]
    out: list[str] = []
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if _SPACED_NUMS.match(part):
            out.extend(part.split())
        else:
            out.append(part)
    return out


@dataclass
class Line:
    label: str  # the text cells joined
    values: list[str]  # the value cells after the last text cell
    stray: list[str]  # number cells before the last text cell: not table values


def read_line(line: str) -> Line:
    cells = split_cells(line)
    kinds = [classify(c) for c in cells]
    last_text = max((i for i, k in enumerate(kinds) if k == "text"), default=-1)
    label = "".join(c for c, k in zip(cells[: last_text + 1], kinds) if k == "text")
    stray = [c for c, k in zip(cells[: last_text + 1], kinds) if k == "num"]
    values = [c for c, k in zip(cells[last_text + 1:], kinds[last_text + 1:]) if k in ("num", "na")]
    return Line(label, values, stray)


def parse_number(raw: str, *, integer: bool = True) -> tuple[int | float | None, str | None]:
    """Value and unit of a cell; None for not-applicable tokens. Integers stay int when `integer`."""
    raw = raw.strip()
    if classify(raw) != "num":
        return None, None
    unit = None
    m = re.search(r"(万元|元|万|件|项|个)$", raw)
    if m:
        unit = m.group(1)
        raw = raw[: m.start()]
    raw = raw.replace(",", "")
    if integer and re.fullmatch(r"[+-]?\d+", raw):
        return int(raw), unit
    return float(raw), unit


# An identity over the positions of one row: sum(values[lhs]) == sum(values[rhs]).
RowIdentity = tuple[tuple[int, ...], tuple[int, ...]]


def _holds(vec: list[int | None], identities: list[RowIdentity]) -> bool:
    for lhs, rhs in identities:
        if any(vec[i] is None for i in lhs + rhs):
            return False
        if sum(vec[i] for i in lhs) != sum(vec[i] for i in rhs):  # type: ignore[misc]
            return False
    return True


def _solve(vec: list[int | None], identities: list[RowIdentity]) -> list[int | None] | None:
    """Fill unknown cells from identities that have exactly one unknown; None if any stays unknown or < 0."""
    vec = list(vec)
    progress = True
    while progress and any(v is None for v in vec):
        progress = False
        for lhs, rhs in identities:
            unknown = [i for i in lhs + rhs if vec[i] is None]
            if len(unknown) != 1:
                continue
            u = unknown[0]
            s_l = sum(vec[i] for i in lhs if i != u)  # type: ignore[misc]
            s_r = sum(vec[i] for i in rhs if i != u)  # type: ignore[misc]
            vec[u] = (s_r - s_l) if u in lhs else (s_l - s_r)
            progress = True
    if any(v is None or v < 0 for v in vec):
        return None
    return vec


def fit_row(tokens: list[str], n: int, identities: list[RowIdentity], what: str) -> tuple[list[Cell], list[str]]:
    """Fit the value tokens found for a row onto its `n` cells.

    With exactly `n` tokens the cells are read in order. With one or two tokens too many or too few, every
    placement of the stray/lost cells is tried; if all placements consistent with the row's identities give the
    same values, those values are kept (marked `derived`, with a warning that says so), otherwise the row is
    left null with a warning: a number is never guessed onto a cell.
    """
    warnings: list[str] = []
    if len(tokens) == n:
        return [Cell(parse_number(t)[0], t) for t in tokens], warnings
    k = len(tokens) - n
    if not tokens or abs(k) > 2 or not identities:
        warnings.append(f"{what}: {len(tokens)} values for {n} cells {tokens}; cannot place them, left null")
        return [Cell(None, None) for _ in range(n)], warnings
    ints = [parse_number(t)[0] for t in tokens]
    solutions: dict[tuple, list[Cell]] = {}
    if k > 0:
        for drop in itertools.combinations(range(len(tokens)), k):
            keep = [i for i in range(len(tokens)) if i not in drop]
            vec = [ints[i] for i in keep]
            if all(isinstance(v, int) for v in vec) and _holds(vec, identities):
                solutions.setdefault(tuple(vec), [Cell(ints[i], tokens[i], True) for i in keep])
        kind = f"{k} stray value(s)"
    else:
        for lost in itertools.combinations(range(n), -k):
            it = iter(range(len(tokens)))
            slots = [None if i in lost else next(it) for i in range(n)]
            vec = [None if s is None else ints[s] for s in slots]
            if any(v is not None and not isinstance(v, int) for v in vec):
                continue
            solved = _solve(vec, identities)
            if solved is not None and _holds(solved, identities):
                solutions.setdefault(tuple(solved), [
                    Cell(solved[i], None if s is None else tokens[s], True) for i, s in enumerate(slots)])
        kind = f"{-k} lost cell(s)"
    if len(solutions) == 1:
        (vec, cells), = solutions.items()
        warnings.append(f"{what}: {len(tokens)} values for {n} cells ({kind}); the only values consistent with "
                        f"the row identities are {list(vec)}: kept, marked derived")
        return cells, warnings
    warnings.append(f"{what}: {len(tokens)} values for {n} cells ({kind}) {tokens}; "
                    f"{len(solutions)} readings fit the identities, left null")
    return [Cell(None, None) for _ in range(n)], warnings
