"""For the people downstream: DuckDB views, the data dictionary and the quality report, all generated from
`contract.schema`. DuckDB and GX are imported inside the functions that need them, never at import time."""
