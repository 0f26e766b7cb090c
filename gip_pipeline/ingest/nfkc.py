"""NFKC plus the quote/dash/space folding of `normalize`, by lookup table, for texts where that is exact.

Why: `unicodedata.normalize("NFKC")` and `str.translate` with a dict cost ~0.35 ms on a 6 KB report, half of the
normalization stage. Almost every report holds only characters that NFKC maps one to one (full-width forms → ASCII)
or leaves alone (ASCII, CJK ideographs, CJK punctuation), and none that can compose with a neighbour; for such a
text NFKC is a per-character table lookup, done here with numpy over the UTF-32 code units. Any other text (a
combining mark, a character NFKC expands or composes, anything outside the BMP) returns None, and the caller runs
`unicodedata.normalize` itself: the result is the same either way (`gip_pipeline_tests/test_normalize.py` compares
the two on every character the table admits).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_BMP = 0x10000


@lru_cache(maxsize=None)
def _tables(fold: tuple[tuple[str, str], ...]):
    """(lookup: code → folded code, fast: code admitted, changed: code that NFKC changes) over the BMP.

    `fold` is applied after NFKC (`normalize._QUOTES`). Admitted: characters with canonical combining class 0 that
    no canonical composition takes as its second character (so nothing joins them to a neighbour), and that NFKC
    leaves alone or maps to one such character."""
    import numpy as np

    seconds = {chr(c) for c in range(0x1161, 0x1176)} | {chr(c) for c in range(0x11A8, 0x11C3)}  # Hangul V, T
    for cp in range(_BMP):
        d = unicodedata.decomposition(chr(cp))
        if d and not d.startswith("<") and len(parts := d.split()) == 2:
            seconds.add(chr(int(parts[1], 16)))

    def inert(c: str) -> bool:
        return not unicodedata.combining(c) and c not in seconds

    folds = dict(fold)
    lookup = np.arange(_BMP, dtype=np.uint32)
    fast = np.zeros(_BMP, dtype=bool)
    changed = np.zeros(_BMP, dtype=bool)
    for cp in range(_BMP):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        n = unicodedata.normalize("NFKC", c)
        if not inert(c) or len(n) != 1 or not inert(n) or unicodedata.normalize("NFKC", n) != n:
            continue
        fast[cp] = True
        changed[cp] = n != c
        lookup[cp] = ord(folds.get(n, n))
    return lookup, fast, changed


def nfkc_fold(text: str, fold: tuple[tuple[str, str], ...]) -> tuple[str, int] | None:
    """(NFKC of `text` with `fold` applied after it, how many characters NFKC changed) — or None when the table
    cannot say (the caller then uses `unicodedata.normalize`)."""
    import numpy as np

    lookup, fast, changed = _tables(fold)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    if not codes.size:
        return text, 0
    if int(codes.max()) >= _BMP or not fast[codes].all():
        return None
    return lookup[codes].tobytes().decode("utf-32-le"), int(np.count_nonzero(changed[codes]))


def warm(fold: tuple[tuple[str, str], ...]) -> None:
    """Build the tables now (a parent process before forking workers, so each worker does not build its own)."""
    _tables(fold)
