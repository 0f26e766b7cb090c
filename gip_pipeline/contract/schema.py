"""The single source of every code, label, Parquet column and accounting identity.

Codes and labels equal ``shared/contract/codes.json`` (a test compares them). The Parquet schemas, the
identities the quality gate evaluates, the Great Expectations suites and the documentation are all derived
from the declarations here, so a change happens in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pyarrow as pa

PARSER_VERSION = "5"

# ---------------------------------------------------------------------------------------------------------------
# Table 三: applications (收到和处理政府信息公开申请情况)
# ---------------------------------------------------------------------------------------------------------------
APPLICANT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("natural_person", "自然人"),
    ("commercial_enterprise", "商业企业"),
    ("research_institution", "科研机构"),
    ("public_interest_org", "社会公益组织"),
    ("legal_service_org", "法律服务机构"),
    ("other_org", "其他"),
    ("total", "总计"),
)
APPLICANT_CODES: tuple[str, ...] = tuple(c for c, _ in APPLICANT_COLUMNS)
APPLICANT_PARTS: tuple[str, ...] = APPLICANT_CODES[:-1]


@dataclass(frozen=True)
class RowDef:
    code: str
    group: str
    label: str
    note: str | None = None


APPLICATION_ROWS: tuple[RowDef, ...] = (
    RowDef("new_received", "一", "本年新收政府信息公开申请数量"),
    RowDef("carried_over", "二", "上年结转政府信息公开申请数量"),
    RowDef("granted", "三(一)", "予以公开"),
    RowDef("partially_granted", "三(二)", "部分公开"),
    RowDef("denied_state_secret", "三(三)", "属于国家秘密"),
    RowDef("denied_prohibited_by_law", "三(三)", "其他法律行政法规禁止公开"),
    RowDef("denied_three_safeties", "三(三)", "危及“三安全一稳定”"),
    RowDef("denied_third_party_rights", "三(三)", "保护第三方合法权益"),
    RowDef("denied_internal_affairs", "三(三)", "属于三类内部事务信息"),
    RowDef("denied_process_information", "三(三)", "属于四类过程性信息"),
    RowDef("denied_enforcement_files", "三(三)", "属于行政执法案卷"),
    RowDef("denied_administrative_inquiry", "三(三)", "属于行政查询事项"),
    RowDef("unavailable_not_held", "三(四)", "本机关不掌握相关政府信息"),
    RowDef("unavailable_needs_creation", "三(四)", "没有现成信息需要另行制作"),
    RowDef("unavailable_still_unclear", "三(四)", "补正后申请内容仍不明确"),
    RowDef("unprocessed_petition", "三(五)", "信访举报投诉类申请"),
    RowDef("unprocessed_repeated", "三(五)", "重复申请"),
    RowDef("unprocessed_publication", "三(五)", "要求提供公开出版物"),
    RowDef("unprocessed_mass_repetitive", "三(五)", "无正当理由大量反复申请"),
    RowDef("unprocessed_confirm_existing", "三(五)", "要求行政机关确认或重新出具已获取信息"),
    RowDef("other_handling", "三(六)", "其他处理",
           "2019 format: one row; 2021 format: the three rows below instead"),
    RowDef("other_overdue_correction", "三(六)", "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    RowDef("other_overdue_fee", "三(六)", "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    RowDef("other_other", "三(六)", "其他"),
    RowDef("total_processed", "三(七)", "总计"),
    RowDef("carried_forward", "四", "结转下年度继续办理"),
)
ROW_BY_CODE = {r.code: r for r in APPLICATION_ROWS}

_ROWS_2021_EXCLUDED = {"other_handling"}
_ROWS_2019_EXCLUDED = {"other_overdue_correction", "other_overdue_fee", "other_other"}
FORMATS = ("2019", "2021")


@lru_cache(maxsize=None)
def application_rows(fmt: str) -> tuple[str, ...]:
    """Row codes of table 三 in the order the national format prints them (23 rows in 2019, 25 in 2021)."""
    excluded = _ROWS_2021_EXCLUDED if fmt == "2021" else _ROWS_2019_EXCLUDED
    return tuple(r.code for r in APPLICATION_ROWS if r.code not in excluded)


@lru_cache(maxsize=None)
def outcome_rows(fmt: str) -> tuple[str, ...]:
    """The disposition rows whose sum is (七)总计."""
    rows = application_rows(fmt)
    return rows[rows.index("granted"): rows.index("total_processed")]


# ---------------------------------------------------------------------------------------------------------------
# Table 四: administrative review and litigation
# ---------------------------------------------------------------------------------------------------------------
PROCEEDINGS: tuple[tuple[str, str], ...] = (
    ("administrative_review", "行政复议"),
    ("litigation_direct", "行政诉讼 / 未经复议直接起诉"),
    ("litigation_after_review", "行政诉讼 / 复议后起诉"),
)
OUTCOMES: tuple[tuple[str, str], ...] = (
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
)
PROCEEDING_CODES = tuple(c for c, _ in PROCEEDINGS)
OUTCOME_CODES = tuple(c for c, _ in OUTCOMES)
REVIEW_CELLS: tuple[tuple[str, str], ...] = tuple((p, o) for p in PROCEEDING_CODES for o in OUTCOME_CODES)

# ---------------------------------------------------------------------------------------------------------------
# Table 二: active disclosure (第二十条)
# ---------------------------------------------------------------------------------------------------------------
DISCLOSURE_ITEMS: tuple[tuple[str, str], ...] = (
    ("20.1", "第二十条第（一）项"),
    ("20.5", "第二十条第（五）项"),
    ("20.6", "第二十条第（六）项"),
    ("20.8", "第二十条第（八）项"),
    ("20.9", "第二十条第（九）项"),
)
DISCLOSURE_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("rules", "规章"),
    ("normative_documents", "规范性文件 / 行政规范性文件"),
    ("administrative_license", "行政许可"),
    ("other_external_management", "其他对外管理服务事项"),
    ("administrative_penalty", "行政处罚"),
    ("administrative_coercion", "行政强制"),
    ("administrative_fees", "行政事业性收费"),
    ("government_procurement", "政府集中采购"),
)


@dataclass(frozen=True)
class MetricDef:
    code: str
    label: str
    format: str | None  # None: both formats
    match: tuple[str, ...]  # the header texts that name this column in real tables
    unit: str | None = None
    signed: bool = False


DISCLOSURE_METRICS: tuple[MetricDef, ...] = (
    MetricDef("issued", "本年制发件数", "2021", ("本年制发件数",), "件"),
    MetricDef("repealed", "本年废止件数", "2021", ("本年废止件数",), "件"),
    MetricDef("in_force", "现行有效件数", "2021", ("现行有效件数",), "件"),
    MetricDef("newly_made", "本年新制作数量", "2019", ("本年新制作数量",), "件"),
    MetricDef("newly_published", "本年新公开数量", "2019", ("本年新公开数量",), "件"),
    MetricDef("total_published", "对外公开总数量", "2019", ("对外公开总数量",), "件"),
    MetricDef("decisions", "本年处理决定数量 (2021) / 处理决定数量 (2019)", None,
              ("本年处理决定数量", "处理决定数量"), "件"),
    MetricDef("previous_year_items", "上一年项目数量", "2019", ("上一年项目数量",), "项"),
    MetricDef("change", "本年增/减 (signed, e.g. +4)", "2019", ("本年增/减", "本年增减"), "项", signed=True),
    MetricDef("fee_amount_10k_yuan", "本年收费金额（单位：万元）", "2021", ("本年收费金额",), "万元"),
    MetricDef("procurement_items", "采购项目数量", "2019", ("采购项目数量",), "项"),
    MetricDef("procurement_amount", "采购总金额 (unit given in the cell, e.g. 251000元)", "2019",
              ("采购总金额",), None),
)
METRIC_BY_CODE = {m.code: m for m in DISCLOSURE_METRICS}

# The columns of each 第二十条 item, in order, per table 二 format (the national templates).
ITEM_METRICS: dict[str, dict[str, tuple[str, ...]]] = {
    "2021": {"20.1": ("issued", "repealed", "in_force"), "20.5": ("decisions",), "20.6": ("decisions",),
             "20.8": ("fee_amount_10k_yuan",)},
    "2019": {"20.1": ("newly_made", "newly_published", "total_published"),
             "20.5": ("previous_year_items", "change", "decisions"),
             "20.6": ("previous_year_items", "change", "decisions"), "20.8": ("previous_year_items", "change"),
             "20.9": ("procurement_items", "procurement_amount")},
}

# Which categories each 第二十条 item holds, and the label texts that name them in real tables.
ITEM_CATEGORIES: dict[str, tuple[str, ...]] = {
    "20.1": ("rules", "normative_documents"),
    "20.5": ("administrative_license", "other_external_management"),
    "20.6": ("administrative_penalty", "administrative_coercion"),
    "20.8": ("administrative_fees",),
    "20.9": ("government_procurement",),
}
CATEGORY_MATCH: dict[str, tuple[str, ...]] = {
    "rules": ("规章",),
    "normative_documents": ("规范性文件", "行政规范性文件"),
    "administrative_license": ("行政许可",),
    "other_external_management": ("其他对外管理服务事项",),
    "administrative_penalty": ("行政处罚",),
    "administrative_coercion": ("行政强制",),
    "administrative_fees": ("行政事业性收费",),
    "government_procurement": ("政府集中采购",),
}

# ---------------------------------------------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------------------------------------------
SECTIONS: tuple[tuple[int, str, tuple[tuple[str, ...], ...]], ...] = (
    # (number, canonical heading, keyword alternatives: a heading matches if it contains every word of one tuple)
    (1, "一、总体情况", (("总体情况",), ("总体",))),
    (2, "二、主动公开政府信息情况", (("主动公开", "情况"),)),
    (3, "三、收到和处理政府信息公开申请情况", (("收到", "申请"), ("处理", "申请情况"), ("依申请公开", "情况"))),
    (4, "四、政府信息公开行政复议、行政诉讼情况", (("行政复议",), ("行政诉讼",))),
    (5, "五、存在的主要问题及改进情况", (("问题",), ("改进",))),
    (6, "六、其他需要报告的事项", (("其他", "事项"), ("需要报告",))),
)

# ---------------------------------------------------------------------------------------------------------------
# Accounting identities, declared as data: sum(lhs) == sum(rhs), per applicant column or per review group.
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    name: str  # family name, the `check` prefix in the quality table
    table: str
    description: str
    lhs: tuple[tuple[str, str], ...]  # cells (row_code, applicant) or (proceeding, outcome)
    rhs: tuple[tuple[str, str], ...]
    instance: str  # the column or row or group the identity is about

    @property
    def check(self) -> str:
        return f"{self.name}:{self.instance}"

    @property
    def cells(self) -> tuple[tuple[str, str], ...]:
        return self.lhs + self.rhs


IDENTITY_FAMILIES: dict[str, str] = {
    "balance": "一 新收 + 二 上年结转 = 三(七) 总计 + 四 结转下年度, per applicant column (printed in the form)",
    "outcome_sum": "三(七) 总计 = sum of the outcome rows (一)…(六), per applicant column",
    "row_sum": "总计 column = sum of the six applicant columns, per row",
    "review_sum": "总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结, per review/litigation group",
    "complete": "every row of table 三, the value row of table 四 and the table sections (二 三 四) were found: "
                "a report cut off or damaged cannot pass gates it was never assessed on",
}
COMPLETENESS_EXPECTED: dict[str, int] = {"review_litigation": 1, "sections": 3}  # applications: its row count
TABLE_SECTIONS = (2, 3, 4)


# Identities across report years, reported with severity `warning` (a reorganisation breaks them legitimately):
# the same body (reports.body_key) in year t and t−1, per applicant column.
CROSS_YEAR_FAMILIES: dict[str, str] = {
    "cross_year": "二 上年结转 of year t = 四 结转下年度 of year t−1 for the same body (body_key), per applicant "
                  "column (warning)",
}
CROSS_YEAR_CELLS: tuple[str, str] = ("carried_over", "carried_forward")  # (row in year t, row in year t−1)


@lru_cache(maxsize=None)
def application_identities(fmt: str) -> tuple[Identity, ...]:
    rows = application_rows(fmt)
    out: list[Identity] = []
    for col in APPLICANT_CODES:
        out.append(Identity("balance", "applications", IDENTITY_FAMILIES["balance"],
                            (("new_received", col), ("carried_over", col)),
                            (("total_processed", col), ("carried_forward", col)), col))
    for col in APPLICANT_CODES:
        out.append(Identity("outcome_sum", "applications", IDENTITY_FAMILIES["outcome_sum"],
                            (("total_processed", col),), tuple((r, col) for r in outcome_rows(fmt)), col))
    for row in rows:
        out.append(Identity("row_sum", "applications", IDENTITY_FAMILIES["row_sum"],
                            ((row, "total"),), tuple((row, c) for c in APPLICANT_PARTS), row))
    return tuple(out)


@lru_cache(maxsize=None)
def review_identities() -> tuple[Identity, ...]:
    return tuple(
        Identity("review_sum", "review_litigation", IDENTITY_FAMILIES["review_sum"],
                 ((p, "total"),), tuple((p, o) for o in OUTCOME_CODES[:-1]), p)
        for p in PROCEEDING_CODES
    )


@lru_cache(maxsize=None)
def row_identities(fmt: str, row: str) -> tuple[Identity, ...]:
    return tuple(i for i in application_identities(fmt) if i.name == "row_sum" and i.instance == row)


# ---------------------------------------------------------------------------------------------------------------
# Reject reasons and warnings vocabulary
# ---------------------------------------------------------------------------------------------------------------
REJECT_REASONS: dict[str, str] = {
    "empty": "the file is empty or holds only whitespace",
    "binary": "the bytes are not text (NUL bytes or a known binary signature)",
    "undecodable": "no supported encoding (UTF-8, UTF-16 with BOM, GB18030, Big5) decodes the bytes",
    "not_a_report": "the text is not a government information-disclosure annual report",
    "template": "a blank national template: the tables' rows are there but no cell holds a number (no report's "
                "figures to read)",
    "multiple_reports": "the text holds the tables of several reports (e.g. a printout comparing two years of "
                        "one body): split it into one file per report",
    "unsupported_format": "a pre-2019 report (统计表 without 申请人情况 columns): no 2019/2021 table to read",
    "unreadable": "the file could not be read (permissions or I/O error)",
    "duplicate": "the same bytes as another input file",
    "needs_ocr": "a PDF without a text layer (a scan): no text to read without OCR",
    "unsupported_container": "a container no converter here reads: .doc/.wps (OLE2) or a ZIP that is not a DOCX",
    "corrupt_container": "a PDF, DOCX or HTML file that cannot be opened (damaged, truncated or encrypted)",
    "too_large": "the file or what it expands to passes a limit (bytes, ZIP members, table grid, pages, text size)",
    "timeout": "reading or converting the file took longer than the per-input time limit",
    "internal_error": "our code failed on this input (the detail names the stage and the exception): a bug to "
                      "report; every other input was read as usual",
}

# ---------------------------------------------------------------------------------------------------------------
# Parquet schemas (contract minimum plus documented extras). `year` is the hive partition column.
# ---------------------------------------------------------------------------------------------------------------
_STR = pa.string()
_I64 = pa.int64()

TABLE_SCHEMAS: dict[str, pa.Schema] = {
    "reports": pa.schema([
        ("report_id", _STR), ("source_file", _STR), ("source_sha256", _STR), ("report_year", _I64),
        ("agency", _STR), ("body_key", _STR), ("published_on", pa.date32()), ("script", _STR), ("format", _STR),
        ("disclosure_format", _STR), ("title", _STR), ("encoding", _STR), ("size_bytes", _I64),
        ("year_source", _STR), ("normalization", _STR), ("parser_version", _STR), ("warnings", pa.list_(_STR)),
        # region, derived from `agency` (parse/region.py); null with `region_note` saying why when it cannot be
        ("province", _STR), ("city", _STR), ("county", _STR), ("division_code", _STR), ("division_level", _STR),
        ("region_note", _STR),
        # how the raw file was read (gip_pipeline/ingest/containers): txt / html / pdf / docx, and the converter
        ("container", _STR), ("converter", _STR),
    ]),
    "sections": pa.schema([
        ("report_id", _STR), ("section_no", _I64), ("heading", _STR), ("text", _STR), ("line", _I64),
    ]),
    "applications": pa.schema([
        ("report_id", _STR), ("row_code", _STR), ("applicant", _STR), ("value", _I64), ("raw", _STR),
        ("derived", pa.bool_()), ("line", _I64),
    ]),
    "review_litigation": pa.schema([
        ("report_id", _STR), ("proceeding", _STR), ("outcome", _STR), ("value", _I64), ("raw", _STR),
        ("derived", pa.bool_()), ("line", _I64),
    ]),
    "active_disclosure": pa.schema([
        ("report_id", _STR), ("item", _STR), ("category", _STR), ("metric", _STR), ("value", pa.float64()),
        ("raw", _STR), ("unit", _STR), ("line", _I64),
    ]),
    "quality": pa.schema([
        ("report_id", _STR), ("check", _STR), ("severity", _STR), ("passed", pa.bool_()), ("detail", _STR),
        ("status", _STR), ("cells", _STR), ("suggestion", _STR),
    ]),
    "rejects": pa.schema([
        ("source_file", _STR), ("source_sha256", _STR), ("size_bytes", _I64), ("reason", _STR),
        ("detail", _STR), ("report_year", _I64),
    ]),
}
FACT_TABLES: tuple[str, ...] = ("reports", "sections", "applications", "review_litigation", "active_disclosure",
                                "quality")

# Intermediate (staging) tables between the Dagster stages: not part of the BI contract, documented all the same.
STAGING_SCHEMAS: dict[str, pa.Schema] = {
    "raw_inventory": pa.schema([
        ("source_file", _STR), ("source_sha256", _STR), ("size_bytes", _I64), ("detected_year", _I64),
        ("year_source", _STR), ("partition", _STR), ("read_error", _STR),
        ("read_reason", _STR),  # the reject reason of a file that was not read: unreadable, too_large, …
        ("duplicate_of", _STR),  # the first file (by path, over every year) with the same bytes
        # the cache key of the next inventory: an unchanged file (size, mtime) is not read again
        ("mtime_ns", _I64), ("parser_version", _STR),
    ]),
    "normalized_reports": pa.schema([
        ("report_id", _STR), ("source_file", _STR), ("source_sha256", _STR), ("size_bytes", _I64),
        ("folder_year", _I64), ("encoding", _STR), ("script", _STR), ("changes", _STR), ("text", _STR),
        ("reject_reason", _STR), ("reject_detail", _STR), ("container", _STR), ("converter", _STR),
        ("parser_version", _STR),  # normalization is part of the parser: text of another version is not reused
    ]),
    "identity_operands": pa.schema([
        ("report_id", _STR), ("family", _STR), ("check", _STR), ("lhs", _I64), ("rhs", _I64), ("missing", _STR),
        ("detail", _STR), ("cells", _STR),
    ]),
    # what the parse stage did with each input of the year: the cache key of incremental parsing
    "parse_ledger": pa.schema([
        ("source_file", _STR), ("source_sha256", _STR), ("report_id", _STR), ("folder_year", _I64),
        ("parser_version", _STR), ("outcome", _STR), ("reused", pa.bool_()),
    ]),
}
ALL_SCHEMAS: dict[str, pa.Schema] = {**TABLE_SCHEMAS, **STAGING_SCHEMAS}

# ---------------------------------------------------------------------------------------------------------------
# Documentation of every published column: the data dictionary (docs/data_dictionary.md) and the Parquet field
# metadata (so BI tools show labels) are both generated from here. (label_zh, meaning, unit)
# ---------------------------------------------------------------------------------------------------------------
TABLE_DOCS: dict[str, tuple[str, str]] = {
    "reports": ("年度报告", "one row per report: where it came from, what it is, how it was read, and its region"),
    "sections": ("报告章节", "one row per report × section (一 … 六), the section text as normalized"),
    "applications": ("表三 收到和处理政府信息公开申请情况",
                     "one row per report × table 三 row × applicant column (总计 included)"),
    "review_litigation": ("表四 行政复议、行政诉讼情况", "one row per report × proceeding × outcome"),
    "active_disclosure": ("表二 主动公开政府信息情况", "one row per report × 第二十条 item × category × metric"),
    "quality": ("质量检查", "one row per report × check: accounting identities, non-negative counts, "
                            "narrative-vs-table comparisons; `error` rows decide curated vs quarantine"),
    "rejects": ("未能读取的输入", "one row per input file that could not be read as a report"),
}

_COMMON_DOCS: dict[str, tuple[str, str, str | None]] = {
    "report_id": ("报告编号", "stable report key: the first 16 hex digits of the raw file's sha256", None),
    "source_file": ("源文件", "path of the raw file relative to the raw folder, `/`-separated", None),
    "source_sha256": ("源文件哈希", "sha256 of the raw bytes (hex)", None),
    "size_bytes": ("文件大小", "size of the raw file", "bytes"),
    "report_year": ("报告年度", "the year the report covers (from its title or statistics period)", "year"),
    "value": ("数值", "the number the report states; null when the cell is blank, unreadable or lost "
                      "(never 0 for 'not reported')", "件"),
    "raw": ("原文", "the cell text exactly as found in the report", None),
    "derived": ("推定", "true when the value's position (or, for one lost cell, the value) was inferred from the "
                        "row's identities; the report's warnings say so", None),
    "line": ("行号", "1-based line of the normalized text the value was read from", None),
    "detail": ("说明", "human-readable detail", None),
}

COLUMN_DOCS: dict[str, dict[str, tuple[str, str, str | None]]] = {
    "reports": {
        "agency": ("机关名称", "the reporting body, as its report names it", None),
        "body_key": ("机关键", "the agency name with width, whitespace and invisible characters normalized: matches "
                             "the same body across years (人民政府办公室 ≠ 人民政府)", None),
        "published_on": ("发布日期", "publication date stated in the report; null when not stated", None),
        "script": ("字形", "`simplified` or `traditional` (traditional text is converted for parsing)", None),
        "format": ("表三格式", "table 三 layout: `2019` (one (六)其他处理 row) or `2021` (three (六) rows)", None),
        "disclosure_format": ("表二格式", "table 二 headers: `2019`, `2021` or `hybrid`", None),
        "title": ("标题", "the report's title line", None),
        "encoding": ("编码", "the text encoding the raw bytes were decoded with", None),
        "year_source": ("年度来源", "where report_year came from: `title`, `statistics_period` or `folder`", None),
        "normalization": ("规范化", "what text normalization changed (JSON)", None),
        "parser_version": ("解析器版本", "version of the parser that produced the rows", None),
        "warnings": ("警告", "what the parser could not read cleanly (list of strings)", None),
        "province": ("省级", "province-level division named by (or containing) the agency; null when ambiguous "
                             "or not named", None),
        "city": ("地级", "prefecture-level division (for 直辖市 the municipality itself)", None),
        "county": ("县级", "county-level division (区/县/县级市)", None),
        "division_code": ("行政区划代码", "GB/T 2260 six-digit code of the most specific division resolved", None),
        "division_level": ("区划级别", "`province`, `city` or `county`: the level division_code is at", None),
        "region_note": ("区划说明", "why the region is null or incomplete (ambiguous name, no division named)", None),
        "container": ("文件格式", "the raw file's container: `txt`, `html`, `pdf` or `docx` (from its bytes, then its "
                                "extension)", None),
        "converter": ("转换工具", "library and version that turned the container into text (e.g. `pdfplumber 0.11.10 "
                                "(pdfminer.six 20260107)`); null for plain text", None),
    },
    "sections": {
        "section_no": ("章节序号", "1 总体情况, 2 主动公开, 3 依申请公开, 4 复议诉讼, 5 问题改进, 6 其他事项", None),
        "heading": ("标题", "the section heading as written (normalized)", None),
        "text": ("正文", "the section text (normalized)", None),
        "line": ("行号", "1-based line of the section heading in the normalized text", None),
    },
    "applications": {
        "row_code": ("行", "table 三 row code (see the codes below)", None),
        "applicant": ("申请人", "applicant column code; `total` is the 总计 column", None),
    },
    "review_litigation": {
        "proceeding": ("程序", "行政复议, or 行政诉讼 split into direct suits and suits after review", None),
        "outcome": ("结果", "结果维持 / 结果纠正 / 其他结果 / 尚未审结 / 总计", None),
    },
    "active_disclosure": {
        "item": ("条款", "第二十条 item (20.1 … 20.9)", None),
        "category": ("信息内容", "the row of table 二", None),
        "metric": ("指标", "the column of table 二", None),
        "value": ("数值", "the number stated (float: 万元 amounts carry decimals; `change` is signed); null when "
                          "blank or unreadable", "see unit"),
        "unit": ("单位", "件 / 项 / 万元 / 元, as the form or the cell gives it", None),
    },
    "quality": {
        "check": ("检查项", "`family:instance`, e.g. `balance:total`, `row_sum:granted`, `narrative:received`", None),
        "severity": ("严重性", "`error` = hard gate (a failure quarantines the report), `warning` = soft", None),
        "passed": ("通过", "true when the check holds", None),
        "detail": ("说明", "the cells and numbers involved", None),
        "status": ("状态", "`passed`, `failed`, or `not_assessable` (a null operand)", None),
        "cells": ("单元格", "the cells of both sides (JSON)", None),
        "suggestion": ("修正建议", "for a failed hard check: the one stated cell (or the one row) whose change "
                                  "would make every hard identity of the report hold — for a human, never applied",
                       None),
    },
    "rejects": {
        "reason": ("原因", "reject reason code (see the codes below)", None),
        "detail": ("说明", "what exactly could not be read", None),
        "report_year": ("报告年度", "the year detected from the text or folder, if any", "year"),
    },
}


def column_doc(table: str, column: str) -> tuple[str, str, str | None] | None:
    """(label_zh, meaning, unit) of a published column, or None when undocumented (a test forbids that)."""
    return COLUMN_DOCS.get(table, {}).get(column) or _COMMON_DOCS.get(column)


def code_labels(table: str, column: str) -> dict[str, str]:
    """Code → Chinese label for the columns that hold codes (the same codes as the contract's codes.json)."""
    metrics = {m.code: m.label for m in DISCLOSURE_METRICS}
    return {
        ("applications", "row_code"): {r.code: f"{r.group} {r.label}" for r in APPLICATION_ROWS},
        ("applications", "applicant"): dict(APPLICANT_COLUMNS),
        ("review_litigation", "proceeding"): dict(PROCEEDINGS),
        ("review_litigation", "outcome"): dict(OUTCOMES),
        ("active_disclosure", "item"): dict(DISCLOSURE_ITEMS),
        ("active_disclosure", "category"): dict(DISCLOSURE_CATEGORIES),
        ("active_disclosure", "metric"): metrics,
        ("quality", "check"): {**IDENTITY_FAMILIES, "non_negative": "counts are >= 0",
                               "narrative": "a number section 一 states vs the table (warning)",
                               **globals().get("CROSS_YEAR_FAMILIES", {})},
        ("rejects", "reason"): REJECT_REASONS,
        ("sections", "section_no"): {str(n): h for n, h, _ in SECTIONS},
    }.get((table, column), {})


def _documented(table: str, sch: pa.Schema) -> pa.Schema:
    import json

    fields = []
    for f in sch:
        doc = column_doc(table, f.name)
        meta = {}
        if doc:
            meta = {"label_zh": doc[0], "description": doc[1], **({"unit": doc[2]} if doc[2] else {})}
        if codes := code_labels(table, f.name):
            meta["codes"] = json.dumps(codes, ensure_ascii=False)
        fields.append(f.with_metadata(meta) if meta else f)
    label, grain = TABLE_DOCS.get(table, ("", ""))
    return pa.schema(fields, metadata={"table": table, "label_zh": label, "grain": grain} if label else None)


# Every published Parquet file carries its columns' labels and meanings as Arrow field metadata.
for _t, _s in list(TABLE_SCHEMAS.items()):
    TABLE_SCHEMAS[_t] = _documented(_t, _s)
ALL_SCHEMAS.update(TABLE_SCHEMAS)
