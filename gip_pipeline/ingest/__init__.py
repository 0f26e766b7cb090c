"""Ingest: raw files → canonical text, each input read once.

`inventory` lists every file under the raw folder (iteratively, folder links followed once, names that are not
UTF-8 escaped) with its sha256, size and report year; `containers/` turns HTML, PDF and DOCX into text with
TAB-grid tables, bounded in memory and time; `normalize` decodes and normalizes (encodings, OpenCC t2s, NFKC);
`normalized` is the stage over a year; `changes` is the raw-folder scan behind the sensor.

Belongs here: whatever touches raw bytes. Not here: reading the tables out of the text (`parse`), Dagster, Great
Expectations. One input's failure is that input's reject, never an exception out of this package.
"""
