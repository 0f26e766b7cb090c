"""Great Expectations Data Docs for the gate's suites and a year's results, on a file context.

The gate validates on an ephemeral context (nothing written, fast). Data Docs need stores, so this module opens a
file context under `<reports>/gx/` (GX 1.x `get_context(mode="file", project_root_dir=…)`), registers the same
suites the gate generates from `contract.schema`, re-validates the year's published tables through
`ValidationDefinition`s (which store their results) and builds the static site
`gx/uncommitted/data_docs/local_site/index.html`. It runs in a child process (`python -m gip_pipeline.serve.gx_docs`)
so the file context never becomes the active GX context of the process that runs the gate.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


def _frames(curated: str, quarantine: str, staging: str, year: str) -> dict:
    import pandas as pd
    import pyarrow as pa

    from gip_pipeline.storage import parquet

    def both(table):
        parts = [parquet.read_partition(root, table, year) for root in (curated, quarantine)]
        return pa.concat_tables(parts, promote_options="permissive")

    ops = parquet.read_partition(parquet.join(staging, "parsed"), "identity_operands", year).to_pylist()
    operands = pd.DataFrame(ops, columns=["report_id", "family", "check", "lhs", "rhs", "missing", "detail", "cells"])
    operands["lhs"] = operands["lhs"].astype("Int64")
    operands["rhs"] = operands["rhs"].astype("Int64")
    out = {"identity_operands": operands}
    for table in ("applications", "review_litigation"):
        out[f"counts_{table}"] = both(table).select(["report_id", "value"]).to_pandas(types_mapper=pd.ArrowDtype)
    for table in ("reports", "sections", "applications", "review_litigation", "active_disclosure"):
        data = both(table)
        if "warnings" in data.column_names:  # list column: GX cannot hash it; its position is what the suite checks
            data = data.set_column(data.column_names.index("warnings"), "warnings",
                                   pa.array([None] * data.num_rows, pa.string()))
        out[f"schema_{table}"] = data.drop_columns([c for c in data.column_names if c == "year"]).to_pandas(
            types_mapper=pd.ArrowDtype)
    return out


def build(root: Path, curated: str, quarantine: str, staging: str, year: str) -> dict:
    """Register suites, validate the year's data with stored results, build the site; return its index and counts."""
    import great_expectations as gx

    from gip_pipeline.gate import suites

    ctx = gx.get_context(mode="file", project_root_dir=str(root))
    suites._context = lambda: ctx  # this child process: the gate's suite builders register on the file context
    try:
        from great_expectations.data_context.types.base import ProgressBarsConfig

        ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    except Exception:  # cosmetic
        pass
    builders = {"identity_operands": suites.identity_suite, "counts_applications": suites.non_negative_suite}
    for table in ("reports", "sections", "applications", "review_litigation", "active_disclosure"):
        builders[f"schema_{table}"] = lambda t=table: suites.schema_suite(t)
    frames = _frames(curated, quarantine, staging, year)
    frames["counts_applications"] = pd_concat(frames.pop("counts_applications"), frames.pop("counts_review_litigation"))
    source = ctx.data_sources.add_or_update_pandas("gip_published")
    results = {}
    for name, builder in builders.items():
        suite = builder()
        try:
            ctx.suites.delete(suite.name)  # a rerun replaces the suite: the schema may have changed
        except Exception:  # not there yet
            pass
        suite = ctx.suites.add(suite)
        try:
            asset = source.get_asset(name)
        except LookupError:
            asset = source.add_dataframe_asset(name)
        try:
            batch_def = asset.get_batch_definition(name)
        except KeyError:
            batch_def = asset.add_batch_definition_whole_dataframe(name)
        vd_name = f"{name} year={year}"
        try:
            ctx.validation_definitions.delete(vd_name)
        except Exception:
            pass
        vd = ctx.validation_definitions.add(gx.ValidationDefinition(name=vd_name, data=batch_def, suite=suite))
        res = vd.run(batch_parameters={"dataframe": frames[name]}, result_format="SUMMARY")
        results[vd_name] = bool(res.success)
    ctx.build_data_docs()
    index = Path(root) / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    return {"index": str(index), "results": results}


def pd_concat(*frames):
    import pandas as pd

    return pd.concat([f.astype({"value": "Int64"}) for f in frames], ignore_index=True)


def build_in_subprocess(root: Path, curated: str, quarantine: str, staging: str, year: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "gip_pipeline.serve.gx_docs", str(root), curated, quarantine, staging,
                          year], capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"GX Data Docs failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    print(json.dumps(build(Path(sys.argv[1]), *sys.argv[2:6])))
