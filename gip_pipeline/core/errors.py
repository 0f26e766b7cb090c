"""The one error type an input may raise: it is rejected with a reason code of `schema.REJECT_REASONS`."""

from __future__ import annotations


class RejectedInput(ValueError):
    """`reason` is a reject reason code (the `rejects` table), `detail` says what exactly could not be read."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
