"""Report renderer for property tests: random identity-consistent values → a full report text in one of the
layouts real reports come in, together with its truth.

The truth is built first (every accounting identity holds), then rendered through a grid of cells and one of the
layout serializers. Noise (page footers, repeated headers, broken labels, stray and lost cells, breadcrumbs) is
optional; what it makes unreadable on purpose must come back null with a warning, never as a wrong number.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from gip_pipeline.core import schema

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
