"""Compare parsed values with the seeds' expected JSON, cell by cell (shared by the pure and end-to-end tests)."""

from __future__ import annotations

from gip_pipeline.contract import schema


def application_mismatches(expected: dict, cells: dict[tuple[str, str], int | None]) -> list[str]:
    """Every (row, applicant) of the expectation whose value differs. Rows the JSON marks as having a lost cell
    may hold the listed value or null (the JSON says both readings are right)."""
    lost = set(expected.get("lost_cells", {}))
    out = []
    for row, values in expected["applications"].items():
        for col, want in zip(schema.APPLICANT_CODES, values):
            got = cells.get((row, col), "absent")
            if got == want or (row in lost and got is None):
                continue
            out.append(f"{row}.{col}: expected {want}, got {got}")
    return out


def review_mismatches(expected: dict, cells: dict[tuple[str, str], int | None]) -> list[str]:
    out = []
    for proc, values in expected["review_litigation"].items():
        for outcome, want in zip(schema.OUTCOME_CODES, values):
            got = cells.get((proc, outcome), "absent")
            if got != want:
                out.append(f"{proc}.{outcome}: expected {want}, got {got}")
    return out


def disclosure_mismatches(expected: dict, cells: dict[tuple[str, str, str], float | None]) -> list[str]:
    out = []
    for d in expected["active_disclosure"]:
        k = (d["item"], d["category"], d["metric"])
        got = cells.get(k, "absent")
        if got != d["value"]:
            out.append(f"{'/'.join(k)}: expected {d['value']}, got {got}")
    return out
