"""The one error type an input may raise: it is rejected with a reason code of `schema.REJECT_REASONS`.

`stage(name)` wraps the reading of one input: whatever unexpected exception the block raises becomes that input's
reject (`internal_error` naming the stage, the exception and its message; a `MemoryError` is `too_large`), so a bug
of ours costs one input, never the run. `KeyboardInterrupt` and `SystemExit` pass through.
"""

from __future__ import annotations

from contextlib import contextmanager


class RejectedInput(ValueError):
    """`reason` is a reject reason code (the `rejects` table), `detail` says what exactly could not be read."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class DecodeError(RejectedInput):
    """The bytes cannot be read as text (empty, binary, undecodable), or a container cannot be converted."""


_DETAIL_CHARS = 300


def describe(stage: str, exc: BaseException) -> str:
    """`<stage>: <Type>: <message>`, the message cut to a few hundred characters."""
    msg = " ".join(str(exc).split())
    if len(msg) > _DETAIL_CHARS:
        msg = msg[:_DETAIL_CHARS] + "…"
    return f"{stage}: {type(exc).__name__}: {msg}" if msg else f"{stage}: {type(exc).__name__}"


def as_reject(stage_name: str, exc: Exception) -> RejectedInput:
    """The reject an exception raised while reading one input stands for."""
    if isinstance(exc, RejectedInput):
        return exc
    if isinstance(exc, MemoryError):
        return DecodeError("too_large", f"{stage_name}: out of memory (MemoryError)")
    return DecodeError("internal_error", describe(stage_name, exc))


@contextmanager
def stage(name: str, keep: tuple[type[BaseException], ...] = ()):
    """Unexpected exceptions inside the block → `DecodeError` (see the module doc); those of the `keep` types
    (e.g. `OSError` around a read: `unreadable`) propagate as they are."""
    try:
        yield
    except RejectedInput:
        raise
    except Exception as exc:  # noqa: BLE001 - the point: one input's bug is that input's reject
        if isinstance(exc, keep):
            raise
        raise as_reject(name, exc) from exc
