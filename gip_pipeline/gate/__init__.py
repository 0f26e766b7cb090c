"""Gate: rows → quality → curated | quarantine.

`suites` generates the Great Expectations suites from the contract's identities and schemas and judges a chunk;
`judge` computes every quality row of a chunk (hard identities, non-negative counts, completeness, narrative,
cross-year); `cross_year`, `narrative`, `repairs` (suggested, never applied) and `verdicts` (kept verdicts of
unchanged reports) feed it; `publish` routes reports and writes the year aside for one atomic commit; `stage`
is the gate and publish of a year as the Dagster asset calls it (in a pool worker per year).

Great Expectations is imported where it runs (lazily); never Dagster.
"""
