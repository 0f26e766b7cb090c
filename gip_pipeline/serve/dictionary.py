"""The data dictionary, generated from `contract.schema`: every published table, column, code and Chinese label.

`python -m gip_pipeline.serve.dictionary` rewrites `docs/data_dictionary.md`; a test fails when the file and the
schema disagree, so the document cannot drift from the data. The same text is in the Parquet field metadata.
"""

from __future__ import annotations

import sys
from pathlib import Path

from gip_pipeline.contract import schema

DOC = Path(__file__).resolve().parents[2] / "docs" / "data_dictionary.md"
TABLES = schema.FACT_TABLES + ("rejects",)


def _esc(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def entries() -> list[tuple[str, str, str, str, str, str | None]]:
    """(table, column, arrow type, label_zh, meaning, unit) for every published column, `year` included."""
    out = []
    for table in TABLES:
        for f in schema.TABLE_SCHEMAS[table]:
            label, meaning, unit = schema.column_doc(table, f.name) or ("", "", None)
            out.append((table, f.name, str(f.type), label, meaning, unit))
        if table != "rejects":
            out.append((table, "year", "int64 (hive partition)", "年度", "the report year, from the folder "
                        "`year=<YYYY>`", "year"))
    return out


def render() -> str:
    from gip_pipeline.serve.views import METRIC_DOCS, VIEW_DOCS

    lines = ["# Data dictionary", "",
             "Generated from `gip_pipeline/contract/schema.py` by `python -m gip_pipeline.serve.dictionary` — do not edit by "
             "hand. The same labels and meanings are stored as Parquet field metadata (`label_zh`, `description`, "
             "`unit`, `codes`) in every published file and as column comments in `data/gip.duckdb`.", "",
             "Curated files: `data/curated/<table>/year=<YYYY>/part-0.parquet`; quarantined reports: the same tables "
             "under `data/quarantine/`; rejects: `data/quarantine/rejects/rejects-<year>.parquet`.", ""]
    by_table: dict[str, list] = {}
    for e in entries():
        by_table.setdefault(e[0], []).append(e)
    for table in TABLES:
        label, grain = schema.TABLE_DOCS[table]
        lines += [f"## `{table}` — {label}", "", f"Grain: {grain}.", "",
                  "| column | type | 标签 | meaning | unit |", "|---|---|---|---|---|"]
        for _, col, typ, lab, meaning, unit in by_table[table]:
            lines.append(f"| `{col}` | {typ} | {_esc(lab)} | {_esc(meaning)} | {_esc(unit)} |")
        lines.append("")
        for f in schema.TABLE_SCHEMAS[table]:
            codes = schema.code_labels(table, f.name)
            if codes:
                lines += [f"Codes of `{table}.{f.name}`:", "", "| code | 标签 / meaning |", "|---|---|"]
                lines += [f"| `{c}` | {_esc(t)} |" for c, t in codes.items()]
                lines.append("")
    lines += ["## DuckDB views (`gip sql`)", "", "Every table above is a view of the same name over `curated/`, "
              "and `quarantine_<table>` over `quarantine/`.", "", "| view | what |", "|---|---|"]
    lines += [f"| `{v}` | {_esc(t)} |" for v, t in VIEW_DOCS.items()]
    lines += ["", "Rates in `report_metrics` (null when the denominator is 0 or a cell is null):", "",
              "| column | formula |", "|---|---|"]
    lines += [f"| `{c}` | {_esc(t)} |" for c, t in METRIC_DOCS.items()]
    return "\n".join(lines) + "\n"


def main() -> int:
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
