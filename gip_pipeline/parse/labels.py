"""Fuzzy label matching: real labels carry typos, line breaks, scrambled PDF text and stray notes."""

from __future__ import annotations

import re
from functools import lru_cache

_PAREN = re.compile(r"\([^()]{4,}\)?")  # long parentheticals: (区分处理的,只计这一情形…), (本列数据的勾稽关系…)
_NON_CJK = re.compile(r"[^\u4e00-\u9fff]")
_MAX_TEXT = 200


@lru_cache(maxsize=4096)
def label_key(label: str) -> str:
    """`key` of a canonical label, cached: the same few hundred labels are matched millions of times."""
    return key(label)


@lru_cache(maxsize=1 << 16)
def key(text: str) -> str:
    """The Chinese characters of a label, without long parenthetical notes (cached: label texts repeat)."""
    return _NON_CJK.sub("", _PAREN.sub("", text))


def lcs(a: str, b: str) -> int:
    """Length of the longest common subsequence of a (a short label) and b.

    Bit-parallel (Hyyrö 2004): one big-integer step per character of b instead of a len(a)·len(b) table.
    """
    if not a or not b:
        return 0
    masks: dict[str, int] = {}
    for i, ch in enumerate(a):
        masks[ch] = masks.get(ch, 0) | (1 << i)
    full = (1 << len(a)) - 1
    v = full
    for ch in b:
        u = v & masks.get(ch, 0)
        v = ((v + u) | (v - u)) & full
    return len(a) - bin(v).count("1")


@lru_cache(maxsize=1 << 14)
def coverage(label: str, text: str) -> float:
    """Share of the canonical label's characters found, in order, in the text (cached, as `_best_match`)."""
    k = label_key(label)
    return lcs(k, key(text)) / len(k) if k else 0.0


def _bigrams(s: str) -> set[str]:
    return {s[i:i + 2] for i in range(len(s) - 1)}


def best_match(text: str, candidates: dict[str, tuple[str, ...]], threshold: float) -> tuple[str | None, float]:
    """The candidate whose label is best covered by `text`.

    Among labels covered at least `threshold`, the one with the most characters matched wins, so a long label
    read with one character lost beats a two-character label that happens to occur in the text (其他 inside
    "(六)其他处理 1.申请人…"); remaining ties go to the closer bigram overlap (本年废制件数 → 本年废止件数).
    """
    # labels are short: only the end of a long text can name one (keeps it linear)
    return _best_match(key(text)[-_MAX_TEXT:], tuple(candidates.items()), threshold)


@lru_cache(maxsize=1 << 15)
def _best_match(tkey: str, candidates: tuple[tuple[str, tuple[str, ...]], ...], threshold: float
                ) -> tuple[str | None, float]:
    """`best_match` of a label key, cached: reports of one template repeat the same label texts."""
    tgrams = _bigrams(tkey)
    best: tuple[int, float, int, str] | None = None
    best_cov = 0.0
    for code, labels in candidates:
        for label in labels:
            k = label_key(label)
            if not k:
                continue
            matched = len(k) if k in tkey else lcs(k, tkey)
            cov = matched / len(k)
            best_cov = max(best_cov, cov)
            if cov < threshold:
                continue
            score = (matched, cov, len(_bigrams(k) & tgrams), code)
            if best is None or score[:3] > best[:3]:
                best = score
    if best is None:
        return None, best_cov
    return best[3], best[1]
