"""Report renderer for property tests: random identity-consistent values → a full report text in one of the
layouts real reports come in, together with its truth.

The truth is built first (every accounting identity holds), then rendered through a grid of cells and one of the
layout serializers. Noise (page footers, repeated headers, broken labels, stray and lost cells, breadcrumbs) is
optional; what it makes unreadable on purpose must come back null with a warning, never as a wrong number.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from gip_pipeline.contract import schema

AGENCIES = ("濮阳市华龙区人民政府", "牡丹江市西安区发展和改革局", "绥芬河市营商环境建设监督局", "盘锦市双台子区人民政府办公室",
            "鹤岗市东山区人民政府", "淮安市洪泽区人民政府", "某某县自然资源局", "黑龙江省统计局")

LAYOUTS = ("tab", "pipe_markdown", "pipe_plain", "spaces", "wide_spaces", "cell_per_line_pipe", "cell_per_line",
           "glued", "pdf_wrapped", "pdf_scrambled", "html_flat")

# How each table-三 row is printed: (group prefix printed on the row's first line or above it, row label)
_GROUP_PREFIX = {
    "granted": "（一）", "partially_granted": "（二）",
    "denied_state_secret": "（三）不予公开", "unavailable_not_held": "（四）无法提供",
    "unprocessed_petition": "（五）不予处理", "other_overdue_correction": "（六）其他处理",
}
_ROW_PRINT = {
    "new_received": "一、本年新收政府信息公开申请数量", "carried_over": "二、上年结转政府信息公开申请数量",
    "granted": "予以公开", "partially_granted": "部分公开（区分处理的，只计这一情形，不计其他情形）",
    "other_handling": "（六）其他处理", "total_processed": "（七）总计", "carried_forward": "四、结转下年度继续办理",
}
_NUMBERED = {  # sub-rows printed with their number
    "denied_state_secret": 1, "denied_prohibited_by_law": 2, "denied_three_safeties": 3,
    "denied_third_party_rights": 4, "denied_internal_affairs": 5, "denied_process_information": 6,
    "denied_enforcement_files": 7, "denied_administrative_inquiry": 8, "unavailable_not_held": 1,
    "unavailable_needs_creation": 2, "unavailable_still_unclear": 3, "unprocessed_petition": 1,
    "unprocessed_repeated": 2, "unprocessed_publication": 3, "unprocessed_mass_repetitive": 4,
    "unprocessed_confirm_existing": 5, "other_overdue_correction": 1, "other_overdue_fee": 2, "other_other": 3,
}
_DISCLOSURE_BLOCKS = {
    "2021": (("20.1", "第二十条第（一）项", ("issued", "repealed", "in_force"), ("rules", "normative_documents")),
             ("20.5", "第二十条第（五）项", ("decisions",), ("administrative_license",)),
             ("20.6", "第二十条第（六）项", ("decisions",), ("administrative_penalty", "administrative_coercion")),
             ("20.8", "第二十条第（八）项", ("fee_amount_10k_yuan",), ("administrative_fees",))),
    "2019": (("20.1", "第二十条第（一）项", ("newly_made", "newly_published", "total_published"),
              ("rules", "normative_documents")),
             ("20.5", "第二十条第（五）项", ("previous_year_items", "change", "decisions"),
              ("administrative_license", "other_external_management")),
             ("20.6", "第二十条第（六）项", ("previous_year_items", "change", "decisions"),
              ("administrative_penalty", "administrative_coercion")),
             ("20.8", "第二十条第（八）项", ("previous_year_items", "change"), ("administrative_fees",)),
             ("20.9", "第二十条第（九）项", ("procurement_items", "procurement_amount"), ("government_procurement",))),
}
_CATEGORY_PRINT = {"rules": "规章", "normative_documents": {"2021": "行政规范性文件", "2019": "规范性文件"},
                   "administrative_license": "行政许可", "other_external_management": "其他对外管理服务事项",
                   "administrative_penalty": "行政处罚", "administrative_coercion": "行政强制",
                   "administrative_fees": "行政事业性收费", "government_procurement": "政府集中采购"}
_METRIC_PRINT = {"issued": "本年制发件数", "repealed": "本年废止件数", "in_force": "现行有效件数",
                 "newly_made": "本年新制作数量", "newly_published": "本年新公开数量", "total_published": "对外公开总数量",
                 "decisions": {"2021": "本年处理决定数量", "2019": "处理决定数量"},
                 "previous_year_items": "上一年项目数量", "change": "本年增/减",
                 "fee_amount_10k_yuan": "本年收费金额（单位：万元）", "procurement_items": "采购项目数量",
                 "procurement_amount": "采购总金额"}


@dataclass
class Truth:
    agency: str
    year: int
    published: tuple[int, int, int] | None
    fmt: str
    disclosure_fmt: str
    applications: dict[tuple[str, str], int]
    review: dict[tuple[str, str], int]
    disclosure: dict[tuple[str, str, str], float | None]
    disclosure_raw: dict[tuple[str, str, str], str] = field(default_factory=dict)
    # cells the renderer damaged on purpose: they may come back null (with a warning), never wrong
    damaged_rows: set[str] = field(default_factory=set)
    damaged_disclosure: set[str] = field(default_factory=set)  # categories
    damaged_review: bool = False
    blank_cells: set = field(default_factory=set)  # container renderings: cells (0 in the truth) left empty


def _count(rng: random.Random, big: bool) -> int:
    r = rng.random()
    if r < 0.55:
        return 0
    if r < 0.85 or not big:
        return rng.randint(1, 9)
    return rng.randint(10, 3000)


def make_truth(rng: random.Random, fmt: str, disclosure_fmt: str, big: bool = True) -> Truth:
    rows = schema.application_rows(fmt)
    outcomes = schema.outcome_rows(fmt)
    apps: dict[tuple[str, str], int] = {}
    for col in schema.APPLICANT_PARTS:
        active = col == "natural_person" or rng.random() < 0.4
        for r in outcomes:
            apps[(r, col)] = _count(rng, big) if active else 0
        total = sum(apps[(r, col)] for r in outcomes)
        apps[("total_processed", col)] = total
        carried_over = rng.randint(0, 5) if active and rng.random() < 0.3 else 0
        carried_forward = rng.randint(0, 5) if active and rng.random() < 0.3 else 0
        apps[("carried_over", col)] = carried_over
        apps[("carried_forward", col)] = carried_forward
        apps[("new_received", col)] = total + carried_forward - carried_over
        if apps[("new_received", col)] < 0:
            apps[("carried_over", col)] = total + carried_forward
            apps[("new_received", col)] = 0
    for r in rows:
        apps[(r, "total")] = sum(apps[(r, c)] for c in schema.APPLICANT_PARTS)
    review = {}
    for p in schema.PROCEEDING_CODES:
        vals = [_count(rng, False) if rng.random() < 0.4 else 0 for _ in range(4)]
        for o, v in zip(schema.OUTCOME_CODES, vals + [sum(vals)]):
            review[(p, o)] = v
    disclosure: dict[tuple[str, str, str], float | None] = {}
    raw: dict[tuple[str, str, str], str] = {}
    for item, _, metrics, cats in _DISCLOSURE_BLOCKS[disclosure_fmt]:
        for cat in cats:
            for m in metrics:
                if m == "fee_amount_10k_yuan":
                    text = rng.choice(["0", "12.5", "5949.088667", str(rng.randint(0, 99999))])
                    value: float | None = float(text)
                elif m == "change":
                    v = rng.randint(-200, 200)
                    text, value = (f"+{v}" if v > 0 else str(v)), float(v)
                elif m == "procurement_amount":
                    text = rng.choice(["251000元", "13575394432.52元", "0元"])
                    value = float(text[:-1])
                elif cat == "rules" and rng.random() < 0.3:
                    text, value = "/", None
                else:
                    v = _count(rng, True)
                    text, value = str(v), float(v)
                disclosure[(item, cat, m)] = value
                raw[(item, cat, m)] = text
    year = rng.randint(2019, 2025)
    published = (year + 1, rng.randint(1, 3), rng.randint(10, 28)) if rng.random() < 0.6 else None
    return Truth(rng.choice(AGENCIES), year, published, fmt, disclosure_fmt, apps, review, disclosure, raw)


# ------------------------------------------------------------------------------------------------ grids


@dataclass
class Row:
    labels: list[str]  # label cells (group label cells first)
    values: list[str]
    key: str | None = None  # row code / category, for noise bookkeeping
    header: bool = False


def _application_grid(t: Truth, rng: random.Random, group_style: str) -> list[Row]:
    grid = [Row(["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况"], [], header=True),
            Row(["自然人", "法人或其他组织", "总计"], [], header=True),
            Row(["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"], [], header=True)]
    for r in schema.application_rows(t.fmt):
        labels: list[str] = []
        if r == "granted":
            if group_style == "own_line":
                grid.append(Row(["三、本年度办理结果"], []))
            elif group_style == "vertical":
                grid.extend(Row([ch], []) for ch in "三、本年度办理结果")
            else:
                labels.append("三、本年度办理结果")
        prefix = _GROUP_PREFIX.get(r)
        if r in _NUMBERED:
            if prefix:
                if group_style == "own_line":
                    grid.append(Row([prefix], []))
                else:
                    labels.append(prefix)
            label = schema.ROW_BY_CODE[r].label
            if rng.random() < 0.5:
                label = label.replace("“", '"').replace("”", '"')
            labels.append(f"{_NUMBERED[r]}{rng.choice(['.', '．', '. '])}{label}")
        else:
            labels.append((prefix or "") + _ROW_PRINT[r])
        grid.append(Row(labels, [str(t.applications[(r, c)]) for c in schema.APPLICANT_CODES], key=r))
    return grid


def _review_grid(t: Truth) -> list[Row]:
    outcomes = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    return [Row(["行政复议", "行政诉讼"], [], header=True),
            Row(outcomes + ["未经复议直接起诉", "复议后起诉"], [], header=True),
            Row(outcomes + outcomes, [], header=True),
            Row([], [str(t.review[c]) for c in schema.REVIEW_CELLS], key="review")]


def _disclosure_grid(t: Truth) -> list[Row]:
    grid: list[Row] = []
    for item, caption, metrics, cats in _DISCLOSURE_BLOCKS[t.disclosure_fmt]:
        grid.append(Row([caption], [], header=True))
        heads = [_METRIC_PRINT[m] if isinstance(_METRIC_PRINT[m], str) else _METRIC_PRINT[m][t.disclosure_fmt]
                 for m in metrics]
        grid.append(Row(["信息内容", *heads], [], header=True))
        for cat in cats:
            label = _CATEGORY_PRINT[cat] if isinstance(_CATEGORY_PRINT[cat], str) else \
                _CATEGORY_PRINT[cat][t.disclosure_fmt]
            grid.append(Row([label], [t.disclosure_raw[(item, cat, m)] for m in metrics], key=cat))
    return grid


# ------------------------------------------------------------------------------------------------ noise


def _add_noise(t: Truth, grid: list[Row], rng: random.Random, table: str, noise: set[str]) -> list[Row]:
    out: list[Row] = []
    for row in grid:
        if "footers" in noise and rng.random() < 0.08:
            out.append(Row([rng.choice(["- 4 -", "第 3 页", "- 12 -", "第2页 共6页"])], [], header=True))
        if "repeated_header" in noise and table == "applications" and row.key == "unavailable_not_held":
            out.extend(Row(list(h.labels), [], header=True) for h in grid[1:3])
        if row.key and row.values and table in ("applications", "review"):
            if "stray_cell" in noise and rng.random() < 0.1:
                at = rng.randrange(len(row.values) + 1)
                row = Row(row.labels, row.values[:at] + [str(rng.randint(0, 99))] + row.values[at:], row.key)
                _mark(t, table, row.key)
            elif "lost_cell" in noise and rng.random() < 0.1:
                at = rng.randrange(len(row.values))
                row = Row(row.labels, row.values[:at] + row.values[at + 1:], row.key)
                _mark(t, table, row.key)
        if "broken_labels" in noise and row.labels and not row.header and len(row.labels[-1]) > 8 \
                and rng.random() < 0.3:
            cut = rng.randint(3, len(row.labels[-1]) - 2)
            out.append(Row(row.labels[:-1] + [row.labels[-1][:cut]], []))
            row = Row([row.labels[-1][cut:]], row.values, row.key)
        out.append(row)
    return out


def _mark(t: Truth, table: str, key: str) -> None:
    if table == "applications":
        t.damaged_rows.add(key)
    elif table == "review":
        t.damaged_review = True


# ------------------------------------------------------------------------------------------------ layouts


def _serialize(grid: list[Row], layout: str, rng: random.Random) -> list[str]:
    lines: list[str] = []
    for i, row in enumerate(grid):
        cells = row.labels + row.values
        if layout == "tab":
            lines.append("\t".join(cells + [""] * rng.randint(0, 2)))
        elif layout in ("pipe_markdown", "pipe_plain"):
            lines.append("| " + " | ".join(cells) + " |")
            if layout == "pipe_markdown" and i == 0:
                lines.append("|" + "---|" * max(len(cells), 2))
        elif layout == "spaces":
            lines.append(" ".join(cells))
        elif layout == "wide_spaces":
            lines.append("   ".join(c.ljust(6) for c in cells).rstrip())
        elif layout == "cell_per_line_pipe":
            lines.extend(f"{c} |" for c in cells)
            lines.append("|" * rng.randint(1, 3))
        elif layout == "cell_per_line":
            lines.extend(cells)
        elif layout == "html_flat":  # &nbsp; / 全角空格 between cells of text scraped from HTML
            lines.append(rng.choice(["\u00a0", "\u3000", "\u00a0\u00a0"]).join(cells))
        elif layout == "glued":
            lines.append("".join(row.labels) + "".join(row.values))
        elif layout == "pdf_wrapped":
            label = "".join(row.labels)
            if len(label) > 16 and row.values:
                lines.append(label[:14])
                lines.append(label[14:] + " " + " ".join(row.values))
            else:
                lines.append(" ".join([label] * bool(label) + row.values))
        elif layout == "pdf_scrambled":
            if row.values and row.labels and rng.random() < 0.2:  # a stray number inside the label cells
                lines.append("\t".join([str(rng.randint(1, 1200))] + row.labels + row.values + [""]))
            else:
                lines.append("\t".join([""] + row.labels + row.values + [""]))
        else:
            raise ValueError(layout)
    return lines


def _damage_for_layout(t: Truth, layout: str) -> None:
    """Layouts that can make cells unreadable by themselves (glued digits: several cuts may fit)."""
    if layout == "glued":
        t.damaged_rows.update(schema.application_rows(t.fmt))
        t.damaged_review = True
        t.damaged_disclosure.update(c for _, _, _, cats in _DISCLOSURE_BLOCKS[t.disclosure_fmt] for c in cats)


def render(t: Truth, layout: str, rng: random.Random, noise: set[str] = frozenset(),
           group_style: str = "inline") -> str:
    _damage_for_layout(t, layout)
    if layout == "glued":  # with no separators a stray or lost cell is just another digit string: undetectable
        noise = set(noise) - {"stray_cell", "lost_cell"}
    parts: list[str] = []
    if "breadcrumb" in noise:
        parts += ["首页 > 政务公开 > 政府信息公开年报", "字号：大 中 小 打印本页"]
    parts.append(f"{t.agency}{t.year}年政府信息公开工作年度报告")
    if t.published:
        y, m, d = t.published
        parts.append(f"{y}年{m}月{d}日")
    parts += [f"本报告根据《中华人民共和国政府信息公开条例》编制，所列数据的统计期限自{t.year}年1月1日起至{t.year}年12月31日止。",
              "一、总体情况",
              f"{t.year}年，本机关认真贯彻落实《条例》，全年共收到政府信息公开申请"
              f"{t.applications[('new_received', 'total')]}件，均在法定期限内答复。",
              "二、主动公开政府信息情况"]
    parts += _serialize(_add_noise(t, _disclosure_grid(t), rng, "disclosure", noise), layout, rng)
    parts.append("三、收到和处理政府信息公开申请情况")
    parts += _serialize(_add_noise(t, _application_grid(t, rng, group_style), rng, "applications", noise),
                        layout, rng)
    parts.append("四、政府信息公开行政复议、行政诉讼情况")
    parts += _serialize(_add_noise(t, _review_grid(t), rng, "review", noise), layout, rng)
    parts += ["五、存在的主要问题及改进情况", "一是公开内容还不够丰富；二是解读形式还需创新。", "六、其他需要报告的事项",
              "本年度未收取信息处理费。"]
    if "breadcrumb" in noise:
        parts += ["分享到：微信 微博 QQ空间", "【打印本页】【关闭窗口】"]
    return "\n".join(parts) + "\n"


# ------------------------------------------------------------------------------------------------ containers
# The same truth as a published file: an HTML page (CMS page or Word "save as web page" export), a DOCX or a PDF,
# its tables in the national form's real two-dimensional layout (rowspan/colspan merged cells). A cell listed in
# `Truth.blank_cells` (a 0 of the truth) is left empty, as some bodies do: it must come back null, in its column.


@dataclass
class SpanCell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False


SpanTable = list[list[SpanCell]]  # each row lists its anchor cells only, left to right (HTML semantics)


def _value_text(t: Truth, key: tuple, blanks: set) -> str:
    if key in blanks:
        return ""
    return str(t.applications[key]) if key in t.applications else str(t.review[key])


def application_span_table(t: Truth) -> SpanTable:
    rows = schema.application_rows(t.fmt)
    outcome = [r for r in rows if r not in ("new_received", "carried_over", "carried_forward")]
    head = [[SpanCell("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3, True),
             SpanCell("申请人情况", 1, 7, True)],
            [SpanCell("自然人", 2, 1, True), SpanCell("法人或其他组织", 1, 5, True), SpanCell("总计", 2, 1, True)],
            [SpanCell(x, header=True) for x in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")]]
    groups = {"denied_state_secret": ("（三）不予公开", 8), "unavailable_not_held": ("（四）无法提供", 3),
              "unprocessed_petition": ("（五）不予处理", 5), "other_overdue_correction": ("（六）其他处理", 3)}
    body: SpanTable = []
    for r in rows:
        values = [SpanCell(_value_text(t, (r, c), t.blank_cells)) for c in schema.APPLICANT_CODES]
        if r in ("new_received", "carried_over", "carried_forward"):
            body.append([SpanCell(_ROW_PRINT[r], 1, 3)] + values)
            continue
        cells: list[SpanCell] = []
        if r == "granted":
            cells.append(SpanCell("三、本年度办理结果", len(outcome), 1))
        if r in _NUMBERED:
            if r in groups:
                cells.append(SpanCell(groups[r][0], groups[r][1], 1))
            cells.append(SpanCell(f"{_NUMBERED[r]}.{schema.ROW_BY_CODE[r].label}"))
        else:
            cells.append(SpanCell((_GROUP_PREFIX.get(r) or "") + _ROW_PRINT[r], 1, 2))
        body.append(cells + values)
    return head + body


def review_span_table(t: Truth) -> SpanTable:
    outcomes = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    return [[SpanCell("行政复议", 1, 5, True), SpanCell("行政诉讼", 1, 10, True)],
            [SpanCell(o, 2, 1, True) for o in outcomes]
            + [SpanCell("未经复议直接起诉", 1, 5, True), SpanCell("复议后起诉", 1, 5, True)],
            [SpanCell(o, header=True) for o in outcomes * 2],
            [SpanCell(_value_text(t, c, t.blank_cells)) for c in schema.REVIEW_CELLS]]


def disclosure_span_table(t: Truth) -> SpanTable:
    """Table 二 as one 4-column table: a caption row per 第二十条 item; a block with fewer columns widens its last."""
    out: SpanTable = []
    for item, caption, metrics, cats in _DISCLOSURE_BLOCKS[t.disclosure_fmt]:
        out.append([SpanCell(caption, 1, 4, True)])
        heads = [_METRIC_PRINT[m] if isinstance(_METRIC_PRINT[m], str) else _METRIC_PRINT[m][t.disclosure_fmt]
                 for m in metrics]
        widths = [1] * (len(metrics) - 1) + [4 - len(metrics)]
        out.append([SpanCell("信息内容", header=True)] + [SpanCell(h, 1, w, True) for h, w in zip(heads, widths)])
        for cat in cats:
            label = _CATEGORY_PRINT[cat] if isinstance(_CATEGORY_PRINT[cat], str) else \
                _CATEGORY_PRINT[cat][t.disclosure_fmt]
            out.append([SpanCell(label)] + [SpanCell(t.disclosure_raw[(item, cat, m)], 1, w)
                                            for m, w in zip(metrics, widths)])
    return out


def choose_blanks(t: Truth, rng: random.Random, n: int) -> None:
    """Leave up to `n` zero cells of tables 三/四 blank (a blank cell is read as null)."""
    zeros = [("a", k) for k, v in sorted(t.applications.items()) if v == 0] + \
            [("r", k) for k, v in sorted(t.review.items()) if v == 0]
    for _, k in rng.sample(zeros, min(n, len(zeros))):
        t.blank_cells.add(k)


def document_blocks(t: Truth) -> list[tuple]:
    """('title'|'date'|'h'|'p', text) and ('table', name, SpanTable) blocks of the whole report."""
    blocks: list[tuple] = [("title", f"{t.agency}{t.year}年政府信息公开工作年度报告")]
    if t.published:
        y, m, d = t.published
        blocks.append(("date", f"{y}年{m}月{d}日"))
    blocks += [("p", f"本报告根据《中华人民共和国政府信息公开条例》编制，所列数据的统计期限自{t.year}年1月1日起至{t.year}年12月31日止。"),
               ("h", "一、总体情况"),
               ("p", f"{t.year}年，本机关认真贯彻落实《条例》，全年共收到政府信息公开申请"
                     f"{t.applications[('new_received', 'total')]}件，均在法定期限内答复。"),
               ("h", "二、主动公开政府信息情况"), ("table", "disclosure", disclosure_span_table(t)),
               ("h", "三、收到和处理政府信息公开申请情况"), ("table", "applications", application_span_table(t)),
               ("h", "四、政府信息公开行政复议、行政诉讼情况"), ("table", "review", review_span_table(t)),
               ("h", "五、存在的主要问题及改进情况"), ("p", "一是公开内容还不够丰富；二是解读形式还需创新。"),
               ("h", "六、其他需要报告的事项"), ("p", "本年度未收取信息处理费。")]
    return blocks


def _pieces(text: str, rng: random.Random, n: int) -> list[str]:
    """A text cut at random places into up to n runs (how Word splits a label across spans)."""
    if len(text) < 2 or n < 2:
        return [text]
    cuts = sorted(rng.sample(range(1, len(text)), min(n - 1, len(text) - 1)))
    return [text[a:b] for a, b in zip([0] + cuts, cuts + [len(text)])]


def _html_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _html_cell(c: SpanCell, rng: random.Random, word: bool) -> str:
    attrs = (f" rowspan={c.rowspan}" if c.rowspan > 1 else "") + (f" colspan=\"{c.colspan}\"" if c.colspan > 1 else "")
    tag = "th" if c.header and not word else "td"
    if not word:
        return f"<{tag}{attrs}>{_html_escape(c.text)}</{tag}>"
    style = "style='width:44.25pt;border:solid windowtext 1.0pt;mso-border-alt:solid windowtext .5pt;" \
            "padding:0cm 5.4pt 0cm 5.4pt'"
    if not c.text:
        inner = "<p class=MsoNormal align=center><span lang=EN-US><o:p>&nbsp;</o:p></span></p>"
    else:
        paras = _pieces(c.text, rng, 2) if len(c.text) > 12 and not c.text[0].isdigit() and rng.random() < 0.5 \
            else [c.text]
        inner = ""
        for para in paras:
            runs = []
            for run in _pieces(para, rng, rng.randint(1, 3)):
                kind = rng.random()
                if kind < 0.4:
                    runs.append(f"<span style='font-size:10.5pt;font-family:仿宋_GB2312;mso-bidi-font-size:11.0pt'>"
                                f"{_html_escape(run)}</span>")
                elif kind < 0.6:
                    runs.append(f"<font face=\"仿宋\">{_html_escape(run)}</font>")
                else:
                    runs.append(f"<span lang=EN-US>{_html_escape(run)}</span>")
            inner += f"<p class=MsoNormal align=center style='text-align:center'>{''.join(runs)}<o:p></o:p></p>"
    return f"<td{attrs} valign=top {style}>{inner}</td>"


def render_html(t: Truth, rng: random.Random, *, word: bool, cms: bool, title_in_body: bool, date_in: str,
                encoding: str = "utf-8") -> bytes:
    """A CMS page (nav, breadcrumb, info bar, share buttons, footer, scripts) or a bare Word export.
    `date_in`: 'body' (a date line under the title), 'info' (发布时间 in the info bar), 'meta' (<meta PubDate>)."""
    blocks = document_blocks(t)
    title = blocks[0][1]
    date = t.published
    body: list[str] = []
    for b in blocks:
        if b[0] == "title":
            if title_in_body:
                body.append(f"<h1 align=center>{title}</h1>" if not word else
                            f"<p class=MsoNormal align=center><b><span style='font-size:22.0pt'>{title}</span></b></p>")
        elif b[0] == "date":
            if date_in == "body":
                body.append(f"<p align=right>{b[1]}</p>")
        elif b[0] in ("h", "p"):
            text = _html_escape(b[1])
            body.append(f"<p class=MsoNormal style='text-indent:32.0pt;mso-char-indent-count:2.0'><span "
                        f"style='font-family:仿宋_GB2312'>{text}<o:p></o:p></span></p>" if word else f"<p>{text}</p>")
        else:
            table = b[2]
            width = sum(c.colspan for c in table[0])
            rows = []
            for row in table:
                rows.append("<tr style='mso-yfti-irow:0'>" + "".join(_html_cell(c, rng, word) for c in row) + "</tr>")
            if word:  # Word's column-width row, inside a downlevel conditional
                rows.append("<![if !supportMisalignedColumns]><tr height=0>" + "<td width=59 style='border:none'></td>"
                            * width + "</tr><![endif]>")
            attrs = " class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 style='border-collapse:collapse;" \
                    "mso-table-layout-alt:fixed'" if word else " border=1"
            body.append(f"<table{attrs}><tbody>" + "\n".join(rows) + "</tbody></table>")
    content = "\n".join(body)
    charset = {"utf-8": "utf-8", "gb18030": "gbk"}[encoding]
    metas = [f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">']
    if cms:
        metas.append(f'<meta name="ArticleTitle" content="{title}">')
        metas.append('<meta name="SiteName" content="某某人民政府网">')
    if date and date_in == "meta":
        metas.append(f'<meta name="PubDate" content="{date[0]}-{date[1]:02d}-{date[2]:02d} 09:30">')
    head = f"<head>{''.join(metas)}<title>{title}_某某人民政府网</title>" \
           "<style>p.MsoNormal{margin:0cm;font-size:10.5pt}</style><script>var _hmt=_hmt||[];</script></head>"
    if cms:
        info = '<div class="info"><span>来源：办公室</span>' + (
            f'<span>发布时间：{date[0]}-{date[1]:02d}-{date[2]:02d} 10:00</span>' if date and date_in == "info" else "") \
            + '<span>浏览次数：<script>document.write(123)</script></span></div>'
        page = ('<body><div class="header"><div class="top-nav"><a href="/">首页</a> <a href="/zw">政务公开</a> '
                '<a href="/bs">办事服务</a> <a href="/hd">互动交流</a></div></div>'
                '<div class="main"><div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zw">政务公开</a>'
                ' &gt; <a href="/nb">政府信息公开年报</a></div>'
                '<div class="article"><div class="article-title">'
                + (f"<h1>{title}</h1>" if title_in_body else "") + f"{info}</div>"
                + f'<div class="TRS_Editor" id="zoom">{content}</div>'
                '<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a></div>'
                '<div class="print">【<a href="javascript:window.print()">打印本页</a>】【<a href="#">关闭窗口</a>】</div>'
                '</div></div>'
                '<div class="footer"><p>主办：某某人民政府办公室 版权所有</p><p>网站标识码：1234567890 ICP备案号：苏ICP备12345678号</p>'
                '</div><script>console.log("stat")</script></body>')
        # the title is only in <h1>: when not in the body it is in <title> and the ArticleTitle meta
    else:
        page = f"<body lang=ZH-CN style='tab-interval:21.0pt'><div class=WordSection1>{content}</div></body>"
    xmlns = ' xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word"' \
        if word else ""
    doc = f"<!DOCTYPE html>\n<html{xmlns}>{head}{page}</html>\n"
    return doc.encode(encoding)


def render_docx(t: Truth, rng: random.Random) -> bytes:
    """A Word document: paragraphs, and the tables with merged cells (gridSpan / vMerge), labels split in runs."""
    import io

    import docx

    document = docx.Document()
    document.core_properties.author = "gip renderer"
    for b in document_blocks(t):
        if b[0] != "table":
            p = document.add_paragraph()
            for run in _pieces(b[1], rng, rng.randint(1, 3)):
                p.add_run(run)
            continue
        table = b[2]
        width = sum(c.colspan for c in table[0])
        grid = _expand(table)
        doc_table = document.add_table(rows=len(grid), cols=width)
        doc_table.style = "Table Grid"
        for r, row in enumerate(grid):
            for c, anchor in enumerate(row):
                if anchor is None:
                    continue
                cell = doc_table.cell(r, c)
                if anchor.rowspan > 1 or anchor.colspan > 1:
                    cell = cell.merge(doc_table.cell(r + anchor.rowspan - 1, c + anchor.colspan - 1))
                if not anchor.text:
                    continue
                paras = _pieces(anchor.text, rng, 2) if len(anchor.text) > 12 and not anchor.text[0].isdigit() \
                    and rng.random() < 0.5 else [anchor.text]
                for i, para in enumerate(paras):
                    p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
                    for run in _pieces(para, rng, rng.randint(1, 3)):
                        p.add_run(run)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _expand(table: SpanTable) -> list[list[SpanCell | None]]:
    """Anchor cells at their grid positions; None at positions a merged cell covers."""
    pos: dict[tuple[int, int], SpanCell | None] = {}
    for r, row in enumerate(table):
        c = 0
        for cell in row:
            while (r, c) in pos:
                c += 1
            for i in range(cell.rowspan):
                for j in range(cell.colspan):
                    pos[(r + i, c + j)] = None
            pos[(r, c)] = cell
            c += cell.colspan
    height = max(r for r, _ in pos) + 1
    width = max(c for _, c in pos) + 1
    return [[pos.get((r, c)) for c in range(width)] for r in range(height)]


def render_pdf(t: Truth, rng: random.Random, *, split_table: bool) -> bytes:
    """A PDF with a text layer (reportlab, CID font STSong-Light): ruled tables with merged cells, labels that wrap
    inside their cells, the vertical label 三、本年度办理结果 one character per line, a page footer `- N -` on every
    page, and (`split_table`) table 三 cut over two pages, its merged cells clipped as Word does."""
    import io

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle("body", fontName="STSong-Light", fontSize=11, leading=16, wordWrap="CJK")
    title = ParagraphStyle("title", parent=body, fontSize=16, leading=22, alignment=1)
    cell_style = ParagraphStyle("cell", fontName="STSong-Light", fontSize=8, leading=10, wordWrap="CJK")
    widths = {"applications": [22, 52, 110] + [38] * 7, "review": [30] * 15, "disclosure": [150, 100, 100, 100]}
    story = []

    def flow_table(name: str, grid: list[list[SpanCell | None]], anchors_at: list[tuple[int, int, SpanCell]]):
        data = [["" for _ in row] for row in grid]
        style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("FONTNAME", (0, 0), (-1, -1), "STSong-Light"),
                 ("FONTSIZE", (0, 0), (-1, -1), 8), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
        for r, c, cell in anchors_at:
            text = cell.text
            if name == "applications" and text == "三、本年度办理结果":
                data[r][c] = Paragraph("<br/>".join(text), cell_style)
            elif text and not text.lstrip("+-").replace(".", "").replace("元", "").isdigit():
                data[r][c] = Paragraph(_html_escape(text), cell_style)
            else:
                data[r][c] = text
            if cell.rowspan > 1 or cell.colspan > 1:
                style.append(("SPAN", (c, r), (c + cell.colspan - 1, r + cell.rowspan - 1)))
        return Table(data, colWidths=widths[name], style=TableStyle(style))

    for b in document_blocks(t):
        if b[0] == "title":
            story.append(Paragraph(b[1], title))
        elif b[0] != "table":
            story.append(Paragraph(_html_escape(b[1]), body))
        else:
            grid = _expand(b[2])
            anchors = [(r, c, cell) for r, row in enumerate(grid) for c, cell in enumerate(row) if cell is not None]
            cut = rng.randint(8, len(grid) - 3) if split_table and b[1] == "applications" else None
            if cut is None:
                story.append(flow_table(b[1], grid, anchors))
                continue
            first = [(r, c, SpanCell(cell.text, min(cell.rowspan, cut - r), cell.colspan))
                     for r, c, cell in anchors if r < cut]
            second = [(r - cut, c, cell) for r, c, cell in anchors if r >= cut]
            story.append(flow_table(b[1], grid[:cut], first))
            story.append(PageBreak())
            story.append(flow_table(b[1], grid[cut:], second))

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont("STSong-Light", 10)
        canvas.drawCentredString(A4[0] / 2, 30, f"- {doc.page} -")
        canvas.restoreState()

    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, invariant=1, title="", author="").build(
        story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


def render_scanned_pdf() -> bytes:
    """An image-only PDF (a scan): a page holding one picture and no text layer."""
    import io

    from PIL import Image, ImageDraw
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    img = Image.new("L", (400, 560), 255)
    draw = ImageDraw.Draw(img)
    for y in range(40, 520, 24):  # lines of "text" as a scanner sees them
        draw.rectangle((40, y, 360 - (y % 70), y + 10), fill=30)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.drawImage(ImageReader(img), 50, 100, width=A4[0] - 100, height=A4[1] - 200)
    c.showPage()
    c.save()
    return buf.getvalue()
