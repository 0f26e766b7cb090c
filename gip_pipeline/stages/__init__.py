"""The four pipeline stages as plain functions over folders (no Dagster): raw → normalized → parsed → published.

Each stage reads the previous stage's staging Parquet for one report year and writes its own, so any stage can be
re-run alone and every intermediate can be inspected with any Parquet reader.
"""
