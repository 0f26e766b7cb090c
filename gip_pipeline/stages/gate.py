"""Stage 4a — the gate: every quality row of one year (hard identities, non-negative counts, cross-year, narrative
vs table, suggested repairs), as the `quality` table that `publish` routes by.

Imports Great Expectations (through `quality.gx_gate`): import this module only in the step that gates.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from ..core.narrative import narrative_rows
from ..quality.gx_gate import cross_year_gate, gate
from ..quality.repairs import add_suggestions
from . import storage
from .crossyear import cross_year_for


def quality_for_year(staged_root: str | Path, year: str, tables: dict[str, pa.Table],
                     operands: pa.Table) -> pa.Table:
    """The `quality` rows of every report of `year` (`tables`: the year's staged parsed tables)."""
    rows = gate(operands, tables["applications"], tables["review_litigation"])
    rows += cross_year_gate(cross_year_for(staged_root, year, tables["reports"], tables["applications"]))
    # soft checks and repair hints (issue 5): narrative vs table warnings; which cell/row would fix a failure
    rows += narrative_rows(tables["sections"], tables["applications"], tables["review_litigation"])
    rows = add_suggestions(rows, tables["reports"], tables["applications"], tables["review_litigation"])
    return storage.to_table(rows, "quality")
