"""Layout transforms of a report's normalized text, as converters, crawlers and OCR produce them.

Each transform keeps every number the text states (and its order) and changes only how the text is laid out:
a parser that reads layout-independently must give the same values after any of them (or null — never a
different number). Used by the metamorphic tests (`test_metamorphic.py`) and `benchmarks/accuracy.py`.
"""

from __future__ import annotations

import random
import re

_SECTION_HEAD = re.compile(r"^(\s*)([一二三四五六]\s*[、.,:])", re.MULTILINE)
_GROUP_HEAD = re.compile(r"^\s*\|?\s*(\([一二三四五六七]\)|[一二三四]、)")
_PLACEHOLDER = "| 类别 | 数据1 | 数据2 | 数据3 | 数据4 | 数据5 | 数据6 | 总计 |\n|---|---|---|---|---|---|---|---|"
_NUMBER_CHARS = set("0123456789.,")
_CHROME = ("当前位置:首页 > 政务公开 > 政府信息公开年报", "分享到: 微信 微博 QQ空间 打印本页 关闭窗口",
           "- 3 -", "第 2 页 共 5 页", "【字体:大 中 小】 打印", "扫一扫在手机打开当前页", "相关链接: 附件下载")


def no_line_breaks(text: str, rng: random.Random) -> str:
    """All line breaks removed (a page saved as one line)."""
    return text.replace("\n", "")


def no_separators(text: str, rng: random.Random) -> str:
    """Every TAB, `|` and run of spaces between cells removed: neighbouring cells glued together."""
    return re.sub(r"[\t| \u3000\u00a0]+", "", text)


def _table_block_rows(lines: list[str]) -> list[tuple[int, list[str]]]:
    return [(i, ln.split("\t")) for i, ln in enumerate(lines) if "\t" in ln]


def markdown(text: str, rng: random.Random) -> str:
    """Section headings as `## 三、…`, TAB rows as `| a | b |` tables with a `|---|` rule after each table's
    first row (what PDF-to-markdown converters write)."""
    lines = _SECTION_HEAD.sub(lambda m: f"{m.group(1)}## {m.group(2)}", text).split("\n")
    out: list[str] = []
    in_table = False
    for ln in lines:
        if "\t" in ln:
            cells = [c.strip() for c in ln.split("\t")]
            out.append("| " + " | ".join(cells) + " |")
            if not in_table:
                out.append("|" + "---|" * len(cells))
            in_table = True
        else:
            in_table = False
            out.append(ln)
    return "\n".join(out)


def _section_span(lines: list[str], number: str) -> tuple[int, int]:
    start = next((i for i, ln in enumerate(lines) if re.match(rf"^\s*[#* ]*{number}\s*、", ln)
                  and ("申请" in ln or "复议" in ln or "公开" in ln)), None)
    if start is None:
        return -1, -1
    nxt = {"三": "四", "四": "五", "二": "三"}[number]
    end = next((i for i in range(start + 1, len(lines))
                if re.match(rf"^\s*[#* ]*{nxt}\s*、", lines[i]) and ("复议" in lines[i] or "问题" in lines[i]
                                                                   or "申请" in lines[i])), len(lines))
    return start, end


def split_groups(text: str, rng: random.Random) -> str:
    """Table 三 split into one table per row group, each with its own placeholder header row (类别 | 数据1 …)."""
    lines = text.split("\n")
    start, end = _section_span(lines, "三")
    if start < 0:
        return text
    out = lines[: start + 1]
    for ln in lines[start + 1: end]:
        if _GROUP_HEAD.match(ln):
            out.append(_PLACEHOLDER)
        out.append(ln)
    return "\n".join(out + lines[end:])


def hard_wrap(text: str, rng: random.Random) -> str:
    """A line break every 28–40 characters (never inside a number: converters wrap text, not digits)."""
    out: list[str] = []
    for line in text.split("\n"):
        while len(line) > 40:
            cut = rng.randint(28, 40)
            while cut < len(line) and line[cut - 1] in _NUMBER_CHARS and line[cut] in _NUMBER_CHARS:
                cut += 1
            out.append(line[:cut])
            line = line[cut:]
        out.append(line)
    return "\n".join(out)


def move_group(text: str, rng: random.Random) -> str:
    """The last row of one group of table 三 moved below the next group's heading (a page break)."""
    lines = text.split("\n")
    start, end = _section_span(lines, "三")
    if start < 0:
        return text
    heads = [i for i in range(start + 2, end) if _GROUP_HEAD.match(lines[i])
             and re.search(r"\d", lines[i - 1]) and not _GROUP_HEAD.match(lines[i - 1])]
    if not heads:
        return text
    i = rng.choice(heads)
    # the heading line and, when the heading stands alone, nothing else: the moved row goes right below it
    lines[i - 1], lines[i] = lines[i], lines[i - 1]
    return "\n".join(lines)


def page_chrome(text: str, rng: random.Random) -> str:
    """Breadcrumbs, share buttons, page footers inserted between lines (or, in a one-line page, before group
    headings)."""
    lines = text.split("\n")
    if len(lines) < 5:
        spots = [m.start() for m in re.finditer(r"\([一二三四五六七]\)", text)]
        for at in sorted(rng.sample(spots, min(3, len(spots))), reverse=True):
            text = text[:at] + " " + rng.choice(_CHROME) + " " + text[at:]
        return text
    for _ in range(max(3, len(lines) // 15)):
        at = rng.randrange(1, len(lines))
        lines.insert(at, rng.choice(_CHROME))
    return "\n".join(lines)


TRANSFORMS = {
    "no_line_breaks": no_line_breaks,
    "no_separators": no_separators,
    "markdown": markdown,
    "split_groups": split_groups,
    "hard_wrap": hard_wrap,
    "move_group": move_group,
    "page_chrome": page_chrome,
}
