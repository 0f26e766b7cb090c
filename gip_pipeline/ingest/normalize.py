"""Bytes → one canonical text form: decoding, OpenCC t2s, NFKC, one form for quotes/dashes/spaces.

The raw bytes are never changed; `normalize` returns the text plus a record of what it changed so the
`reports` table can say how a document was read.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from gip_pipeline.contract.errors import DecodeError, RejectedInput  # noqa: F401  (DecodeError re-exported)
from gip_pipeline.ingest.nfkc import nfkc_fold, warm

# Signatures of binary containers that sometimes arrive with a .txt name.
_BINARY_MAGIC = (b"\x89PNG", b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0", b"GIF8", b"\xff\xd8\xff", b"\x1f\x8b",
                 b"Rar!", b"7z\xbc\xaf")
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"', "「": '"', "」": '"',
                         "『": '"', "』": '"', "‘": "'", "’": "'", "‚": "'", "′": "'", "〝": '"', "〞": '"',
                         "—": "-", "–": "-", "―": "-", "‒": "-", "−": "-", "─": "-", "－": "-",
                         "\u00a0": " ", "\u3000": " ", "\u2002": " ", "\u2003": " ", "\u2009": " ",
                         "\u200a": " ", "\u202f": " ", "\u205f": " ", "\u2007": " ", "\u2008": " "})
_FOLD = tuple((chr(k), v) for k, v in sorted(_QUOTES.items()))  # `_QUOTES` as pairs, for `nfkc.nfkc_fold`
_CJK = re.compile("[\u4e00-\u9fff]")
_DROP = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")




@dataclass
class NormalizedText:
    text: str
    encoding: str
    script: str  # "simplified" / "traditional"
    changes: dict[str, int] = field(default_factory=dict)


def _cjk_score(text: str) -> float:
    """Share of characters that are plausible in a Chinese government document."""
    if not text:
        return 0.0
    good = sum(1 for ch in text if ch.isascii() and (ch.isprintable() or ch in "\t\r\n")
               or "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"
               or ch in "“”‘’—…·")
    return good / len(text)


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name). Raises DecodeError with a reject reason when the bytes are not text.

    A text with a few stray NUL bytes (< 1 %) is read without them ("+nul-stripped"); a UTF-8 text with a few
    invalid bytes (< 0.5 % of characters) is read with U+FFFD in their place ("+replaced"), since reading it as
    GB18030 would turn every character into a wrong one.
    """
    if not data.strip():
        raise DecodeError("empty", f"{len(data)} bytes, no text")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as exc:
                raise DecodeError("undecodable", f"{enc} BOM but invalid bytes at {exc.start}") from exc
    if data.startswith(_BINARY_MAGIC):
        raise DecodeError("binary", f"binary signature {data[:4]!r}")
    suffix = ""
    nuls = data.count(b"\x00")
    if nuls:
        if nuls > len(data) // 100:
            raise DecodeError("binary", f"{nuls} NUL bytes in {len(data)} bytes")
        data, suffix = data.replace(b"\x00", b""), "+nul-stripped"
    try:
        return data.decode("utf-8"), "utf-8" + suffix
    except UnicodeDecodeError:
        pass
    lenient = data.decode("utf-8", errors="replace")
    bad = lenient.count("\ufffd")
    if bad <= len(lenient) // 200 and _cjk_score(lenient[:65536]) > 0.9:
        return lenient, f"utf-8+replaced({bad})" + suffix
    best: tuple[float, str, str] | None = None
    sample = data[:65536]
    for enc in ("gb18030", "big5"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        score = _cjk_score(sample.decode(enc, errors="replace"))
        if best is None or score > best[0]:
            best = (score, enc, text)
    if best is None or best[0] < 0.8:
        raise DecodeError("undecodable", "not valid UTF-8, GB18030 or Big5")
    return best[2], best[1] + suffix


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # the official binding; 't2s' keeps 规范性文件 (tw2sp would turn it into 规范性文档)

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


def _differing(a: str, b: str) -> int:
    """How many characters a step changed (the length difference when it changed the length)."""
    if a == b:
        return 0
    if len(a) != len(b):
        return abs(len(a) - len(b))
    return sum(map(operator.ne, a, b))


def normalize_text(text: str) -> tuple[str, dict[str, int]]:
    """Canonical text: t2s, NFKC (full-width → half-width), one quote/dash/space form, LF line endings."""
    changes: dict[str, int] = {}
    simplified = to_simplified(text)
    changes["t2s_chars"] = _differing(text, simplified)
    out = simplified.replace("\r\n", "\n").replace("\r", "\n")
    changes["line_endings"] = simplified.count("\r")
    fast = nfkc_fold(out, _FOLD)  # the same result by lookup table, for texts where the table is exact
    if fast is not None:
        out, changes["nfkc_chars"] = fast
    else:
        nfkc = unicodedata.normalize("NFKC", out)
        changes["nfkc_chars"] = _differing(out, nfkc)
        out = nfkc.translate(_QUOTES)
    dropped = _DROP.findall(out)
    changes["control_chars_removed"] = len(dropped)
    out = _DROP.sub("", out)
    out = "\n".join(line.rstrip(" ") for line in out.split("\n"))
    return out, {k: v for k, v in changes.items() if v}


def normalize(data: bytes) -> NormalizedText:
    text, encoding = decode(data)
    norm, changes = normalize_text(text)
    t2s = changes.get("t2s_chars", 0)
    cjk = len(_CJK.findall(text)) if t2s >= 10 else 0
    script = "traditional" if cjk and t2s >= max(10, 0.03 * cjk) else "simplified"
    return NormalizedText(norm, encoding, script, changes)


def prepare() -> None:
    """Build the lookup tables of `normalize` in this process (before forking workers that normalize)."""
    warm(_FOLD)
    _t2s()
