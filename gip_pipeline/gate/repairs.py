"""Suggested repairs for reports that break hard identities: which stated cell (or row) is the odd one out.

A report that fails its identities usually holds one typo. When changing exactly one stated cell would make every
hard identity of the report hold, the failed `quality` rows say which cell and which value; when no single cell
does but replacing one whole row (or applicant column) with what the other rows imply does — seed 003's 总计 row —
they say that row is inconsistent with all the others. A suggestion is for a human: it is never applied to the
data. Solved by propagation over the identities declared in `contract.schema` (each identity with one unknown left
fixes it), then checked against every identity and non-negativity.
"""

from __future__ import annotations

from collections import defaultdict

import pyarrow as pa
import pyarrow.compute as pc

from gip_pipeline.contract import schema

Key = tuple[str, str, str]  # (table, code_a, code_b)


def _identities(fmt: str) -> list[tuple[tuple[Key, ...], tuple[Key, ...]]]:
    out = []
    for ident in schema.application_identities(fmt) + schema.review_identities():
        out.append((tuple((ident.table, a, b) for a, b in ident.lhs),
                    tuple((ident.table, a, b) for a, b in ident.rhs)))
    return out


def _holds(values: dict[Key, int | None], idents) -> bool:
    for lhs, rhs in idents:
        vals = [values.get(c) for c in lhs + rhs]
        if None in vals:
            continue  # not assessable is a warning, not a hard failure
        if sum(vals[:len(lhs)]) != sum(vals[len(lhs):]):
            return False
    return all(v is None or v >= 0 for v in values.values())


def _solve(values: dict[Key, int | None], unknowns: set[Key], idents) -> dict[Key, int] | None:
    """Values for `unknowns` forced by the identities with the other cells as stated, if all hard ones then hold."""
    solved: dict[Key, int] = {}
    progress = True
    while progress and len(solved) < len(unknowns):
        progress = False
        for lhs, rhs in idents:
            open_cells = [c for c in lhs + rhs if c in unknowns and c not in solved]
            if len(open_cells) != 1:
                continue
            target = open_cells[0]
            known = {c: solved.get(c, values.get(c)) for c in lhs + rhs if c != target}
            if None in known.values():
                continue
            rest = sum(known.get(c, 0) for c in lhs if c != target) - sum(known.get(c, 0) for c in rhs if c != target)
            solved[target] = -rest if target in lhs else rest
            progress = True
    if len(solved) < len(unknowns):
        return None
    return solved if _holds({**values, **solved}, idents) else None


def _cell(key: Key) -> str:
    return f"{key[1]}.{key[2]}"


def _label(key: Key) -> str:
    if key[0] == "applications":
        row = schema.ROW_BY_CODE[key[1]]
        return f"{row.group} {row.label} / {dict(schema.APPLICANT_COLUMNS)[key[2]]}"
    return f"{dict(schema.PROCEEDINGS)[key[1]]} / {dict(schema.OUTCOMES)[key[2]]}"


def suggest(fmt: str, values: dict[Key, int | None], failed_cells: set[Key]) -> str | None:
    """The repair text for one report, or None when no single cell or single row/column explains its failures."""
    idents = _identities(fmt)
    if _holds(values, idents):
        return None
    singles = []
    for key in sorted(failed_cells):
        fix = _solve(values, {key}, idents)
        if fix is not None and fix[key] != values.get(key):
            singles.append((key, fix[key]))
    if len(singles) == 1:
        key, new = singles[0]
        return (f"change {key[0]} {_cell(key)} ({_label(key)}) from {values.get(key)} to {new}: "
                f"then every hard identity of the report holds")
    if singles:
        listed = "; ".join(f"{_cell(k)} {values.get(k)} → {v}" for k, v in singles)
        return (f"any one of these single-cell changes makes every hard identity hold (the report alone cannot "
                f"tell which): {listed}")
    rows = schema.application_rows(fmt)
    groups = [("row", r, [("applications", r, c) for c in schema.APPLICANT_CODES]) for r in rows] + \
             [("column", c, [("applications", r, c) for r in rows]) for c in schema.APPLICANT_CODES]
    fixes = []
    for kind, code, keys in groups:
        if not failed_cells & set(keys):
            continue
        fix = _solve(values, set(keys), idents)
        if fix is not None and any(fix[k] != values.get(k) for k in keys):
            fixes.append((kind, code, keys, fix))
    if len(fixes) != 1:
        return None
    kind, code, keys, fix = fixes[0]
    label = f"{schema.ROW_BY_CODE[code].group} {schema.ROW_BY_CODE[code].label}" if kind == "row" \
        else dict(schema.APPLICANT_COLUMNS)[code]
    stated = ", ".join("null" if values.get(k) is None else str(values.get(k)) for k in keys)
    implied = ", ".join(str(fix[k]) for k in keys)
    changed = ", ".join(f"{_cell(k)} {values.get(k)} → {fix[k]}" for k in keys if fix[k] != values.get(k))
    return (f"{kind} {code} ({label}) is inconsistent with all the others: stated [{stated}], the other "
            f"{'rows' if kind == 'row' else 'columns'} imply [{implied}] ({changed}); with those values every hard "
            f"identity of the report holds")


def add_suggestions(quality: pa.Table, reports: pa.Table, applications: pa.Table, review: pa.Table) -> pa.Table:
    """`quality` with `suggestion` set on the failed hard rows of every report a one-cell or one-row repair explains
    (only the failing reports' cells are read: ~2 % of a year)."""
    hard_failed = pc.and_(pc.equal(quality["severity"], "error"), pc.invert(pc.fill_null(quality["passed"], False)))
    rids = pc.unique(quality["report_id"].filter(hard_failed))
    if not len(rids):
        return quality
    failing: dict[str, set[Key]] = {rid: set() for rid in rids.to_pylist()}
    values: dict[str, dict[Key, int | None]] = defaultdict(dict)
    for table, data, a, b in (("applications", applications, "row_code", "applicant"),
                              ("review_litigation", review, "proceeding", "outcome")):
        data = data.filter(pc.is_in(data["report_id"], value_set=rids))
        for rid, x, y, v in zip(*(data[c].to_pylist() for c in ("report_id", a, b, "value"))):
            values[rid][(table, x, y)] = v
    formats = reports.filter(pc.is_in(reports["report_id"], value_set=rids))
    formats = dict(zip(formats["report_id"].to_pylist(), formats["format"].to_pylist()))
    texts = []
    for rid in failing:
        fmt = formats.get(rid) or "2021"
        idents = _identities(fmt)
        vals = values[rid]
        for lhs, rhs in idents:  # the cells of every identity the stated values break
            ops = [vals.get(c) for c in lhs + rhs]
            if None not in ops and sum(ops[:len(lhs)]) != sum(ops[len(lhs):]):
                failing[rid].update(lhs + rhs)
        failing[rid].update(k for k, v in vals.items() if v is not None and v < 0)
        texts.append(suggest(fmt, vals, failing[rid]))
    # each failed hard row gets its report's text; every other row keeps none
    at = pc.if_else(hard_failed, pc.index_in(quality["report_id"], value_set=rids), pa.scalar(None, pa.int32()))
    i = quality.schema.get_field_index("suggestion")
    return quality.set_column(i, quality.schema.field(i), pa.array(texts, pa.string()).take(at))
