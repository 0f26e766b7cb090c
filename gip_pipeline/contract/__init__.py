"""The contract: every table, column, code, Chinese label and accounting identity, declared once (`schema`), and
the one error an input may raise, with its reject reasons (`errors`).

Everything that describes the data is generated from here: Arrow schemas, the data dictionary, the GX suites, the
Dagster table schemas. Belongs here: declarations, and the pure arithmetic of the identities. Not here: reading
files, parsing text, any I/O, Dagster, Great Expectations.
"""
