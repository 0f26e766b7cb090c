"""The quality report people read: one self-contained HTML page per run and year (no CDN, no external file).

Built from the published tables only: counts by status, the identities that failed most, every quarantined report
with its table 三 / 四 as a grid — the stated numbers, the sums they should equal, the offending cells marked, the
suggested repair — the rejects, the narrative warnings, and three inline-SVG charts of the year's curated data
(outcome mix, refusal reasons, top bodies by requests). A few lines of inline script count the charts drawn (bars with a size) into
`data-charts-rendered` (of `data-charts`), so a headless browser test can tell a page that rendered from one that did not.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections import Counter, defaultdict

import pyarrow as pa
import pyarrow.compute as pc

from gip_pipeline.contract import schema

TABLES = ("reports", "applications", "review_litigation", "quality")
OUTCOME_GROUPS = (("三(一)", "予以公开"), ("三(二)", "部分公开"), ("三(三)", "不予公开"), ("三(四)", "无法提供"),
                  ("三(五)", "不予处理"), ("三(六)", "其他处理"))
PALETTE = ("#2b8a3e", "#74b816", "#e03131", "#f08c00", "#845ef7", "#868e96")

_CSS = """
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;color:#212529;max-width:1200px}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #dee2e6;padding-bottom:4px;margin-top:32px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{border:1px solid #ced4da;padding:3px 6px}
th{background:#f1f3f5;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
td.bad{background:#ff8787;font-weight:bold}td.involved{background:#fff4e6}
tr.failing th{color:#c92a2a}tr.failing th::after{content:" ← inconsistent row";font-weight:normal}td.sum{background:#e7f5ff}td.sumbad{background:#ffe066;font-weight:bold}
.kpi{display:inline-block;margin:0 24px 8px 0}.kpi b{font-size:24px;display:block}
.report{border:1px solid #ced4da;border-radius:6px;padding:8px 16px;margin:16px 0}
.suggestion{background:#fff9db;border-left:4px solid #fab005;padding:6px 10px}
.muted{color:#868e96}svg text{font-size:12px;fill:#212529}
"""

_SCRIPT = """
(function(){var n=0;document.querySelectorAll('svg.chart').forEach(function(s){
  if(s.querySelectorAll('rect.bar').length>0&&s.getBBox().width>0){n++;}});
document.body.setAttribute('data-charts',String(document.querySelectorAll('svg.chart').length));
document.body.setAttribute('data-charts-rendered',String(n));})();
"""


def _e(x) -> str:
    return html.escape("" if x is None else str(x))


def _cells(table: pa.Table, a: str, b: str, ids: pa.Array) -> dict[str, dict[tuple[str, str], int | None]]:
    """report → (a, b) → value, for the reports `ids`."""
    out: dict[str, dict] = defaultdict(dict)
    rows = table.filter(pc.is_in(table["report_id"], value_set=ids))
    for rid, x, y, v in zip(*(rows[c].to_pylist() for c in ("report_id", a, b, "value"))):
        out[rid][(x, y)] = v
    return out


def _bar_chart(title: str, items: list[tuple[str, float]], chart_id: str, color: str = "#1c7ed6") -> str:
    """Horizontal bars, one per item, labelled with the value."""
    items = [(k, v) for k, v in items if v]
    if not items:
        return f'<h3>{_e(title)}</h3><p class="muted" id="{chart_id}">no data for this chart</p>'
    top = max(v for _, v in items)
    h, label_w, bar_w = 22, 330, 480
    rows = []
    for i, (label, v) in enumerate(items):
        w = max(1.0, bar_w * v / top)
        y = i * h
        rows.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{_e(label)}</text>'
                    f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{h - 6}" fill="{color}">'
                    f'<title>{_e(label)}: {v:g}</title></rect>'
                    f'<text x="{label_w + w + 4:.1f}" y="{y + 15}">{v:g}</text>')
    return (f'<h3>{_e(title)}</h3><svg class="chart" id="{chart_id}" role="img" aria-label="{_e(title)}" '
            f'width="{label_w + bar_w + 60}" height="{len(items) * h + 4}" xmlns="http://www.w3.org/2000/svg">'
            + "".join(rows) + "</svg>")


def _stacked_chart(title: str, parts: list[tuple[str, float]], chart_id: str) -> str:
    total = sum(v for _, v in parts if v)
    if not total:
        return f'<h3>{_e(title)}</h3><p class="muted" id="{chart_id}">no data for this chart</p>'
    x, width, segs, legend = 0.0, 800, [], []
    for i, (label, v) in enumerate(parts):
        color = PALETTE[i % len(PALETTE)]
        if v:
            w = width * v / total
            segs.append(f'<rect class="bar" x="{x:.1f}" y="0" width="{w:.1f}" height="28" fill="{color}">'
                        f'<title>{_e(label)}: {v:g} ({v / total:.0%})</title></rect>')
            x += w
        legend.append(f'<rect x="{i * 130}" y="40" width="12" height="12" fill="{color}"/>'
                      f'<text x="{i * 130 + 16}" y="51">{_e(label)} {v:g} ({(v or 0) / total:.0%})</text>')
    return (f'<h3>{_e(title)}</h3><svg class="chart" id="{chart_id}" role="img" aria-label="{_e(title)}" '
            f'width="{width}" height="60" xmlns="http://www.w3.org/2000/svg">' + "".join(segs + legend) + "</svg>")


def _grid(fmt: str, cells: dict[tuple[str, str], int | None], bad: set[tuple[str, str]],
          involved: set[tuple[str, str]], failing_row: str | None) -> str:
    """Table 三 as printed, the offending cells marked, with the sums the identities compare it with."""
    rows = schema.application_rows(fmt)

    def v(r, c):
        return cells.get((r, c))

    def total(vals):
        return None if None in vals else sum(vals)

    head = "".join(f"<th>{_e(lab)}</th>" for _, lab in schema.APPLICANT_COLUMNS)
    out = [f'<table class="grid"><tr><th>row</th>{head}<th>Σ six columns</th></tr>']
    for r in rows:
        row = schema.ROW_BY_CODE[r]
        tds = "".join(f'<td class="n{" bad" if (r, c) in bad else " involved" if (r, c) in involved else ""}" '
                      f'data-cell="{r}.{c}">{_e(v(r, c))}</td>' for c in schema.APPLICANT_CODES)
        parts = total([v(r, c) for c in schema.APPLICANT_PARTS])
        ok = parts is None or v(r, "total") is None or parts == v(r, "total")
        mark = ' class="failing"' if r == failing_row else ""
        out.append(f'<tr data-row="{r}"{mark}><th>{_e(row.group)} {_e(row.label)}</th>{tds}'
                   f'<td class="n {"sum" if ok else "sumbad"}">{_e(parts)}</td></tr>')
    outcome = [total([v(r, c) for r in schema.outcome_rows(fmt)]) for c in schema.APPLICANT_CODES]
    balance = [None if None in (v("new_received", c), v("carried_over", c), v("carried_forward", c))
               else v("new_received", c) + v("carried_over", c) - v("carried_forward", c)
               for c in schema.APPLICANT_CODES]
    for label, sums in (("should equal 三(七) 总计: Σ outcome rows (一)…(六)", outcome),
                        ("should equal 三(七) 总计: 一 + 二 − 四 (balance)", balance)):
        tds = "".join(
            f'<td class="n {"sum" if s is None or v("total_processed", c) is None or s == v("total_processed", c) else "sumbad"}">'
            f"{_e(s)}</td>" for c, s in zip(schema.APPLICANT_CODES, sums))
        out.append(f'<tr class="derived"><th>{_e(label)}</th>{tds}<td></td></tr>')
    return "\n".join(out) + "</table>"


def _review_grid(cells: dict[tuple[str, str], int | None], bad: set[tuple[str, str]]) -> str:
    head = "".join(f"<th>{_e(lab)}</th>" for _, lab in schema.OUTCOMES)
    out = [f"<table><tr><th>proceeding</th>{head}<th>Σ outcomes</th></tr>"]
    for p, plabel in schema.PROCEEDINGS:
        vals = [cells.get((p, o)) for o in schema.OUTCOME_CODES[:-1]]
        s = None if None in vals else sum(vals)
        ok = s is None or cells.get((p, "total")) is None or s == cells.get((p, "total"))
        tds = "".join(f'<td class="n{" bad" if (p, o) in bad else ""}">{_e(cells.get((p, o)))}</td>'
                      for o in schema.OUTCOME_CODES)
        out.append(f'<tr><th>{_e(plabel)}</th>{tds}<td class="n {"sum" if ok else "sumbad"}">{_e(s)}</td></tr>')
    return "\n".join(out) + "</table>"


_CHANGED = re.compile(r"(\w+)\.(\w+) (?:-?\d+|null) → -?\d+")
_CHANGE_ONE = re.compile(r"^change \w+ (\w+)\.(\w+) ")
_ROW = re.compile(r"^row (\w+) \(")


def _suggested_cells(suggestion: str | None) -> tuple[set[tuple[str, str]], str | None]:
    """The cells a suggested repair would change, and the row it calls inconsistent (from its text)."""
    if not suggestion:
        return set(), None
    cells = {(m.group(1), m.group(2)) for m in _CHANGED.finditer(suggestion)}
    if m := _CHANGE_ONE.match(suggestion):
        cells.add((m.group(1), m.group(2)))
    row = _ROW.match(suggestion)
    return cells, row.group(1) if row else None


def _bad_cells(failed: list[dict]) -> set[tuple[str, str]]:
    """Every cell (both sides) of every failed hard check."""
    out = set()
    for q in failed:
        try:
            sides = json.loads(q["cells"] or "{}")
        except (TypeError, ValueError):
            sides = {}
        if isinstance(sides, dict):
            for side in ("lhs", "rhs"):
                for cell in sides.get(side, []):
                    a, _, b = cell.partition(".")
                    out.add((a, b))
        elif q["check"].startswith("non_negative"):
            for cell in (q["cells"] or "").split(", "):
                a, _, b = cell.partition(".")
                out.add((a, b))
    return out


def count_status(quality: pa.Table) -> Counter:
    """Quality rows by (severity, status)."""
    return Counter({(r["severity"], r["status"]): r["count_all"] for r in quality.group_by(
        ["severity", "status"], use_threads=False).aggregate([([], "count_all")]).to_pylist()})


def render(year: str, curated: dict[str, pa.Table], quarantine: dict[str, pa.Table], rejects: pa.Table,
           run_id: str | None = None, status_counts: Counter | None = None) -> str:
    """The page for one year (tables as published: curated and quarantine, each keyed by table name).

    The page shows only failed quality rows and, of the curated applications, the 总计 column: a caller may pass
    just those (`report_assets.read_for_page`, which streams a big year) with the (severity, status) counts of
    every quality row as `status_counts`."""
    # Arrow first, Python only for the rows the page shows (a year holds ~50 quality rows per report)
    agency_of: dict[str, str | None] = {}
    for t in (curated["reports"], quarantine["reports"]):
        agency_of.update(zip(t["report_id"].to_pylist(), t["agency"].to_pylist()))
    n_reports = curated["reports"].num_rows + quarantine["reports"].num_rows
    quality = pa.concat_tables([curated["quality"], quarantine["quality"]])
    held = quarantine["reports"].select(["report_id", "agency", "source_file", "format"]).to_pylist()
    rej = rejects.to_pylist()
    status = status_counts if status_counts is not None else count_status(quality)
    is_failed = pc.fill_null(pc.equal(quality["status"], "failed"), False)
    failed_rows = quality.select(["check", "passed", "severity", "report_id", "detail"]).filter(is_failed)
    failed_checks = Counter(c for c, passed in zip(failed_rows["check"].to_pylist(), failed_rows["passed"].to_pylist())
                            if not passed)
    failed_families = Counter(c.split(":")[0] for c in failed_rows["check"].to_pylist())
    generated = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    parts = [f"<!DOCTYPE html><html lang=\"zh\"><head><meta charset=\"utf-8\"><title>gip quality report {_e(year)}"
             f"</title><style>{_CSS}</style></head><body data-year=\"{_e(year)}\">",
             f"<h1>Quality report — report year {_e(year)}</h1>",
             f'<p class="muted">run {_e(run_id or "-")} · generated {generated} · built from the published tables '
             f"(curated + quarantine + rejects)</p>",
             '<div id="counts">'
             + "".join(f'<span class="kpi"><b>{n}</b>{_e(label)}</span>' for label, n in (
                 ("inputs", n_reports + len(rej)), ("curated reports", curated["reports"].num_rows),
                 ("quarantined reports", len(held)), ("rejected inputs", len(rej))))
             + "</div>",
             "<h2>Checks by status</h2><table id=\"status\"><tr><th>severity</th><th>status</th><th>rows</th></tr>"
             + "".join(f"<tr><td>{_e(s)}</td><td>{_e(st)}</td><td class=\"n\">{n}</td></tr>"
                       for (s, st), n in sorted(status.items()))
             + "</table>",
             "<h2>Identities that failed most</h2>"]
    if failed_checks:
        parts.append("<table id=\"top-failed\"><tr><th>check</th><th>reports</th></tr>"
                     + "".join(f"<tr><td>{_e(c)}</td><td class=\"n\">{n}</td></tr>"
                               for c, n in failed_checks.most_common(15)) + "</table>"
                     + "<p>by family: " + ", ".join(f"{_e(f)} {n}" for f, n in failed_families.most_common()) + "</p>")
    else:
        parts.append("<p>no check failed this year.</p>")

    parts.append(f"<h2>Quarantined reports ({len(held)})</h2>")
    if not held:
        parts.append("<p>none: every report passed its hard gates.</p>")
    held_ids = pa.array([r["report_id"] for r in held], pa.string())
    q_apps = _cells(quarantine["applications"], "row_code", "applicant", held_ids)
    q_rev = _cells(quarantine["review_litigation"], "proceeding", "outcome", held_ids)
    hard_failed: dict[str, list[dict]] = defaultdict(list)  # in the order of `quality`
    for q in quality.filter(pc.and_(pc.and_(pc.equal(quality["severity"], "error"),
                                            pc.invert(pc.fill_null(quality["passed"], False))),
                                    pc.is_in(quality["report_id"], value_set=held_ids))).to_pylist():
        hard_failed[q["report_id"]].append(q)
    for rep in held:
        rid = rep["report_id"]
        failed = hard_failed.get(rid, [])
        involved = _bad_cells(failed)
        suggestion = next((q.get("suggestion") for q in failed if q.get("suggestion")), None)
        bad, failing_row = _suggested_cells(suggestion)
        parts.append(f'<div class="report" id="report-{_e(rid)}"><h3>{_e(rep["agency"])} '
                     f'<span class="muted">{_e(rep["source_file"])} · {_e(rid)} · form {_e(rep["format"])}</span></h3>')
        parts.append("<table class=\"failed\"><tr><th>failed check</th><th>detail</th></tr>" + "".join(
            f"<tr><td>{_e(q['check'])}</td><td>{_e(q['detail'])}</td></tr>" for q in failed) + "</table>")
        if suggestion:
            parts.append(f'<p class="suggestion"><b>suggested repair</b> (not applied): {_e(suggestion)}</p>')
        parts.append("<h4>表三 as stated</h4><p class=\"muted\">red: the cells the suggested repair changes; "
                     "orange: the other cells of the failed identities; yellow: a sum that differs from the cell "
                     "it should equal</p>"
                     + _grid(rep["format"] or "2021", q_apps.get(rid, {}), bad, involved, failing_row))
        if any(q["check"].startswith("review_sum") for q in failed):
            parts.append("<h4>表四 as stated</h4>" + _review_grid(q_rev.get(rid, {}), bad | involved))
        parts.append("</div>")

    warn = failed_rows.filter(pc.fill_null(pc.equal(failed_rows["severity"], "warning"), False)).to_pylist()
    parts.append(f"<h2>Warnings ({len(warn)})</h2>")
    if warn:
        parts.append("<table id=\"warnings\"><tr><th>report</th><th>check</th><th>detail</th></tr>" + "".join(
            f"<tr><td>{_e(agency_of.get(q['report_id']))}</td><td>{_e(q['check'])}</td>"
            f"<td>{_e(q['detail'])}</td></tr>" for q in warn) + "</table>")
    parts.append(f"<h2>Rejected inputs ({len(rej)})</h2>")
    if rej:
        parts.append("<table id=\"rejects\"><tr><th>file</th><th>reason</th><th>detail</th></tr>" + "".join(
            f"<tr><td>{_e(r['source_file'])}</td><td>{_e(r['reason'])}</td><td>{_e(r['detail'])}</td></tr>"
            for r in rej) + "</table>")

    apps = curated["applications"]
    stated = apps.filter(pc.and_(pc.equal(apps["applicant"], "total"), pc.not_equal(apps["value"], 0)))
    row_totals = Counter()
    for r in stated.group_by("row_code", use_threads=False).aggregate([("value", "sum")]).to_pylist():
        if r["row_code"] in schema.ROW_BY_CODE:
            row_totals[r["row_code"]] += r["value_sum"]
    group_totals = Counter()
    for row, v in row_totals.items():
        group_totals[schema.ROW_BY_CODE[row].group] += v
    outcome_mix = [(label, group_totals[g]) for g, label in OUTCOME_GROUPS]
    refusal = sorted(((f"{r.group} {r.label}"[:28], row_totals[r.code]) for r in schema.APPLICATION_ROWS
                      if r.group in ("三(三)", "三(四)", "三(五)", "三(六)")), key=lambda x: -x[1])
    new = apps.filter(pc.and_(pc.equal(apps["row_code"], "new_received"), pc.equal(apps["applicant"], "total")))
    new = dict(zip(new["report_id"].to_pylist(), new["value"].to_pylist()))
    bodies = sorted(((agency_of[rid] or rid, new.get(rid) or 0) for rid in pc.unique(apps["report_id"]).to_pylist()
                     if rid in agency_of), key=lambda x: -x[1])[:10]
    parts += [f"<h2>The year's curated data ({curated['reports'].num_rows} reports)</h2>",
              _stacked_chart("Outcome mix (三 办理结果, 总计 column)", outcome_mix, "chart-outcomes"),
              _bar_chart("Refusal reasons (不予公开 / 无法提供 / 不予处理 / 其他处理)", refusal, "chart-refusals",
                         "#e8590c"),
              _bar_chart("Top bodies by new requests (一 本年新收, 总计)", bodies, "chart-bodies")]
    parts.append(f"<script>{_SCRIPT}</script></body></html>")
    return "\n".join(parts)
