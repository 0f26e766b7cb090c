"""Normalized report text → sections, metadata and the three statistical tables.

`parse_report` is a pure function. It never invents a number: a value it cannot place is null and a warning
says why. Rows are found by fuzzy label matching in the national order, so one lost or stray number never shifts
the cells of another row.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

from gip_pipeline.contract import schema
from gip_pipeline.contract.errors import RejectedInput
from gip_pipeline.parse import align
from gip_pipeline.parse.cells import Cell, Token, classify, fit_row, is_footer, parse_number, read_line, split_cells
from gip_pipeline.parse.labels import best_match, coverage, key, label_key
from gip_pipeline.parse.tokens import find_sections, is_chrome, strip_chrome, table_three_starts

_CN_NUM = "一二三四五六七八九十"
_HEADING = re.compile(r"^\s*([一二三四五六])\s*[、.,:]\s*(.+)$")
_DATE_LINE = re.compile(r"^\s*(20\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$")
_YEAR = re.compile(r"(20\d\d|19\d\d)\s*年")
_PERIOD = re.compile(r"(20\d\d)\s*年\s*1\s*月\s*1\s*日")
_ITEM = re.compile(r"第二十条第\s*\(?\s*([一二三四五六七八九十]+)\s*\)?\s*项")
_WS = re.compile(r"\s+")
_ITEM_CODES = {"一": "20.1", "五": "20.5", "六": "20.6", "八": "20.8", "九": "20.9"}


class NotAReport(RejectedInput):
    """The text cannot be read as a 2019/2021-format annual report (not a report, pre-2019 format)."""


@dataclass
class Section:
    number: int
    heading: str
    lines: list[str]
    start: int = 0  # 0-based index in the normalized text of `lines[0]`

    def numbered(self):
        """(1-based line number in the normalized text, line), page footers left out."""
        return [(self.start + i + 1, ln) for i, ln in enumerate(self.lines) if not is_footer(ln) and not is_chrome(ln)]

    @property
    def text(self) -> str:
        return "\n".join(self.lines).strip()


@dataclass
class ParsedReport:
    title: str | None
    agency: str | None
    report_year: int | None
    published_on: dt.date | None
    format: str  # table 三 rows: "2019" or "2021"
    disclosure_format: str | None  # table 二 headers: "2019", "2021", "hybrid"
    sections: list[Section]
    applications: dict[tuple[str, str], Cell]
    review: dict[tuple[str, str], Cell]
    disclosure: list[tuple[str, str, str, Cell, str | None]]  # item, category, metric, cell, unit
    warnings: list[str] = field(default_factory=list)
    year_source: str | None = None  # "title", "statistics_period" or "folder"
    unread: dict[str, list[str]] = field(default_factory=dict)  # table -> the parts never found (cut-off text)


# ------------------------------------------------------------------------------------------------ sections


def _heading_matches(number: int, rest: str) -> bool:
    _, _, alternatives = schema.SECTIONS[number - 1]
    return any(all(word in rest for word in words) for words in alternatives)


def split_sections(lines: list[str]) -> tuple[list[str], list[Section]]:
    """The preamble and the six sections, found in order by numeral and keywords of their headings."""
    found: list[tuple[int, int, str]] = []
    pos = 0
    for number in range(1, 7):
        for i in range(pos, len(lines)):
            line = lines[i].strip().lstrip("#* ").rstrip("* ")
            if "\t" in line or "|" in line or len(line) > 50:
                continue
            m = _HEADING.match(line)
            if m and m.group(1) == _CN_NUM[number - 1] and _heading_matches(number, m.group(2)):
                found.append((number, i, line))
                pos = i + 1
                break
    sections = []
    for j, (number, start, heading) in enumerate(found):
        end = found[j + 1][1] if j + 1 < len(found) else len(lines)
        sections.append(Section(number, heading, lines[start + 1:end], start + 1))
    preamble = lines[: found[0][1]] if found else lines
    return preamble, sections


def split_sections_anywhere(text: str) -> tuple[list[str], list[Section]]:
    """The preamble and the sections found by their headings wherever they stand (`tokens.find_sections`): a
    heading inside a line starts its section there, the rest of that line is the section's first line."""
    found = find_sections(text)
    sections = []
    for j, (number, start, body) in enumerate(found):
        end = found[j + 1][1] if j + 1 < len(found) else len(text)
        first = text.count("\n", 0, body)
        heading = re.sub(r"[#*\s]+", "", text[start:body]) or schema.SECTIONS[number - 1][1]
        sections.append(Section(number, heading, text[body:end].split("\n"), first))
    preamble = text[: found[0][1]].split("\n") if found else text.split("\n")
    return preamble, sections


# ------------------------------------------------------------------------------------------------ metadata

_AGENCY_LINE = re.compile(r"^[\u4e00-\u9fff()]{2,30}$")
_CRAWL_LABEL = re.compile(r"^标题\s*:\s*")
_PUBLISHED = re.compile(r"(?:^|(?<=\s))\s*发布(?:时间|日期)\s*:\s*(20\d\d)\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")
_TITLE_IN_TEXT = re.compile(r"[\u4e00-\u9fff()]{2,40}?(?:19|20)\d\d\s*年度?\s*政府信息公开(?:工作)?年度报告")
_DATE_AT_END = re.compile(r"^.*?((?:19|20)\d\d\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*$")


def _agency_from_title(title: str, year_match: re.Match | None) -> str | None:
    if year_match is None:
        return re.sub(r"\s+", "", title).split("政府信息公开")[0] or None
    before = re.sub(r"\s+", "", title[: year_match.start()])
    if before:
        return re.sub(r"(关于报送|关于印发|关于)$", "", before) or None
    after = re.sub(r"\s+", "", title[year_match.end():])  # "2022年度XX局政府信息公开工作年度报告"
    return re.sub(r"^度", "", after).split("政府信息公开")[0] or None


def _is_title(line: str) -> bool:
    """A report title, not a sentence that mentions the 条例 (本报告根据《…政府信息公开条例》编制,…)."""
    return ("报告" in line and ("信息公开" in line or "政务公开" in line) and len(line) <= 60
            and not re.search(r"[。;,]|本报告|根据", line))


def read_metadata(lines: list[str], preamble: list[str], fallback_year: int | None):
    """Title, agency, report year (title, then statistics period, then fallback) and publication date.

    The title may be broken over two lines (PDF text: "洪泽区人民政府" / "2023 年政府信息公开工作年度报告"): a short
    all-Chinese line right above a title that names no body is taken as the body.
    """
    nonempty = [ln.strip() for ln in lines if ln.strip() and not is_footer(ln)]
    head = [ln.strip() for ln in preamble if ln.strip() and not is_footer(ln)][:8] or nonempty[:5]
    head = [_CRAWL_LABEL.sub("", ln) for ln in head]
    idx = next((i for i, ln in enumerate(head) if _is_title(ln)), None)
    title = head[idx] if idx is not None else None
    if title is None:  # the title inside a longer line (a page saved as one line)
        m = _TITLE_IN_TEXT.search("".join(nonempty[:3])[:400])
        title = m.group(0) if m else None
    agency = year = year_source = None
    if title:
        m = _YEAR.search(title)
        if m:
            year, year_source = int(m.group(1)), "title"
        agency = _agency_from_title(title, m)
        if not agency and idx and _AGENCY_LINE.match(re.sub(r"\s+", "", head[idx - 1])):
            agency = re.sub(r"\s+", "", head[idx - 1])
            title = f"{head[idx - 1]} {title}"
    if year is None:
        m = _PERIOD.search("\n".join(nonempty[:40]))
        if m:
            year, year_source = int(m.group(1)), "statistics_period"
    if year is None and fallback_year is not None:
        year, year_source = fallback_year, "folder"
    published = None
    for ln in head[:12]:  # a page's own 发布时间 line
        m = _PUBLISHED.match(ln)
        if m:
            try:
                published = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                pass
            break
    if published is None and head:  # a page's header saved on one line with the text
        m = _PUBLISHED.search("".join(head[:3])[:400])
        if m:
            try:
                published = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                pass
    tail = nonempty[-1][-40:] if nonempty else ""
    for ln in ([] if published else head + nonempty[-6:]) + [_DATE_AT_END.sub(r"\1", tail)]:
        if published:
            break
        m = _DATE_LINE.match(ln)
        if m:
            try:
                published = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                break
            except ValueError:
                continue
    return title, agency, year, year_source, published


# ------------------------------------------------------------------------------------------------ table 三

# digits glued between label characters (申请数量2000002二、上年结转): the lines are not the table's rows
_NON_CJK = re.compile(r"[^\u4e00-\u9fff]")
_GLUED_INSIDE = re.compile(r"[\u4e00-\u9fff)]\d+[\u4e00-\u9fff(]")
_BUFFER_CHARS = 160  # labels are at most ~40 characters: older text in the label buffer cannot matter


def detect_format(text: str) -> str:
    """2021 if table 三 has the three (六) sub-rows, else 2019 (one (六)其他处理 row)."""
    return "2021" if any(w in text for w in ("逾期不补正", "缴纳费用", "收费通知")) else "2019"


@lru_cache(maxsize=None)
def _row_identity_positions(fmt: str, row: str) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    idx = {c: i for i, c in enumerate(schema.APPLICANT_CODES)}
    return [(tuple(idx[c] for _, c in i.lhs), tuple(idx[c] for _, c in i.rhs))
            for i in schema.row_identities(fmt, row)]


def _label_runs(numbered: list[tuple[int, str]], what: str, warnings: list[str]) -> list[tuple[str, list[Token]]]:
    """(label text, value tokens) pairs: a label is the text since the previous run of values."""
    runs: list[tuple[str, list[Token]]] = []
    buffer: list[str] = []
    values: list[Token] = []
    for lineno, raw_line in numbered:
        line = read_line(raw_line, lineno)
        if line.stray:
            warnings.append(f"{what}: line {lineno}: stray number(s) {line.stray} in label cells ignored")
        if line.label:
            if values:
                runs.append(("".join(buffer), values))
                buffer, values = [], []
            buffer.append(line.label)
            if len(buffer) > 24:
                buffer = buffer[-24:]
        values.extend(line.values)
    if values or buffer:
        runs.append(("".join(buffer), values))
    return runs


def _resolve_with_table(fmt: str, cells: dict[tuple[str, str], Cell], ambiguous: dict[str, list[list[Cell]]],
                        warnings: list[str]) -> None:
    """Rows left null because several readings fit their own identities: keep the one reading that the
    table's column identities (balance, outcome sums) accept, when exactly one does."""
    cols = schema.APPLICANT_CODES
    progress = True
    while ambiguous and progress:
        progress = False
        for row, candidates in list(ambiguous.items()):
            idents = [i for i in schema.application_identities(fmt)
                      if i.name != "row_sum" and any(r == row for r, _ in i.cells)]
            survivors = []
            for cand in candidates:
                trial = dict(cells)
                trial.update({(row, c): cell for c, cell in zip(cols, cand)})
                ok = True
                assessed = 0
                for ident in idents:
                    vals = [trial.get(c, Cell(None, None)).value for c in ident.cells]
                    if None in vals:
                        continue
                    assessed += 1
                    if sum(vals[: len(ident.lhs)]) != sum(vals[len(ident.lhs):]):
                        ok = False
                        break
                if ok and assessed:
                    survivors.append(cand)
            if len(survivors) == 1:
                cells.update({(row, c): cell for c, cell in zip(cols, survivors[0])})
                warnings.append(f"applications row {row}: of {len(candidates)} readings, only "
                                f"{[c.value for c in survivors[0]]} agrees with the table's column identities: "
                                "kept, marked derived")
                del ambiguous[row]
                progress = True


def parse_applications(numbered: list[tuple[int, str]], fmt: str, warnings: list[str],
                       unread: list[str] | None = None) -> dict[tuple[str, str], Cell]:
    rows = schema.application_rows(fmt)
    labels = {r: (schema.ROW_BY_CODE[r].label,) for r in rows}
    found: dict[str, list[Token]] = {}
    pos = 0
    for text, values in _label_runs(numbered, "applications", warnings):
        if not values:
            continue
        window = {r: labels[r] for r in rows[pos: pos + 4]}
        code, score = best_match(key(text)[-_BUFFER_CHARS:], window, 0.6)
        if code is None:
            warnings.append(f"applications: line {values[0].line}: values {[v.text for v in values]} after label "
                            f"'{text[-40:]}' match no expected row (best score {score:.2f}); ignored")
            continue
        found[code] = values
        pos = rows.index(code) + 1

    cells: dict[tuple[str, str], Cell] = {}
    ambiguous: dict[str, list[list[Cell]]] = {}
    n = len(schema.APPLICANT_CODES)
    for row in rows:
        if row not in found:
            last = max((v[-1].line or 0 for v in found.values()), default=None)
            warnings.append(f"applications: row {row} not found; its cells are null"
                            + (f" (the last row read ends at line {last})" if last else ""))
            if unread is not None:
                unread.append(row)
            fitted = [Cell(None, None)] * n
        else:
            fit = fit_row(found[row], n, _row_identity_positions(fmt, row), f"applications row {row}")
            warnings.extend(fit.warnings)
            fitted = fit.cells
            if fit.candidates:
                ambiguous[row] = fit.candidates
        for col, cell in zip(schema.APPLICANT_CODES, fitted):
            cells[(row, col)] = cell
    if ambiguous:
        _resolve_with_table(fmt, cells, ambiguous, warnings)
    return cells


# ------------------------------------------------------------------------------------------------ table 四


def parse_review(numbered: list[tuple[int, str]], warnings: list[str]) -> dict[tuple[str, str], Cell]:
    n = len(schema.REVIEW_CELLS)
    runs = [values for _, values in _label_runs(numbered, "review_litigation", warnings)
            if len(values) >= 5 or (len(values) == 1 and values[0].text.isdigit() and len(values[0].text) >= n)]
    if not runs:
        warnings.append("review_litigation: no row of values found; all 15 cells null")
        return {c: Cell(None, None) for c in schema.REVIEW_CELLS}
    run = min(reversed(runs), key=lambda r: abs(len(r) - n) if len(r) > 1 else 0)
    pos = {c: i for i, c in enumerate(schema.REVIEW_CELLS)}
    identities = [(tuple(pos[c] for c in i.lhs), tuple(pos[c] for c in i.rhs)) for i in schema.review_identities()]
    fit = fit_row(run, n, identities, "review_litigation")
    warnings.extend(fit.warnings)
    return dict(zip(schema.REVIEW_CELLS, fit.cells))


# ------------------------------------------------------------------------------------------------ table 二


def _header_metrics(text: str) -> list[str]:
    """Metrics named verbatim in a header text, in order (several when header cells were glued together)."""
    k = key(text)
    hits: list[tuple[int, int, str]] = []
    for m in schema.DISCLOSURE_METRICS:
        for label in m.match:
            lk = key(label)
            start = k.find(lk)
            while start >= 0:
                hits.append((start, -len(lk), m.code))
                start = k.find(lk, start + 1)
    out: list[str] = []
    end = 0
    for start, neg_len, code in sorted(hits):
        if start >= end:
            out.append(code)
            end = start - neg_len
    return out


def parse_disclosure(numbered: list[tuple[int, str]], warnings: list[str]):
    """Table 二: captioned blocks (第二十条第(X)项), a header naming the columns, then one row per category."""
    out: list[tuple[str, str, str, Cell, str | None]] = []
    formats: set[str] = set()
    item: str | None = None
    metrics: list[str] = []
    pending_header = ""
    pending_label = ""
    in_header = False
    category: str | None = None
    values: list[Token] = []
    all_metrics = {m.code: m.match for m in schema.DISCLOSURE_METRICS}

    def close_category() -> None:
        nonlocal category, values
        if item and category:
            if len(values) == len(metrics):
                for metric, tok in zip(metrics, values):
                    m = schema.METRIC_BY_CODE[metric]
                    value, unit = parse_number(tok.text, integer=False)
                    if value is not None and value < 0 and not m.signed:
                        warnings.append(f"active_disclosure {item} {category} {metric}: negative value {tok.text}")
                    out.append((item, category, metric, Cell(value, tok.text, False, tok.line), unit or m.unit))
            else:
                line = values[0].line if values else None
                warnings.append(f"active_disclosure {item} {category}: {len(values)} value(s) "
                                f"{[v.text for v in values]} for {len(metrics)} column(s) {metrics}: which column "
                                "each belongs to is unknown, left null")
                for metric in metrics:
                    out.append((item, category, metric, Cell(None, None, False, line),
                                schema.METRIC_BY_CODE[metric].unit))
        category, values = None, []

    for lineno, raw_line in numbered:
        m = _ITEM.search(_WS.sub("", raw_line)) if "条" in raw_line else None
        if m:
            close_category()
            item = _ITEM_CODES.get(m.group(1))
            if item is None:
                warnings.append(f"active_disclosure: line {lineno}: unknown item '{m.group(0)}' skipped")
            metrics, in_header, pending_header, pending_label = [], False, "", ""
            continue
        if item is None:
            continue
        line = read_line(raw_line, lineno)
        cells = split_cells(raw_line)
        kinds = [classify(c) for c in cells]
        last_text = max((i for i, k in enumerate(kinds) if k == "text"), default=-1)
        for idx, (cell, kind) in enumerate(zip(cells, kinds)):
            if kind == "num" and idx < last_text:
                warnings.append(f"active_disclosure: line {lineno}: stray number '{cell}' in label cells ignored")
                continue
            if kind == "text":
                if "信息内容" in cell:
                    close_category()
                    in_header, metrics, pending_header = True, [], ""
                    cell = cell.replace("信息内容", "")
                    if not key(cell):
                        continue
                cats = {c: schema.CATEGORY_MATCH[c] for c in schema.ITEM_CATEGORIES[item]}
                for text in (cell, (pending_label + cell)[-30:]):  # a label broken over two lines or cells
                    cat, _ = best_match(text, cats, 0.75)
                    if cat is not None and coverage(text, schema.CATEGORY_MATCH[cat][0]) >= 0.5:
                        break
                else:
                    cat = None
                if category is not None and not values and (cat is None or cat == category):
                    pending_label = (pending_label + cell)[-30:]
                    continue  # the rest of a label broken over two lines (其他对外管理服务 / 事项)
                if cat is not None:
                    close_category()
                    in_header, category, pending_label = False, cat, ""
                    continue
                if in_header:
                    exact = [m for m in _header_metrics(cell) if m not in metrics]
                    if exact:
                        metrics.extend(exact)
                        formats.update(f for f in (schema.METRIC_BY_CODE[m].format for m in exact) if f)
                        pending_header = ""
                        continue
                    text = (pending_header + cell)[-40:]
                    unused = {c: v for c, v in all_metrics.items() if c not in metrics}
                    metric, _ = best_match(text, unused, 0.75)
                    if metric:
                        metrics.append(metric)
                        pending_header = ""
                        fmt = schema.METRIC_BY_CODE[metric].format
                        if fmt:
                            formats.add(fmt)
                    else:
                        pending_header = text
                    continue
                if key(cell):
                    pending_label = (pending_label + cell)[-30:]
                    if category is not None:
                        close_category()
            elif kind in ("num", "na") and category is not None:
                values.append(Token(cell, lineno))
        if line.values and line.values[0].glued and category is not None:
            values.extend(line.values)
    close_category()
    if pending_header:
        warnings.append(f"active_disclosure: header text '{pending_header}' names no known column")
    fmt = None if not formats else formats.pop() if len(formats) == 1 else "hybrid"
    return out, fmt


# ------------------------------------------------------------------------------------------------ report


def looks_pre_2019(text: str) -> bool:
    return any(w in text for w in ("指标名称", "计量单位", "历年累计")) and "申请人情况" not in text


def _fill(first: dict, second: dict, what: str, warnings: list[str]) -> dict | None:
    """The line reader's cells, the ones it left null taken from the token reader — only when the two readers
    agree on every cell both read (else the token reader's alignment is not trusted: None)."""
    for k, cell in first.items():
        other = second.get(k)
        if cell.value is not None and other is not None and other.value is not None and other.value != cell.value:
            warnings.append(f"{what}: the token reader read {'.'.join(k)} as {other.value}, the line reader as "
                            f"{cell.value}: the token reader's reading is not used")
            return None
    out = dict(first)
    for k, cell in first.items():
        if cell.value is None and second.get(k) is not None and second[k].value is not None:
            out[k] = second[k]
    return out


def _labelled_rows(sec: Section, fmt: str) -> int:
    """How many of table 三's row labels stand in the section (uncached: a section's text is seen once)."""
    text = _NON_CJK.sub("", "\n".join(sec.lines))
    return sum(label_key(schema.ROW_BY_CODE[r].label) in text for r in schema.application_rows(fmt))


def _section_text(s: Section) -> tuple[str, int]:
    return "\n".join(s.lines), s.start + 1


def parse_report(text: str, fallback_year: int | None = None) -> ParsedReport:
    """Parse a normalized report. Raises NotAReport when the text is not a 2019/2021-format report.

    Two readers: the line reader (rows read line by line, for text whose lines are table rows) and the token
    reader (`align`: the national template aligned to the token stream, whatever the layout). Sections are found
    at line starts, else wherever their headings stand. The token reader reads the tables when the sections were
    not at line starts, and fills the cells the line reader left null; where both read a cell they must agree.
    """
    lines = text.split("\n")
    preamble, sections = split_sections(lines)
    anywhere = False
    numbers = {s.number for s in sections}
    sec3_text = "\n".join(ln for _, ln in next(s for s in sections if s.number == 3).numbered()) \
        if 3 in numbers else ""
    glued = _GLUED_INSIDE.search(sec3_text) and _GLUED_INSIDE.search(strip_chrome(sec3_text))
    if not {2, 3, 4} <= numbers or glued:  # not a text whose lines are the table's rows
        pre2, sec2 = split_sections_anywhere(text)
        if 3 in {s.number for s in sec2} and (glued or len(sec2) > len(sections)):
            preamble, sections, anywhere = pre2, sec2, True
    if looks_pre_2019(text):
        raise NotAReport("unsupported_format", "statistics table without 申请人情况 columns (pre-2019 format)")
    by_no = {s.number: s for s in sections}
    if 3 not in by_no or not ("申请人情况" in text or "自然人" in text or "本年新收" in text):
        found = ", ".join(str(s.number) for s in sections) or "none"
        raise NotAReport("not_a_report", f"no table 三 (收到和处理政府信息公开申请情况); sections found: {found}")
    tables = table_three_starts(text)
    if len(tables) > 1:
        raise NotAReport("multiple_reports", f"{len(tables)} complete tables 三 (收到和处理政府信息公开申请情况), at "
                         f"characters {tables}: a document holding several reports (e.g. two years compared)")
    warnings: list[str] = []
    missing = [n for n in range(1, 7) if n not in by_no]
    if missing:
        warnings.append(f"sections not found: {missing}")
    unread: dict[str, list[str]] = {"applications": [], "review_litigation": [],
                                    "sections": [str(n) for n in schema.TABLE_SECTIONS if n not in by_no]}
    title, agency, year, year_source, published = read_metadata(lines, preamble, fallback_year)
    if agency is None:
        warnings.append("agency not found in the title")
    if year is None:
        warnings.append("report year not stated")
    sec3 = by_no[3]
    fmt = detect_format("\n".join(sec3.lines))
    if anywhere:
        applications = align.read_applications(*_section_text(sec3), fmt, warnings, unread["applications"])
        if 4 in by_no:
            review = align.read_review(*_section_text(by_no[4]), warnings)
        else:
            review = {c: Cell(None, None) for c in schema.REVIEW_CELLS}
            warnings.append("review_litigation: no row of values found; all 15 cells null")
        disclosure, disclosure_format = (align.read_disclosure(*_section_text(by_no[2]), warnings)
                                         if 2 in by_no else ([], None))
    else:
        applications = parse_applications(sec3.numbered(), fmt, warnings, unread["applications"])
        if any(c.value is None for c in applications.values()):  # the token reader may read what is left
            more: list[str] = []
            token_unread: list[str] = []
            second = align.read_applications(*_section_text(sec3), fmt, more, token_unread)
            if _fill(applications, second, "applications", []) is not None:
                # aligned alike: solve the rows left null against the cells read line by line
                more, token_unread = [], []
                second = align.read_applications(*_section_text(sec3), fmt, more, token_unread, applications)
            merged = _fill(applications, second, "applications", warnings)
            if merged is not None and merged != applications:
                rows = sorted({r for (r, c), cell in applications.items() if merged[(r, c)] is not cell})
                warnings.append(f"token reader: cells of rows {rows} read from the token stream")
                warnings.extend(f"token reader: {w}" for w in more if any(r in w for r in rows))
                applications = merged
                unread["applications"] = [r for r in unread["applications"] if r in token_unread]
        review = parse_review(by_no[4].numbered() if 4 in by_no else [], warnings)
        if 4 in by_no and any(c.value is None for c in review.values()):
            more = []
            merged = _fill(review, align.read_review(*_section_text(by_no[4]), more), "review_litigation",
                           warnings)
            if merged is not None and merged != review:
                warnings.extend(f"token reader: {w}" for w in more)
                review = merged
        disclosure, disclosure_format = parse_disclosure(by_no[2].numbered() if 2 in by_no else [], warnings)
        if not disclosure and 2 in by_no:
            more = []
            disclosure, disclosure_format = align.read_disclosure(*_section_text(by_no[2]), more)
            warnings.extend(f"token reader: {w}" for w in more)
    if all(c.raw is None for c in list(applications.values()) + list(review.values())) and \
            all(cell.raw is None for _, _, _, cell, _ in disclosure) and \
            (labelled := _labelled_rows(sec3, fmt)) >= len(rows := schema.application_rows(fmt)) * 4 // 5:
        raise NotAReport("template", f"table 三's rows are there ({labelled} of {len(rows)} labels) but no cell of tables 二, 三, 四 holds a number: a blank template"
                         + ("" if agency or year else "; no body and no year either"))
    if all(c.value is None and c.raw is None for c in review.values()) and \
            any("no row of values" in w for w in warnings):
        unread["review_litigation"].append("value row")
    return ParsedReport(title, agency, year, published, fmt, disclosure_format, sections, applications, review,
                        disclosure, warnings, year_source, unread)
