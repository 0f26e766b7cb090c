"""DuckDB views over the published Parquet: one per table, `quarantine_*` twins, a wide view and metrics views.

The views read the files by a glob RELATIVE to the data folder (`curated/applications/*/*.parquet`), so the
`.duckdb` file holds no absolute path: copy the data folder anywhere, open the file from that folder (or `SET
file_search_path` to it) with any DuckDB client — the CLI, Python, Superset's or Metabase's DuckDB driver — and the
views work. The file is written in the storage format of DuckDB 1.0 so older clients can open it. Every column
carries its label and meaning from `contract.schema` as a DuckDB comment.
"""

from __future__ import annotations

import os
from pathlib import Path

from gip_pipeline.contract import schema

DB_FILE = "gip.duckdb"
STORAGE_VERSION = "v1.0.0"

_DUCK_TYPES = {"string": "VARCHAR", "int64": "BIGINT", "double": "DOUBLE", "bool": "BOOLEAN", "date32[day]": "DATE",
               "list<item: string>": "VARCHAR[]"}

# refusal groups of table 三, from the national form's hierarchy
REFUSAL_GROUPS = {"三(三)": "denied", "三(四)": "unavailable", "三(五)": "unprocessed", "三(六)": "other"}


def _relative(path: Path, base: Path) -> str:
    return Path(os.path.relpath(path, base)).as_posix()


def _empty_select(table: str) -> str:
    cols = [f"CAST(NULL AS {_DUCK_TYPES.get(str(f.type), 'VARCHAR')}) AS \"{f.name}\""
            for f in schema.TABLE_SCHEMAS[table]]
    return f"SELECT {', '.join(cols)}, CAST(NULL AS BIGINT) AS year WHERE false"


def _source(table: str, root: Path, base: Path) -> str:
    """read_parquet over the table's hive folders, or a typed empty relation when no file exists yet."""
    if table == "rejects":
        files, glob = list(root.glob("rejects/*.parquet")), f"{_relative(root, base)}/rejects/*.parquet"
        if not files:
            return _empty_select(table).replace(", CAST(NULL AS BIGINT) AS year", "")
        return f"SELECT * FROM read_parquet('{glob}', union_by_name=true)"
    if not list(root.glob(f"{table}/year=*/*.parquet")):
        return _empty_select(table)
    glob = f"{_relative(root, base)}/{table}/*/*.parquet"
    return f"SELECT * FROM read_parquet('{glob}', hive_partitioning=true, union_by_name=true)"


def _cell(row: str, col: str) -> str:
    return f"{row}__{col}"


def _sum(cells: list[str]) -> str:
    """SQL sum of cells: null when any cell is null (a group with an unknown cell is unknown, never a guess)."""
    return "(" + " + ".join(cells) + ")"


def view_sql(curated: Path, quarantine: Path, base: Path) -> dict[str, str]:
    """name → SELECT of every view, in creation order."""
    views: dict[str, str] = {}
    for table in schema.FACT_TABLES:
        views[table] = _source(table, curated, base)
        views[f"quarantine_{table}"] = _source(table, quarantine, base)
    views["rejects"] = _source("rejects", quarantine, base)

    report_cols = ["year", "report_id", "agency", "province", "city", "county", "division_code", "division_level",
                   "format", "published_on", "source_file"]
    app_cells = [(r.code, c) for r in schema.APPLICATION_ROWS for c in schema.APPLICANT_CODES]
    review_cells = list(schema.REVIEW_CELLS)
    for prefix in ("", "quarantine_"):
        pivot = ",\n  ".join(
            f"max(value) FILTER (WHERE row_code = '{r}' AND applicant = '{c}') AS {_cell(r, c)}" for r, c in app_cells)
        rpivot = ",\n  ".join(
            f"max(value) FILTER (WHERE proceeding = '{p}' AND outcome = '{o}') AS {_cell(p, o)}" for p, o in review_cells)
        views[f"{prefix}applications_wide"] = (
            f"SELECT {', '.join('r.' + c for c in report_cols)}, a.* EXCLUDE (report_id), v.* EXCLUDE (report_id)\n"
            f"FROM {prefix}reports r\n"
            f"LEFT JOIN (SELECT report_id,\n  {pivot}\n FROM {prefix}applications GROUP BY report_id) a USING (report_id)\n"
            f"LEFT JOIN (SELECT report_id,\n  {rpivot}\n FROM {prefix}review_litigation GROUP BY report_id) v "
            f"USING (report_id)")
    views["report_metrics"] = _metrics_sql("applications_wide", report_cols)
    views["region_metrics"] = _region_sql()
    views["refusal_reasons"] = _refusals_sql(report_cols)
    return views


def _group_cells(group: str, col: str = "total") -> list[str]:
    return [_cell(r.code, col) for r in schema.APPLICATION_ROWS if r.group == group]


def _metrics_sql(wide: str, report_cols: list[str]) -> str:
    t = "total"
    other = [_cell(r.code, t) for r in schema.APPLICATION_ROWS if r.group == "三(六)"]
    orgs = [_cell("new_received", c) for c in schema.APPLICANT_PARTS if c != "natural_person"]
    counts = {
        "new_received": _cell("new_received", t), "carried_over": _cell("carried_over", t),
        "total_processed": _cell("total_processed", t), "carried_forward": _cell("carried_forward", t),
        "granted": _cell("granted", t), "partially_granted": _cell("partially_granted", t),
        "denied": _sum(_group_cells("三(三)")), "unavailable": _sum(_group_cells("三(四)")),
        "unprocessed": _sum(_group_cells("三(五)")), "other_handling": _sum(other),
        "from_natural_persons": _cell("new_received", "natural_person"), "from_organisations": _sum(orgs),
        "review_total": "administrative_review__total", "review_corrected": "administrative_review__corrected",
        "review_decided": _sum([f"administrative_review__{o}" for o in ("upheld", "corrected", "other")]),
        "litigation_total": _sum(["litigation_direct__total", "litigation_after_review__total"]),
        "litigation_lost": _sum(["litigation_direct__corrected", "litigation_after_review__corrected"]),
        "litigation_direct_total": "litigation_direct__total", "litigation_direct_lost": "litigation_direct__corrected",
        "litigation_after_review_total": "litigation_after_review__total",
        "litigation_after_review_lost": "litigation_after_review__corrected",
    }
    count_sql = ",\n  ".join(f"{e} AS {k}" for k, e in counts.items())
    return f"""
WITH c AS (SELECT {', '.join(report_cols)},
  {count_sql}
 FROM {wide})
SELECT *,
  (granted + partially_granted) / nullif(total_processed, 0) AS disclosure_rate,
  denied / nullif(total_processed, 0) AS denied_share,
  unavailable / nullif(total_processed, 0) AS unavailable_share,
  unprocessed / nullif(total_processed, 0) AS unprocessed_share,
  other_handling / nullif(total_processed, 0) AS other_handling_share,
  from_natural_persons / nullif(new_received, 0) AS natural_person_share,
  from_organisations / nullif(new_received, 0) AS organisation_share,
  carried_forward / nullif(new_received + carried_over, 0) AS backlog_ratio,
  review_corrected / nullif(review_total, 0) AS review_correction_rate,
  review_corrected / nullif(review_decided, 0) AS review_correction_rate_decided,
  litigation_lost / nullif(litigation_total, 0) AS litigation_loss_rate,
  litigation_direct_lost / nullif(litigation_direct_total, 0) AS litigation_direct_loss_rate,
  litigation_after_review_lost / nullif(litigation_after_review_total, 0) AS litigation_after_review_loss_rate,
  review_total / nullif(new_received, 0) AS review_intensity
FROM c"""


_SUMMED = ("new_received", "carried_over", "total_processed", "carried_forward", "granted", "partially_granted",
           "denied", "unavailable", "unprocessed", "other_handling", "from_natural_persons", "from_organisations",
           "review_total", "review_corrected", "review_decided", "litigation_total", "litigation_lost")


def _region_sql() -> str:
    sums = ",\n  ".join(f"sum({c}) AS {c}" for c in _SUMMED)
    return f"""
WITH s AS (SELECT year, province, city, county,
  CASE WHEN grouping(city) = 1 AND grouping(province) = 1 THEN 'all'
       WHEN grouping(city) = 1 THEN 'province' WHEN grouping(county) = 1 THEN 'city' ELSE 'county' END
    AS region_level,
  count(*) AS reports,
  {sums}
 FROM report_metrics
 GROUP BY GROUPING SETS ((year), (year, province), (year, province, city), (year, province, city, county)))
SELECT *,
  (granted + partially_granted) / nullif(total_processed, 0) AS disclosure_rate,
  unavailable / nullif(total_processed, 0) AS unavailable_share,
  from_natural_persons / nullif(new_received, 0) AS natural_person_share,
  carried_forward / nullif(new_received + carried_over, 0) AS backlog_ratio,
  review_corrected / nullif(review_total, 0) AS review_correction_rate,
  litigation_lost / nullif(litigation_total, 0) AS litigation_loss_rate
FROM s"""


def _refusals_sql(report_cols: list[str]) -> str:
    labels = " ".join(f"WHEN '{r.code}' THEN '{r.group} {r.label}'" for r in schema.APPLICATION_ROWS
                      if r.group in REFUSAL_GROUPS)
    groups = " ".join(f"WHEN '{r.code}' THEN '{REFUSAL_GROUPS[r.group]}'" for r in schema.APPLICATION_ROWS
                      if r.group in REFUSAL_GROUPS)
    codes = ", ".join(f"'{r.code}'" for r in schema.APPLICATION_ROWS if r.group in REFUSAL_GROUPS)
    return f"""
SELECT {', '.join('r.' + c for c in report_cols)},
  CASE a.row_code {groups} END AS refusal_group, a.row_code, CASE a.row_code {labels} END AS label,
  a.value AS requests,
  a.value / nullif(sum(a.value) OVER (PARTITION BY a.report_id), 0) AS share_of_refusals,
  a.value / nullif(t.value, 0) AS share_of_processed
FROM applications a
JOIN reports r USING (report_id)
LEFT JOIN applications t ON t.report_id = a.report_id AND t.row_code = 'total_processed' AND t.applicant = 'total'
WHERE a.applicant = 'total' AND a.row_code IN ({codes})"""


VIEW_DOCS = {
    "applications_wide": "one row per report: report columns, then one column per table 三 cell "
                         "(<row_code>__<applicant>) and per table 四 cell (<proceeding>__<outcome>)",
    "quarantine_applications_wide": "applications_wide over the quarantined reports",
    "report_metrics": "one row per curated report: the counts and rates analysts compute (disclosure rate, refusal "
                      "shares, applicant mix, backlog, review correction and litigation loss rates) with its region",
    "region_metrics": "report_metrics summed by year × province / city / county (region_level says which), rates "
                      "recomputed from the sums",
    "refusal_reasons": "one row per curated report × refusal row (不予公开 / 无法提供 / 不予处理 / 其他处理): count "
                       "and its share of refusals and of all processed requests",
    "rejects": "inputs that could not be read as a report",
}
METRIC_DOCS = {
    "disclosure_rate": "(予以公开 + 部分公开) / 三(七) 总计",
    "denied_share": "三(三) 不予公开 / 三(七) 总计",
    "unavailable_share": "三(四) 无法提供 / 三(七) 总计",
    "unprocessed_share": "三(五) 不予处理 / 三(七) 总计",
    "natural_person_share": "一 新收 自然人 / 一 新收 总计",
    "organisation_share": "一 新收 (商业企业 … 其他) / 一 新收 总计",
    "backlog_ratio": "四 结转下年度 / (一 新收 + 二 上年结转)",
    "review_correction_rate": "行政复议 结果纠正 / 行政复议 总计",
    "review_correction_rate_decided": "行政复议 结果纠正 / (维持 + 纠正 + 其他), excluding 尚未审结",
    "litigation_loss_rate": "行政诉讼 结果纠正 / 行政诉讼 总计 (direct suits and suits after review)",
    "review_intensity": "行政复议 总计 / 一 新收",
}


def build(data_dir: Path, curated: Path | None = None, quarantine: Path | None = None,
          db_path: Path | None = None):
    """(Re)create the views in `<data_dir>/gip.duckdb` and return an open connection (relative paths resolve
    against `data_dir`)."""
    import duckdb

    data_dir = Path(data_dir).resolve()
    curated = Path(curated or data_dir / "curated").resolve()
    quarantine = Path(quarantine or data_dir / "quarantine").resolve()
    db_path = Path(db_path or data_dir / DB_FILE)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db_path), config={"storage_compatibility_version": STORAGE_VERSION})
    con.execute(f"SET file_search_path = '{data_dir.as_posix()}'")
    for name, sql in view_sql(curated, quarantine, data_dir).items():
        con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")
    _comment(con)
    con.execute("CHECKPOINT")
    return con


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _comment(con) -> None:
    """Labels and meanings from contract.schema as DuckDB comments (shown by DBeaver, Metabase, `duckdb_columns()`)."""
    views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    present = set(con.execute("SELECT table_name, column_name FROM duckdb_columns()").fetchall())
    for table in list(schema.FACT_TABLES) + ["rejects"]:
        label, grain = schema.TABLE_DOCS[table]
        for name in (table, f"quarantine_{table}"):
            if name not in views:
                continue
            con.execute(f"COMMENT ON VIEW {name} IS {_quote(f'{label}: {grain}')}")
            for f in schema.TABLE_SCHEMAS[table]:
                doc = schema.column_doc(table, f.name)
                if doc and (name, f.name) in present:  # files written by an older version may lack it
                    con.execute(f"COMMENT ON COLUMN {name}.\"{f.name}\" IS {_quote(f'{doc[0]}: {doc[1]}')}")
    for name, text in VIEW_DOCS.items():
        if name in views:
            con.execute(f"COMMENT ON VIEW {name} IS {_quote(text)}")
    for col, text in METRIC_DOCS.items():
        con.execute(f"COMMENT ON COLUMN report_metrics.{col} IS {_quote(text)}")
