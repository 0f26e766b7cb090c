"""Great Expectations gates, generated from the identities and schemas declared in `core.schema`."""
