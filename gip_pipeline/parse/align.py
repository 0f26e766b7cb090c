"""The layout-independent reader: the national template aligned to a section's token stream.

The rows of table 三 (national order, seven cells each), table 四's fifteen cells and table 二's categories come
from `schema`. A section's tokens are read as (label text, value tokens) runs whatever the lines, separators or
markup; each run's label is matched against the next rows of the template (fuzzy LCS scores), so repeated or
bogus header rows, page chrome and a label split over tokens do not move a number: a number lands on its
(row, column) by its place in the template. Glued runs are cut by `solve`, the whole table at once.
"""

from __future__ import annotations

import re

from gip_pipeline.contract import schema
from gip_pipeline.parse.cells import Cell, Token, fit_row, holds, parse_number
from gip_pipeline.parse.labels import best_match, coverage, key, label_key
from gip_pipeline.parse.solve import readings, solve
from gip_pipeline.parse.tokens import Tok, tokenize

_WINDOW = 5
_ITEM = re.compile(r"第二十条第\s*\(?\s*([一二三四五六七八九十]+)\s*\)?\s*项")
_ITEM_CODES = {"一": "20.1", "五": "20.5", "六": "20.6", "八": "20.8", "九": "20.9"}


def runs(tokens: list[Tok]) -> list[tuple[str, list[Tok]]]:
    """(label text since the previous values, the value tokens after it)."""
    out: list[tuple[str, list[Tok]]] = []
    label: list[str] = []
    values: list[Tok] = []
    for i, t in enumerate(tokens):
        if t.kind != "text" and t.bounded and (i == 0 or tokens[i - 1].line < t.line) \
                and i + 1 < len(tokens) and tokens[i + 1].kind == "text" and tokens[i + 1].line == t.line:
            continue  # a number in its own cell at the start of a line, before a label: a stray, not a value
        if t.kind == "text":
            if values:
                out.append(("".join(label), values))
                label, values = [], []
            label.append(t.text)
            if len(label) > 24:
                label = label[-24:]
        else:
            values.append(t)
    if values or label:
        out.append(("".join(label), values))
    return out


def _row_cells(toks: list[Tok], n: int, identities, what: str, warnings: list[str]
               ) -> tuple[list[Cell], list[list[Cell]]]:
    """A row's cells and, when several readings remain, all of them (for the table to decide)."""
    plain = [Token(t.text, t.line) for t in toks]
    must_cut = any(t.kind == "num" and not t.bounded and len(t.text) > 1 and t.text[0] == "0" and t.text.isdigit()
                   for t in toks)
    if len(toks) >= n and not must_cut or all(t.bounded or t.kind == "na" for t in toks):
        fit = fit_row(plain, n, identities, what)
        if len(toks) == n and identities and not fit.candidates and not holds([c.value for c in fit.cells], identities):
            # the row breaks its identities as read — or its first or last number is a stray from a label
            # cell and a cell was lost: when that reading fits, the text does not say which; left null
            for rest in (plain[1:], plain[:-1]):
                alt = fit_row(rest, n, identities, what)
                if alt.candidates or any(c.value is not None for c in alt.cells):
                    warnings.append(f"{what}: {[t.text for t in toks]} break the row's identities, and without "
                                    f"its first or last number (a stray?) the row fits them: left null")
                    return [Cell(None, None, False, toks[0].line)] * n, []
        warnings.extend(fit.warnings)
        return fit.cells, fit.candidates
    found = readings([(t.text, t.bounded or t.kind == "na", t.line) for t in toks], n)
    if not found:
        warnings.append(f"{what}: values {[t.text for t in toks]} cannot be cut into {n} cells"
                        + (" (too many ways)" if found is None else "") + "; left null")
        return [Cell(None, None, False, toks[0].line if toks else None)] * n, []
    cands = [[Cell(p.value, p.text, True, p.line) for p in r] for r in found]
    if len(toks) > 1 and identities:
        # numbers from several runs (cells, lines) may hold a stray number: a cut is kept only when it
        # satisfies the row's identities. One glued run is all the row's digits, so its cuts stay even when
        # they break them (a source error is kept, not repaired; the table's identities choose the cut)
        cands = [c for c in cands if holds([x.value for x in c], identities)]
    elif identities and len(toks) == 1 and len(toks[0].text) > n:
        fitting = [c for c in cands if holds([x.value for x in c], identities)]
        if fitting:
            cands = fitting
        elif len(cands) == 1:
            # one cut, and it breaks the row: a source error, or a stray number glued on — the text does not
            # say which (several cuts would let the table's identities choose)
            warnings.append(f"{what}: the only cut of '{toks[0].text}' into {n} cells "
                            f"{[c.value for c in cands[0]]} breaks the row's identities; left null")
            return [Cell(None, None, False, toks[0].line)] * n, []
    if n - 2 <= len(toks) < n and not must_cut and all(t.kind == "num" for t in toks):
        # the same numbers with a cell lost instead of glued: those readings count too
        fit = fit_row(plain, n, identities, what)
        for alt in ([fit.cells] if not fit.candidates and any(c.value is not None for c in fit.cells) else fit.candidates):
            if [c.value for c in alt] not in [[c.value for c in x] for x in cands]:
                cands.append(alt)
    if not cands:
        warnings.append(f"{what}: no cut of the values {[t.text for t in toks]} into {n} cells satisfies the "
                        "row's identities; left null")
        return [Cell(None, None, False, toks[0].line)] * n, []
    if len(cands) == 1:
        warnings.append(f"{what}: glued values {[t.text for t in toks]} have one cut into {n} cells: "
                        f"{[c.value for c in cands[0]]}, marked derived")
        return cands[0], []
    return [Cell(None, None, False, toks[0].line)] * n, cands


def read_applications(text: str, first_line: int, fmt: str, warnings: list[str],
                      unread: list[str] | None = None, known: dict | None = None) -> dict[tuple[str, str], Cell]:
    """Table 三 from the section's tokens. `known`: cells another reader read (the line reader); rows it read
    in full are taken from it, so the table's identities are solved against what was read line by line."""
    rows = schema.application_rows(fmt)
    labels = {r: (schema.ROW_BY_CODE[r].label,) for r in rows}
    found: dict[str, list[Tok]] = {}
    scores: dict[str, float] = {}
    pos = 0
    for label, values in runs(tokenize(text, 0, first_line)):
        if not values:
            continue
        # the rows just read stay in the window: a run whose label names a row already read is that row
        # again (a repeated or split row), never the next row
        lo = max(0, pos - 2)
        window = {r: labels[r] for r in rows[lo: pos + _WINDOW]}
        lk = key(label)
        ends = [r for r in window if len(label_key(labels[r][0])) >= 2 and lk.endswith(label_key(labels[r][0]))]
        if ends:  # the run's label ends with a row's whole label: that row, whatever text came before it
            code = max(ends, key=lambda r: len(label_key(labels[r][0])))
            score = 1.0
        else:
            code, score = best_match(lk[-160:], window, 0.6) if window else (None, 0.0)
        if code is None:
            warnings.append(f"applications: line {values[0].line}: values {[v.text for v in values]} after label "
                            f"'{label[-40:]}' match no expected row (best score {score:.2f}); ignored")
            continue
        if code in found:
            if score > scores[code]:
                warnings.append(f"applications row {code}: values {[v.text for v in found[code]]} replaced by "
                                f"{[v.text for v in values]}, whose label names the row better")
            else:
                warnings.append(f"applications: line {values[0].line}: values {[v.text for v in values]} after "
                                f"label '{label[-40:]}' name row {code} again; ignored")
                continue
        found[code] = values
        scores[code] = score
        pos = max(pos, rows.index(code) + 1)
    cols = schema.APPLICANT_CODES
    n = len(cols)
    idx = {c: i for i, c in enumerate(cols)}
    cells: dict[tuple[str, str], Cell] = {}
    choices: dict[str, list[list[Cell]]] = {}
    for row in rows:
        if known and all(known[(row, c)].value is not None for c in cols):
            row_cells = [known[(row, c)] for c in cols]
        elif row not in found:
            warnings.append(f"applications: row {row} not found; its cells are null")
            if unread is not None:
                unread.append(row)
            row_cells = [Cell(None, None)] * n
        else:
            ids = [(tuple(idx[c] for _, c in i.lhs), tuple(idx[c] for _, c in i.rhs))
                   for i in schema.row_identities(fmt, row)]
            row_cells, cands = _row_cells(found[row], n, ids, f"applications row {row}", warnings)
            if cands:
                choices[row] = cands
        for col, cell in zip(cols, row_cells):
            cells[(row, col)] = cell
    if choices:
        _solve_table(cells, choices, [(i.lhs, i.rhs) for i in schema.application_identities(fmt)],
                     lambda r: [(r, c) for c in cols], "applications", warnings)
    return cells


def _solve_table(cells: dict, choices: dict[str, list[list[Cell]]], identities, keys_of, what: str,
                 warnings: list[str]) -> None:
    fixed = {k: c.value for k, c in cells.items() if c.value is not None and k[0] not in choices}
    as_values = {r: [dict(zip(keys_of(r), (c.value for c in cand))) for cand in cands]
                 for r, cands in choices.items()}
    agreed, open_rows = solve(fixed, as_values, identities)
    for r, cands in choices.items():
        keys = keys_of(r)
        for i, k in enumerate(keys):
            if k in agreed:
                match = next(c[i] for c in cands if c[i].value == agreed[k])
                cells[k] = match
        if r in open_rows:
            alts = [[v for v in reading.values()] for reading in open_rows[r]][:6]
            warnings.append(f"{what} row {r}: {len(open_rows[r])} readings fit the table's identities equally "
                            f"well {alts}: the cells they disagree on are left null")
        else:
            warnings.append(f"{what} row {r}: of {len(cands)} readings, the table's identities keep "
                            f"{[cells[k].value for k in keys]}: kept, marked derived")


def read_review(text: str, first_line: int, warnings: list[str]) -> dict[tuple[str, str], Cell]:
    n = len(schema.REVIEW_CELLS)
    digits = lambda vs: sum(len(v.text) for v in vs if v.kind == "num")  # noqa: E731
    cand_runs = [v for _, v in runs(tokenize(text, 0, first_line)) if len(v) >= 5 or digits(v) >= n]
    if not cand_runs:
        warnings.append("review_litigation: no row of values found; all 15 cells null")
        return {c: Cell(None, None) for c in schema.REVIEW_CELLS}
    run = cand_runs[0]
    pos = {c: i for i, c in enumerate(schema.REVIEW_CELLS)}
    ids = [(tuple(pos[c] for c in i.lhs), tuple(pos[c] for c in i.rhs)) for i in schema.review_identities()]
    row_cells, cands = _row_cells(run, n, ids, "review_litigation", warnings)
    cells = dict(zip(schema.REVIEW_CELLS, row_cells))
    if cands:
        _solve_table(cells, {"review": cands}, [(i.lhs, i.rhs) for i in schema.review_identities()],
                     lambda r: list(schema.REVIEW_CELLS), "review_litigation", warnings)
    return cells


def _header_metrics(text: str) -> list[str]:
    """The columns a header text names, in order: verbatim names, and between them a text that names one more
    column fuzzily (本年公开数量 → 本年新公开数量)."""
    k = key(text)
    hits: list[tuple[int, int, str]] = []
    for m in schema.DISCLOSURE_METRICS:
        for label in m.match:
            lk = key(label)
            at = k.find(lk)
            if at >= 0 and not any(s <= at < e or at <= s < at + len(lk) for s, e, _ in hits):
                hits.append((at, at + len(lk), m.code))
                break
    hits.sort()
    used = {c for _, _, c in hits}
    gaps = []
    last = 0
    for s, e, _ in hits + [(len(k), len(k), "")]:
        if s - last >= 4:
            gaps.append((last, s))
        last = e
    for s, e in gaps:
        unused = {m.code: m.match for m in schema.DISCLOSURE_METRICS if m.code not in used}
        code, _ = best_match(k[s:e], unused, 0.75)
        if code:
            hits.append((s, e, code))
            used.add(code)
    return [c for _, _, c in sorted(hits)]


def read_disclosure(text: str, first_line: int, warnings: list[str]):
    """Table 二 from tokens: an item caption (第二十条第(X)项), header words naming the columns, then one run of
    values per category. A glued run is kept only when it has one cut (as many digits as columns, or one column)."""
    out: list[tuple[str, str, str, Cell, str | None]] = []
    formats: set[str] = set()
    item: str | None = None
    metrics: list[str] = []
    for label, values in runs(tokenize(text, 0, first_line)):
        k = re.sub(r"\s+", "", label)
        caps = list(_ITEM.finditer(k))
        if caps:
            item = _ITEM_CODES.get(caps[-1].group(1))
            rest = k[caps[-1].end():]
            head = rest.split("信息内容", 1)[-1]
            metrics = []
            if item:
                cat, cut = _category_at_end(item, head)
                header = head[:cut] if cat else head
                metrics = _template_metrics(item, header, _header_metrics(header))
                formats.update(f for f in (schema.METRIC_BY_CODE[m].format for m in metrics) if f)
            label = head
        if item is None or not values or not metrics:
            continue
        cat, _ = _category_at_end(item, k if not caps else label)
        if cat is None:
            continue
        toks = [(v.text, v.bounded or v.kind == "na", v.line) for v in values]
        if len(values) == len(metrics):
            found = [[(v.text, v.line) for v in values]]
        else:
            rs = readings(toks, len(metrics))
            found = [[(p.text, p.line) for p in r] for r in rs] if rs else []
        if len(found) == 1:
            for metric, (raw, line) in zip(metrics, found[0]):
                m = schema.METRIC_BY_CODE[metric]
                value, unit = parse_number(raw, integer=False)
                out.append((item, cat, metric, Cell(value, raw, len(values) != len(metrics), line),
                            unit or m.unit))
        else:
            warnings.append(f"active_disclosure {item} {cat}: values {[v.text for v in values]} for "
                            f"{len(metrics)} column(s) {metrics}: {len(found)} readings, left null")
            for metric in metrics:
                out.append((item, cat, metric, Cell(None, None, False, values[0].line),
                            schema.METRIC_BY_CODE[metric].unit))
    fmt = None if not formats else formats.pop() if len(formats) == 1 else "hybrid"
    return out, fmt


def _template_metrics(item: str, header: str, metrics: list[str]) -> list[str]:
    """The item's national column list when the header names part of it in order and the rest of the header
    text has room for the columns it misses (a typo such as 本公开数量); else the columns named."""
    if any(tuple(metrics) == schema.ITEM_METRICS[f].get(item) for f in schema.ITEM_METRICS):
        return metrics  # a whole national header as it stands
    named = sum(len(key(schema.METRIC_BY_CODE[m].match[0])) for m in metrics)
    spare = len(key(header)) - named
    for fmt in ("2021", "2019"):
        tpl = schema.ITEM_METRICS[fmt].get(item)
        if tpl and len(metrics) < len(tpl) and [m for m in tpl if m in metrics] == metrics \
                and set(metrics) <= set(tpl) and spare >= 3 * (len(tpl) - len(metrics)):
            return list(tpl)
    return metrics


def _category_at_end(item: str, text: str) -> tuple[str | None, int]:
    """The item's category whose label ends the text, and where it starts."""
    best: tuple[int, str] | None = None
    for cat in schema.ITEM_CATEGORIES[item]:
        for lab in schema.CATEGORY_MATCH[cat]:
            at = text.rfind(lab)
            if at >= 0 and at + len(lab) >= len(text) - 2:
                if best is None or at < best[0]:
                    best = (at, cat)
    if best is None:
        tail = text[-20:]
        cats = {c: schema.CATEGORY_MATCH[c] for c in schema.ITEM_CATEGORIES[item]}
        cat, _ = best_match(tail, cats, 0.75)
        if cat is not None and coverage(tail[-12:], schema.CATEGORY_MATCH[cat][0]) >= 0.75:
            return cat, max(0, len(text) - len(schema.CATEGORY_MATCH[cat][0]))
        return None, len(text)
    return best[1], best[0]
