"""Stage 4a — the gate: every quality row of a chunk of a year's reports (hard identities, non-negative counts,
cross-year, narrative vs table, suggested repairs), as the `quality` table that `publish` routes by.

Imports Great Expectations (through `quality.gx_gate`): import this module only in the step that gates.
"""

from __future__ import annotations

import pyarrow as pa

from ..core.narrative import narrative_rows
from ..quality.gx_gate import gate
from ..quality.repairs import add_suggestions
from .crossyear import PreviousYear, cross_year_for


def quality_for_chunk(year: str, tables: dict[str, pa.Table], operands: pa.Table,
                      previous: PreviousYear | None) -> pa.Table:
    """The `quality` rows of the reports of `tables` (a chunk of the year's staged tables, `stages.chunks`).

    GX judges the chunk's identities and cross-year operands in one validation, its counts in another (`gate`)."""
    apps, review = tables["applications"], tables["review_litigation"]
    cross = cross_year_for(year, previous, tables["reports"], apps)
    quality = gate(operands, apps, review, cross_year=cross)
    # soft checks and repair hints (issue 5): narrative vs table warnings; which cell/row would fix a failure
    quality = pa.concat_tables([quality, narrative_rows(tables["sections"], apps, review)])
    return add_suggestions(quality, tables["reports"], apps, review)
