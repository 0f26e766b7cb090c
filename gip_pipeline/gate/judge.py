"""Stage 4a — the gate: every quality row of a chunk of a year's reports (hard identities, non-negative counts,
cross-year, narrative vs table, suggested repairs), as the `quality` table that `publish` routes by.

Imports Great Expectations (through `gate.suites`): import this module only in the step that gates.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from gip_pipeline.gate.narrative import narrative_rows
from gip_pipeline.gate.suites import cross_year_gate, gate
from gip_pipeline.gate.repairs import add_suggestions
from gip_pipeline.gate.cross_year import PreviousYear, cross_year_for
from gip_pipeline.gate.verdicts import merge


def quality_for_chunk(year: str, tables: dict[str, pa.Table], operands: pa.Table,
                      previous: PreviousYear | None, cross_of: dict[str, pa.Table] | None = None) -> pa.Table:
    """The `quality` rows of the reports of `tables` (a chunk of the year's staged tables, `storage.chunks`), and
    the cross-year rows of the reports of `cross_of` (default: the same tables).

    GX judges the chunk's identities and cross-year operands in one validation, its counts in another (`gate`)."""
    apps, review = tables["applications"], tables["review_litigation"]
    cross_of = cross_of or tables
    cross = cross_year_for(year, previous, cross_of["reports"], cross_of["applications"])
    quality = gate(operands, apps, review, cross_year=cross)
    # soft checks and repair hints (issue 5): narrative vs table warnings; which cell/row would fix a failure
    quality = pa.concat_tables([quality, narrative_rows(tables["sections"], apps, review)])
    return add_suggestions(quality, tables["reports"], apps, review)


def quality_reusing(year: str, tables: dict[str, pa.Table], operands: pa.Table, previous: PreviousYear | None,
                    earlier: pa.Table, kept: list[str]) -> pa.Table:
    """`quality_for_chunk` where the reports `kept` keep their published rows `earlier` (cross-year rows left
    out, `verdicts.Published.rows`): only the other reports are gated, and the cross-year rows of all are judged
    again. Same rows, in the same order, as a full gate of the chunk."""
    kept_ids = pa.array(kept, pa.string())
    new = {n: t.filter(pc.invert(pc.is_in(t["report_id"], value_set=kept_ids))) for n, t in tables.items()}
    if new["reports"].num_rows:  # the new reports' gate judges the cross-year rows of all: GX's two calls
        fresh = quality_for_chunk(year, new, operands.filter(
            pc.invert(pc.is_in(operands["report_id"], value_set=kept_ids))), previous, cross_of=tables)
    else:
        fresh = cross_year_gate(cross_year_for(year, previous, tables["reports"], tables["applications"]))
    return merge([fresh, earlier], tables["reports"]["report_id"].combine_chunks())
