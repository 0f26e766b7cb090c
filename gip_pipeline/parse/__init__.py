"""Parse: canonical text → rows of the contract's tables.

`report` finds the sections, the metadata and the three tables; `cells` and `labels` read cells and match labels
against the national template; `facts` turns a parsed report into rows and the gate's identity operands;
`region` and `bodies` derive the region and the body key from the agency's name; `stage` runs the parser over a
year's normalized rows, `incremental` reuses the staged rows of unchanged reports.

Pure: no Dagster, no Great Expectations, no I/O but the staged tables `incremental` reads and writes back through
`storage`. A number is never guessed: what cannot be read is null with a warning.
"""
