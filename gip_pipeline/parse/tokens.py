"""Normalized text → a stream of tokens, and the six sections found by their headings wherever they stand.

Nothing here depends on line breaks: a heading may stand inside a line (a crawler's one-line page), behind
markdown `#` or bold `**`, and a table's numbers may be glued to their labels (`予以公开2100003`). Line breaks,
TABs and `|` are kept as tokens, but only as hints: a number bounded by cell separators on both sides is one
cell; any other digit run may hold several cells glued together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from gip_pipeline.contract import schema

_TOKEN = re.compile(r"(?P<nl>\n)|(?P<sep>[\t|])|(?P<sp>[ \u3000\u00a0]+)"
                    r"|(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)|(?P<text>[^\d\n\t| \u3000\u00a0]+)")
# Page chrome and markup inside a table: footers (- 4 -, 第 3 页 共 6 页), markdown rules, placeholder headers
# written by converters (数据1 … 数据6).
_CHROME = re.compile(r"[-—–][ \u3000]+\d{1,3}[ \u3000]+[-—–]|(?<![\d\w])[-—–]\s*\d{1,3}\s*[-—–](?![\d\w])|第\s*\d{1,3}\s*页(?:\s*[,/]?\s*共\s*\d{1,3}\s*页)?"
                     r"|共\s*\d{1,3}\s*页|:?-{3,}:?|\*\*|#{1,6}(?=\s|[^\d#])|数据\s*\d{1,2}(?!\d)")
_NA = {"/", "-", "--", "—", "\\", "x", "X", "*"}
# Page chrome of CMS pages and their printouts: breadcrumbs, share and print buttons, font-size switches, links.
_CHROME_WORDS = (r"当前位置\s*:[^\n]{0,60}?(?=[一二三四五六]、|\n|$)|分享到\s*:?|微信|微博|QQ空间|打印本页|关闭窗口|"
                 r"【\s*字体\s*:[^】]{0,12}】|字号\s*:?\s*大\s*中\s*小|扫一扫在手机打开当前页|相关链接\s*:?|附件下载|"
                 r"全真版|文字版|文件下载")
CHROME_RE = re.compile(_CHROME_WORDS)
_CHROME_LINE = re.compile(rf"^\s*(?:(?:{_CHROME_WORDS}|打印|[>\s])\s*)+$")


def strip_chrome(text: str) -> str:
    """The text with page chrome, footers and markup blanked (same length)."""
    return CHROME_RE.sub(_blank, _CHROME.sub(_blank, text))


@lru_cache(maxsize=1 << 15)
def is_chrome(line: str) -> bool:
    """A line of page chrome only (breadcrumb, share buttons, print links): never part of a table."""
    return bool(line.strip()) and bool(_CHROME_LINE.match(line))
_UNIT = re.compile(r"^(万元|元|万|件|项|个)")
_NUMBERING = re.compile(r"[ \u3000\u00a0\n]*[.、](?=[ \u3000\u00a0\n]*[\u4e00-\u9fff])")


@dataclass(frozen=True)
class Tok:
    kind: str  # "text", "num" (a digit run: one cell, or several glued), "na" (/, -)
    text: str
    pos: int  # offset in the text it was read from
    line: int  # 1-based line of the normalized text
    bounded: bool = False  # a number with a cell separator (TAB, |, line break) on both sides: exactly one cell


def _blank(m: re.Match) -> str:
    return " " * len(m.group(0))


def tokenize(text: str, offset: int = 0, first_line: int = 1) -> list[Tok]:
    """Label text, numbers and not-applicable marks of `text`; separators and white space only mark the numbers
    they bound. Numbering glued to a value run (`00000002.其他…`: the last digit is the next row's `2.`) goes to
    the label; a unit after a number stays with it (`7816万元`)."""
    clean = strip_chrome(text)  # same length: offsets and lines stay right
    raw: list[tuple[str, str, int]] = [(m.lastgroup, m.group(0), m.start()) for m in _TOKEN.finditer(clean)]
    out: list[Tok] = []
    line = first_line
    n = len(raw)
    for i, (kind, s, pos) in enumerate(raw):
        if kind == "nl":
            line += 1
            continue
        if kind in ("sep", "sp"):
            continue
        prev_kind = raw[i - 1][0] if i else "nl"
        if prev_kind == "sp" and i > 1:
            prev_kind = raw[i - 2][0]
        nxt = raw[i + 1] if i + 1 < n else ("nl", "", pos)
        next_kind = nxt[0]
        if next_kind == "sp" and i + 2 < n:
            next_kind = raw[i + 2][0]
        if kind == "text" and s in ("+", "-") and nxt[0] == "num" and prev_kind in ("sep", "nl", "sp"):
            continue  # the sign of the number that follows (本年增/减: +4, -169)
        if kind == "num" and i and raw[i - 1][1] in ("+", "-") and (i < 2 or raw[i - 2][0] in ("sep", "nl", "sp")):
            s = raw[i - 1][1] + s
            pos -= 1
        if kind == "text":
            if s.strip() in _NA and prev_kind in ("sep", "nl", "sp") and next_kind in ("sep", "nl", "sp"):
                out.append(Tok("na", s.strip(), offset + pos, line, True))
                continue
            if out and out[-1].kind == "text" and out[-1].pos + len(out[-1].text) == offset + pos:
                out[-1] = Tok("text", out[-1].text + s, out[-1].pos, out[-1].line)
            else:
                out.append(Tok("text", s, offset + pos, line))
            continue
        # a number
        unit = ""
        if _NUMBERING.match(clean, pos + len(s)) and "." not in s and "," not in s \
                and not (prev_kind in ("sep", "nl") and next_kind in ("sep", "nl")):
            # the last digit numbers the next label (1. 2. … 8.); the digits before it are values
            if len(s) > 1:
                out.append(Tok("num", s[:-1], offset + pos, line, False))
            out.append(Tok("text", s[-1], offset + pos + len(s) - 1, line))
            continue
        if nxt[0] == "text":
            if False:
                # the last digit numbers the next label (1. 2. … 8.); the digits before it are values
                if len(s) > 1:
                    out.append(Tok("num", s[:-1], offset + pos, line, False))
                out.append(Tok("text", s[-1], offset + pos + len(s) - 1, line))
                continue
            u = _UNIT.match(nxt[1])
            if u:
                unit = u.group(1)
        bounded = prev_kind in ("sep", "nl") and next_kind in ("sep", "nl")
        out.append(Tok("num", s + unit, offset + pos, line, bounded))
    if unit_strip := [i for i, t in enumerate(out) if t.kind == "num" and _UNIT.search(t.text[-2:] or "")]:
        for i in unit_strip:  # the unit was copied into the number: take it off the label that follows
            if i + 1 < len(out) and out[i + 1].kind == "text":
                u = _UNIT.match(out[i + 1].text)
                if u and out[i].text.endswith(u.group(1)):
                    rest = out[i + 1].text[len(u.group(1)):]
                    out[i + 1] = Tok("text", rest, out[i + 1].pos + len(u.group(1)), out[i + 1].line)
        out = [t for t in out if t.kind != "text" or t.text]
    return out


# ------------------------------------------------------------------------------------------------ sections

_CN = "一二三四五六"
_HEAD = re.compile(r"([一二三四五六])\s*[、.,:]\s*")
_ALT_HEAD = re.compile(r"\(\s*([一二三四五六])\s*\)\s*|(?<![\d.])([1-6])\s*[.、]\s*(?!\d)")
_HEAD_TEXT = 26
_TABLE_MARKERS = {2: re.compile(r"第\s*二\s*十\s*条"), 3: re.compile(r"本\s*年\s*新\s*收|申\s*请\s*人\s*情\s*况")}  # a heading's words stand in the characters right after its number


def _heading_words(number: int, rest: str) -> bool:
    rest = re.split(r"\d|。", re.sub(r"[\s#*]+", "", rest), maxsplit=1)[0]
    _, _, alternatives = schema.SECTIONS[number - 1]
    return any(all(word in rest for word in words) for words in alternatives)


def find_sections(text: str) -> list[tuple[int, int, int]]:
    """(section number, start of the heading, start of the section's body) of the six sections, in order, found
    by numeral and heading words wherever they stand: first with the national numbering (三、), then — for a
    section still missing, between its found neighbours — with other numbering ((三), 3.) or none."""
    found: dict[int, tuple[int, int]] = {}
    pos = 0
    for number in range(1, 7):
        marker = _TABLE_MARKERS.get(number)
        first = None
        for m in _HEAD.finditer(text, pos):
            if m.group(1) != _CN[number - 1]:
                continue
            if _heading_words(number, text[m.end(): m.end() + _HEAD_TEXT + 10]):
                if first is None:
                    first = m
                # a section holding a table: the heading its table follows (a cover letter or the prose of
                # section 一 may have a heading of its own with the same words)
                if marker is None or marker.search(text, m.end(), m.end() + 1500):
                    first = m
                    break
        if first is not None:
            found[number] = (first.start(), first.end())
            pos = first.end()
    for number in range(1, 7):
        if number in found:
            continue
        lo = max((found[k][1] for k in found if k < number), default=0)
        hi = min((found[k][0] for k in found if k > number), default=len(text))
        canonical = schema.SECTIONS[number - 1][1].split("、", 1)[1]
        marker = _TABLE_MARKERS.get(number)
        for m in _ALT_HEAD.finditer(text, lo, hi):
            digit = m.group(1) or m.group(2)
            if digit not in (_CN[number - 1], str(number)):
                continue
            if _heading_words(number, text[m.end(): m.end() + _HEAD_TEXT + 10]) and \
                    (marker is None or marker.search(text, m.end(), m.end() + 1500)):
                found[number] = (m.start(), m.end())
                break
        else:
            at = text.find(canonical, lo, hi)
            if at >= 0 and lo > 0:
                found[number] = (at, at)
    ordered = sorted(found.items(), key=lambda kv: kv[1][0])
    out = []
    last = -1
    for number, (start, body) in ordered:
        if number > last:
            out.append((number, start, _heading_end(number, text, body)))
            last = number
    return out


def _heading_end(number: int, text: str, at: int) -> int:
    """Past the heading's words: the characters of the canonical heading that follow its number."""
    chars = set(schema.SECTIONS[number - 1][1].split("、", 1)[1])
    end = at
    while end < len(text) and end - at < 30 and (text[end] in chars or text[end] in " \n#*"):
        end += 1
    return end


def table_three_starts(text: str) -> list[int]:
    """Where a complete table 三 starts: a section-三 heading followed by its table (本年新收 / 申请人情况),
    a 结转下年度 row and then a section-四 heading before the next table 三."""
    if text.count("结转下年度") < 2:  # one table 三 at most: the common case, decided at once
        return []
    starts = []
    for m in _HEAD.finditer(text):
        if m.group(1) == "三" and _heading_words(3, text[m.end(): m.end() + _HEAD_TEXT + 10]) \
                and _TABLE_MARKERS[3].search(text, m.end(), m.end() + 1500):
            starts.append(m.start())
    complete = []
    for i, at in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        body = text[at:end]
        if "结转下年度" in body and any(m.group(1) == "四" and _heading_words(4, body[m.end(): m.end() + 36])
                                      for m in _HEAD.finditer(body)):
            complete.append(at)
    return complete
