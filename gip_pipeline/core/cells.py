"""Cells: splitting a line of flattened table text into cells, reading a cell's value, fitting a row.

Real tables arrive as tab-separated lines, `|`-separated lines, space-separated lines (PDF text), one cell per
line, cells glued together with no separator (HTML with the tags stripped), with stray numbers in label cells and
with lost or extra cells. Everything here works on one line or one row at a time; the table parsers decide which
row a run of values belongs to.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache

_NUM = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:万元|元|万|件|项|个)?$")
_NA = {"/", "-", "--", "无", "\\", "x", "X", "*"}
_SPACED_NUMS = re.compile(r"^[+-]?\d+(?:\.\d+)?(?:\s+[+-]?\d+(?:\.\d+)?)+$")
_HAS_TEXT = re.compile(r"[^\d\s.,+\-/%()*]")
_GLUED_TAIL = re.compile(r"(?<![\d.,+\-])(\d+)$")
# Page furniture that PDF and CMS text interleaves with table rows.
_FOOTER = re.compile(r"^\s*(?:[-—–]\s*\d+\s*[-—–]|第\s*\d+\s*页(?:\s*[,/]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+"
                     r"|共\s*\d+\s*页(?:\s*第\s*\d+\s*页)?|page\s*\d+(?:\s*of\s*\d+)?)\s*$", re.IGNORECASE)
_UNIT = re.compile(r"(万元|元|万|件|项|个)$")
_INT = re.compile(r"[+-]?\d+")
_MAX_GLUED_DIGITS = 40
_MAX_CANDIDATES = 64


@dataclass(frozen=True)
class Cell:
    """One table cell: the value read, the text found, whether the value (or its position) was inferred rather
    than read, and the 1-based line of the normalized text the value came from."""

    value: int | float | None
    raw: str | None
    derived: bool = False
    line: int | None = None


@dataclass(frozen=True)
class Token:
    text: str
    line: int | None = None
    glued: bool = False  # a digit run cut from the end of a label cell: the cells' boundaries are unknown
    group: int | None = None  # tokens split from one cell at white space: may be one number ("1 234")


def is_footer(line: str) -> bool:
    return bool(_FOOTER.match(line))


def classify(cell: str) -> str:
    """'num', 'na' (not applicable: / - 无) , 'text', or 'junk' (punctuation only)."""
    if cell.isdigit() and cell.isascii() or _NUM.match(cell):  # plain digits first: most cells are
        return "num"
    if cell in _NA:
        return "na"
    return "text" if _HAS_TEXT.search(cell) else "junk"


def split_cells(line: str) -> list[str]:
    """Non-empty cells of a line: split on tabs, else on `|`, else on runs of white space (PDF text).
    A cell holding only space-separated numbers becomes one cell per number."""
    return [c for c, _ in split_cells_grouped(line)]


def split_cells_grouped(line: str) -> list[tuple[str, int]]:
    """Like `split_cells`, with the index of the source cell (white-space splits share one index)."""
    if "\t" in line:
        parts = line.split("\t")
    elif "|" in line:
        parts = line.split("|")
    else:
        return [(c, -1) for c in line.split()]
    out: list[tuple[str, int]] = []
    for i, part in enumerate(parts):
        part = part.strip()
        if not part:
            continue
        if _SPACED_NUMS.match(part):
            out.extend((p, i) for p in part.split())
        else:
            out.append((part, i))
    return out


@dataclass
class Line:
    label: str  # the text cells joined
    values: list[Token]  # the value cells after the last text cell
    stray: list[str]  # number cells before the last text cell: not table values


def read_line(line: str, lineno: int | None = None) -> Line:
    label, values, stray, glued = _read_cells(line)
    return Line(label, [Token(text, lineno, glued, None if glued else (lineno or 0) * 1000 + group)
                        for text, group in values], list(stray))


@lru_cache(maxsize=1 << 15)
def _read_cells(line: str) -> tuple[str, tuple[tuple[str, int], ...], tuple[str, ...], bool]:
    """What `read_line` finds in a line, by text alone (cached: label lines repeat across reports):
    (label, value cells with their source-cell index (999: split at white space), stray numbers, glued)."""
    grouped = split_cells_grouped(line)
    cells = [c for c, _ in grouped]
    kinds = [classify(c) for c in cells]
    if kinds.count("na") + kinds.count("num") == 1 and "无" in cells:
        kinds[cells.index("无")] = "text"  # a lone 无 is a label fragment (4. 无 / 正当理由…), not a value
    last_text = max((i for i, k in enumerate(kinds) if k == "text"), default=-1)
    label_cells = [c for c, k in zip(cells[: last_text + 1], kinds) if k == "text"]
    stray = tuple(c for c, k in zip(cells[: last_text + 1], kinds) if k == "num")
    values = tuple((c, g if g >= 0 else 999) for (c, g), k in zip(grouped[last_text + 1:], kinds[last_text + 1:])
                   if k in ("num", "na"))
    if not values and label_cells:
        m = _GLUED_TAIL.search(label_cells[-1])
        if m and m.start() > 0:  # 予以公开2100003: the cells were glued onto the label
            label_cells[-1] = label_cells[-1][: m.start()]
            return "".join(label_cells), ((m.group(1), 999),), stray, True
    return "".join(label_cells), values, stray, False


def parse_number(raw: str, *, integer: bool = True) -> tuple[int | float | None, str | None]:
    """Value and unit of a cell; None for not-applicable tokens. Integers stay int when `integer`."""
    raw = raw.strip()
    if raw.isdigit() and raw.isascii():  # most cells: no sign, unit or separator
        return (int(raw) if integer else float(raw)), None
    if classify(raw) != "num":
        return None, None
    unit = None
    m = _UNIT.search(raw)
    if m:
        unit = m.group(1)
        raw = raw[: m.start()]
    raw = raw.replace(",", "")
    if integer and _INT.fullmatch(raw):
        return int(raw), unit
    return float(raw), unit


# An identity over the positions of one row: sum(values[lhs]) == sum(values[rhs]).
RowIdentity = tuple[tuple[int, ...], tuple[int, ...]]


def holds(vec: list[int | None], identities: list[RowIdentity]) -> bool:
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


def _glued_splits(digits: str, n: int, identities: list[RowIdentity]):
    """Every way to cut a digit run into `n` numbers (no leading zeros) that satisfies the row identities.
    Backtracking checks each identity as soon as its cells are known, so the search stays small."""
    checks: dict[int, list[RowIdentity]] = {}
    for ident in identities:
        checks.setdefault(max(ident[0] + ident[1]), []).append(ident)
    parts: list[str] = []

    def rec(pos: int):
        k = len(parts)
        if k == n:
            if pos == len(digits):
                yield list(parts)
            return
        remaining_cells = n - k
        max_len = len(digits) - pos - (remaining_cells - 1)
        for length in range(1, max_len + 1):
            piece = digits[pos:pos + length]
            if length > 1 and piece[0] == "0":
                break
            parts.append(piece)
            vals = [int(p) for p in parts]
            if all(sum(vals[i] for i in lhs) == sum(vals[i] for i in rhs) for lhs, rhs in checks.get(k, [])):
                yield from rec(pos + length)
            parts.pop()

    yield from rec(0)


def _space_merges(tokens: list[Token], k: int):
    """Readings of the tokens with `k` adjacent pairs from one cell joined as digit groups (1 + 234 → 1 234)."""
    joinable = [i for i in range(len(tokens) - 1)
                if tokens[i].group is not None and tokens[i].group == tokens[i + 1].group
                and re.fullmatch(r"\d{1,3}", tokens[i].text) and re.fullmatch(r"\d{3}", tokens[i + 1].text)]
    for picks in itertools.combinations(joinable, k):
        if any(b - a < 2 for a, b in zip(picks, picks[1:])):
            continue
        out: list[Token] = []
        i = 0
        while i < len(tokens):
            if i in picks:
                out.append(Token(f"{tokens[i].text} {tokens[i + 1].text}", tokens[i].line))
                i += 2
            else:
                out.append(tokens[i])
                i += 1
        yield out


@dataclass
class Fit:
    cells: list[Cell]
    warnings: list[str]
    candidates: list[list[Cell]]  # when ambiguous: every reading consistent with the row's identities


def fit_row(tokens: list[Token], n: int, identities: list[RowIdentity], what: str) -> Fit:
    """Fit the value tokens found for a row onto its `n` cells.

    With exactly `n` tokens the cells are read in order. With one or two tokens too many or too few, or with a
    glued digit run, every placement (or cut) is tried; if all readings consistent with the row's identities give
    the same values, those are kept (marked `derived`, with a warning that says so). Otherwise the row is null with
    a warning and the readings are returned as `candidates`, for the table's own identities to decide: a number is
    never guessed onto a cell.
    """
    warnings: list[str] = []
    if len(tokens) == n and not any(t.glued for t in tokens):
        return Fit([Cell(parse_number(t.text)[0], t.text, False, t.line) for t in tokens], warnings, [])
    texts = [t.text for t in tokens]
    line = tokens[0].line if tokens else None
    solutions: dict[tuple, list[Cell]] = {}
    if len(tokens) == 1 and tokens[0].text.isdigit() and n > 1 and len(tokens[0].text) >= n:
        digits = tokens[0].text
        kind = f"glued digits '{digits}'"
        if len(digits) <= _MAX_GLUED_DIGITS:
            for parts in _glued_splits(digits, n, identities):
                vec = tuple(int(p) for p in parts)
                solutions.setdefault(vec, [Cell(int(p), p, True, line) for p in parts])
                if len(solutions) > _MAX_CANDIDATES:
                    break
    elif not tokens or abs(len(tokens) - n) > 2 or not identities:
        warnings.append(f"{what}: {len(tokens)} values for {n} cells {texts}; cannot place them, left null")
        return Fit([Cell(None, None, False, line) for _ in range(n)], warnings, [])
    elif len(tokens) > n:
        k = len(tokens) - n
        kind = f"{k} stray value(s) or number(s) with spaces inside"
        ints = [parse_number(t.text)[0] for t in tokens]
        for drop in itertools.combinations(range(len(tokens)), k):
            keep = [i for i in range(len(tokens)) if i not in drop]
            vec = [ints[i] for i in keep]
            if all(isinstance(v, int) for v in vec) and holds(vec, identities):
                solutions.setdefault(tuple(vec), [Cell(ints[i], tokens[i].text, True, tokens[i].line)
                                                  for i in keep])
        for merged in _space_merges(tokens, k):  # "1 234" is one number written with a space inside
            vec = [parse_number(t.text.replace(" ", ""))[0] for t in merged]
            if all(isinstance(v, int) for v in vec) and holds(vec, identities):
                solutions.setdefault(tuple(vec), [Cell(v, t.text, True, t.line) for v, t in zip(vec, merged)])
    else:
        k = n - len(tokens)
        kind = f"{k} lost cell(s)"
        ints = [parse_number(t.text)[0] for t in tokens]
        for lost in itertools.combinations(range(n), k):
            it = iter(range(len(tokens)))
            slots = [None if i in lost else next(it) for i in range(n)]
            vec = [None if s is None else ints[s] for s in slots]
            if any(v is not None and not isinstance(v, int) for v in vec):
                continue
            solved = _solve(vec, identities)
            if solved is not None and holds(solved, identities):
                solutions.setdefault(tuple(solved), [
                    Cell(solved[i], None if s is None else tokens[s].text, True,
                         line if s is None else tokens[s].line) for i, s in enumerate(slots)])
    if len(solutions) == 1:
        (vec, cells), = solutions.items()
        warnings.append(f"{what}: {len(tokens)} value(s) for {n} cells ({kind}); the only values consistent with "
                        f"the row identities are {list(vec)}: kept, marked derived")
        return Fit(cells, warnings, [])
    warnings.append(f"{what}: {len(tokens)} value(s) for {n} cells ({kind}) {texts}; {len(solutions)} readings "
                    "fit the row identities, left null")
    return Fit([Cell(None, None, False, line) for _ in range(n)], warnings, list(solutions.values()))
