"""HTML (a whole CMS page as crawled, or a Word "save as web page" export) → text, tables as TAB grids (lxml).

1. Bytes → str: a BOM, else the page's declared charset (`<meta charset>`, `http-equiv`), else the text path's
   decoder (UTF-8, GB18030, Big5). gb2312/gbk are read as their superset GB18030.
2. Metadata, from the whole page: `<title>`, `<meta name="ArticleTitle|PubDate|…">`, and a `发布时间：2024-01-19`
   line anywhere on it (the info bar is usually outside the article body).
3. Boilerplate out: scripts, styles, forms, `<nav>/<header>/<footer>/<aside>`, hidden elements (`display:none`,
   `mso-hide:all`), Word's conditional comments, and blocks whose id/class names page furniture (nav, menu,
   breadcrumb, share, footer, sidebar, print, 当前位置…) unless they hold a table or a long text.
4. The article body: from `<body>` down, into the child holding ≥ 75 % of the text that is not link text, as long
   as the siblings left behind do not hold the report's title.
5. Text: block elements (`p`, `div`, `h1`…, `li`, `br`, `tr`) break lines; inline runs (`span`, `font`, `b`,
   `o:p`) join. A table becomes an exact grid (`grid.table_lines`): `rowspan`/`colspan` expanded, the text of a
   merged cell in its top-left position, a cell's runs and paragraphs joined into one cell, `&nbsp;` cells empty.
   A table holding another table is page layout: its cells are read as blocks.
"""

from __future__ import annotations

import re
from functools import lru_cache

from gip_pipeline.ingest.normalize import DecodeError, decode
from gip_pipeline.ingest.containers import limits
from gip_pipeline.ingest.containers.grid import join_pieces, table_lines

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "big5-hkscs": "big5hkscs",
            "utf8": "utf-8", "unicode": "utf-8"}
_DROP_TAGS = ("script", "style", "noscript", "iframe", "form", "nav", "header", "footer", "aside", "button",
              "select", "input", "textarea", "svg", "object", "embed", "template", "head", "map", "canvas", "video",
              "audio", "link", "meta")
_FURNITURE = re.compile(
    r"(?:^|[\s_\-])(?:nav|navbar|menu|menus|breadcrumbs?|crumbs?|share|bdshare|fenxiang|footer|foot|bottom|header"
    r"|head|top|topbar|sidebar|side|toolbar|tools|print|position|location|weizhi|dqwz|current|related|xgwz|xgxx"
    r"|copyright|banner|search|login|gotop|erweima|qrcode|ewm|links?|friendlink|yqlj)(?:$|[\s_\-\d])",
    re.IGNORECASE)
_HIDDEN = re.compile(r"display\s*:\s*none|mso-hide\s*:\s*all|visibility\s*:\s*hidden", re.IGNORECASE)
_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "section", "article",
          "main", "blockquote", "center", "pre", "address", "figure", "figcaption", "hr", "tr", "caption", "body",
          "fieldset", "legend", "table", "tbody", "thead", "tfoot", "td", "th"}
_TITLE_LINE = re.compile(r"报告")
_PUB_LINE = re.compile(r"(?:发布|发文|成文|公开|印发)(?:时间|日期)\s*[:：]?\s*(20\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_ISO_DATE = re.compile(r"(20\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_META_TITLE = ("articletitle", "title", "og:title", "dc.title")
_META_DATE = ("pubdate", "publishdate", "pubtime", "publishtime", "firstpublishedtime", "article:published_time",
              "dc.date", "dcterms.issued", "date", "articlepublishdate")
_MAX_SPAN = limits.MAX_SPAN
_JUNK_LINE = re.compile(r"^(?:[【\[]?\s*(?:打印本?页|打印|关闭本?窗口|关闭|收藏|返回顶部|返回|分享到?[^】\]]{0,12}|"
                        r"字号[:：]?\s*[大中小\s]*|扫一扫[^】\]]{0,12})\s*[】\]]?\s*)+$"
                        # an article's info bar: 来源：办公室 发布时间：2024-01-19 浏览次数：123
                        r"|^(?:(?:信息来源|文章来源|来源|发布时间|发布日期|浏览次数|点击数|阅读次数|访问次数|作者|责任编辑|字号)"
                        r"\s*[:：](?:\d{1,2}:\d\d(?::\d\d)?|[^:：]){0,40}?\s*){1,6}$")


@lru_cache(maxsize=1)
def version() -> str:
    from importlib.metadata import version as v

    return f"lxml {v('lxml')}"


def prepare() -> None:
    """Import the converter's libraries and read its version (once, before conversions are forked)."""
    import lxml.html  # noqa: F401
    version()


def _to_str(data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return decode(data)
    m = _CHARSET.search(data[:8192])
    if m:
        enc = m.group(1).decode("ascii").lower()
        enc = _ALIASES.get(enc, enc)
        try:
            return data.decode(enc), enc
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(data)


def _meta(root, full_text: str) -> dict:
    meta: dict = {}
    tags = {}
    for el in root.iter("meta"):
        name = (el.get("name") or el.get("property") or el.get("itemprop") or "").strip().lower()
        if name and el.get("content") and name not in tags:
            tags[name] = el.get("content").strip()
    title_el = root.find(".//title")
    candidates = [tags.get(k) for k in _META_TITLE] + [title_el.text_content() if title_el is not None else None]
    candidates += [h.text_content() for tag in ("h1", "h2") for h in root.iter(tag)]
    for cand in candidates:
        if not cand:
            continue
        for part in re.split(r"\s*(?:[_|｜]|--|——|\s-\s)\s*", join_pieces([cand])):
            if "报告" in part and ("信息公开" in part or "政务公开" in part):
                meta["title"] = part.strip()
                break
        if "title" in meta:
            break
    date = None
    for k in _META_DATE:
        if tags.get(k):
            m = _ISO_DATE.search(tags[k])
            if m:
                date, meta["published_source"] = m.groups(), f"meta {k}"
                break
    if date is None:
        m = _PUB_LINE.search(full_text)
        if m:
            date, meta["published_source"] = m.groups(), "发布时间 line"
    if date:
        meta["published"] = "%04d-%02d-%02d" % tuple(int(x) for x in date)
    return meta


def _classes(el) -> str:
    return f"{el.get('id') or ''} {el.get('class') or ''}"


def _text_len(el, link: bool = False) -> int:
    if link:
        return sum(len("".join(a.text_content().split())) for a in el.iter("a"))
    return len("".join(el.text_content().split()))


def _clean(root) -> None:
    from lxml import etree

    for el in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        _drop(el)
    for el in list(root.iter(*_DROP_TAGS)):
        if el.getparent() is not None and el.tag != "html":
            _drop(el)
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or el.getparent() is None:
            continue
        if _HIDDEN.search(el.get("style") or ""):
            _drop(el)
            continue
        if el.tag in ("body", "html", "table", "tr", "td", "th") or not _FURNITURE.search(_classes(el)):
            continue
        if el.find(".//table") is not None:
            continue
        total = _text_len(el)
        if total < 300 or _text_len(el, link=True) * 2 >= total:
            _drop(el)


def _drop(el) -> None:
    """Remove an element but keep the text that follows it (its tail) in place."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    prev = el.getprevious()
    parent.remove(el)
    if tail:
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


def _has_title(els) -> bool:
    for el in els:
        text = "".join(el.text_content().split()) if isinstance(el.tag, str) else ""
        if "报告" in text and ("信息公开" in text or "政务公开" in text) and len(text) < 120:
            return True
    return False


def _body(root):
    node = root.find(".//body")
    node = root if node is None else node
    while True:
        children = [c for c in node if isinstance(c.tag, str)]
        total = _text_len(node) - _text_len(node, link=True)
        if not children or total <= 0:
            return node
        best = max(children, key=lambda c: _text_len(c) - _text_len(c, link=True))
        share = (_text_len(best) - _text_len(best, link=True)) / total
        others = [c for c in children if c is not best]
        loose = (node.text or "").strip() or any((c.tail or "").strip() for c in children)
        if share < 0.75 or loose or _has_title(others) or best.tag in ("table", "tbody", "thead", "tr", "td", "th"):
            return node
        node = best


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.buf: list[str] = []

    def text(self, s: str | None) -> None:
        if s:
            self.buf.append(s)

    def flush(self) -> None:
        line = _tidy("".join(self.buf))
        self.buf = []
        if line and not _JUNK_LINE.match(line):
            self.lines.append(line)

    def extend(self, lines: list[str]) -> None:
        self.flush()
        self.lines.extend(lines)


_CJK_SPACE = re.compile(r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’]) +(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’])")


def _tidy(s: str) -> str:
    s = re.sub(r"[ \t\r\n\f\v\u00a0\u3000]+", " ", s).strip()
    return _CJK_SPACE.sub("", s)


def _walk(el, w: _Writer) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag == "table" and el.find(".//table") is None:
        w.extend(table_lines(_grid(el)))
        w.text(el.tail)
        return
    if tag == "br":
        w.flush()
        w.text(el.tail)
        return
    block = tag.lower() in _BLOCK
    if block:
        w.flush()
    w.text(el.text)
    for child in el:
        _walk(child, w)
    if block:
        w.flush()
    w.text(el.tail)


def _cell_text(td) -> str:
    """A cell's runs joined; its paragraphs and line breaks joined without a space between CJK characters."""
    w = _Writer()
    w.text(td.text)
    for child in td:
        _walk(child, w)
    w.flush()
    return join_pieces(w.lines)


def _span(el, name: str) -> int:
    try:
        n = int(re.sub(r"[^\d]", "", el.get(name) or "") or 1)
    except ValueError:
        n = 1
    return min(max(n, 1), _MAX_SPAN)


def _rows(table):
    """The table's own rows (not those of a nested table), in document order."""
    out = []
    for tr in table.iter("tr"):
        anc = tr.getparent()
        while anc is not None and anc.tag != "table":
            anc = anc.getparent()
        if anc is table:
            out.append(tr)
    return out


def _grid(table) -> list[list[str | None]]:
    """rowspan/colspan expanded: the merged cell's text at its top-left position, None at the others."""
    grid: dict[tuple[int, int], str | None] = {}
    rows = _rows(table)
    positions = 0  # grid positions written: bounded by limits.MAX_TABLE_CELLS
    for r, tr in enumerate(rows):
        c = 0
        for td in tr:
            if not isinstance(td.tag, str) or td.tag not in ("td", "th"):
                continue
            while (r, c) in grid:
                c += 1
            rs, cs = _span(td, "rowspan"), _span(td, "colspan")
            rs = min(rs, len(rows) - r)
            limits.check("html table row: grid positions", c + cs, limits.MAX_ROW_CELLS)
            positions += rs * cs
            limits.check("html table: grid positions", positions, limits.MAX_TABLE_CELLS)
            for i in range(rs):
                for j in range(cs):
                    grid[(r + i, c + j)] = None
            grid[(r, c)] = _cell_text(td)
            c += cs
    if not grid:
        return []
    height = max(r for r, _ in grid) + 1
    width = max(c for _, c in grid) + 1
    limits.check("html table: grid positions", height * width, limits.MAX_TABLE_CELLS)
    return [[grid.get((r, c), "") for c in range(width)] for r in range(height)]


def convert(data: bytes) -> tuple[str, dict, str]:
    """(text, metadata, encoding)."""
    import lxml.html
    from lxml import etree

    text, encoding = _to_str(data)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    text = re.sub(r"<!\[(?:if[^\]]*|endif)\]>", "", text)  # Word's downlevel-revealed conditionals
    text = re.sub(r"<(/?)([A-Za-z]+):([A-Za-z]+)", r"<\1\2_\3", text)  # o:p, v:shape, st1:chsdate → o_p …
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise DecodeError("corrupt_container", f"HTML cannot be parsed: {exc}") from exc
    full = _tidy(root.text_content())
    meta = _meta(root, full)
    _clean(root)
    body = _body(root)
    w = _Writer()
    w.text(body.text)
    for child in body:
        _walk(child, w)
    w.flush()
    return "\n".join(w.lines) + "\n", meta, encoding
