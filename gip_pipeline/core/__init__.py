"""Pure parsing core: plain functions over bytes and text. Imports neither Dagster nor Great Expectations."""
