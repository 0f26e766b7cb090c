"""One input's failure stays that input's reject: exceptions become `DecodeError`s, converters run in a child.

* `stage(name)` — a `with` block whose unexpected exception (not a `RejectedInput`, not `KeyboardInterrupt` /
  `SystemExit`) becomes `DecodeError('internal_error', '<stage>: <Type>: <message>')`; a `MemoryError` becomes
  `too_large`.
* `run(fn, *args)` — `fn(*args)` in a forked child process that dies with its parent (`PR_SET_PDEATHSIG`), may
  add at most `CONVERT_MEMORY_BYTES` of address space (`RLIMIT_AS`, on top of what it inherits) and is killed
  after `CONVERT_TIMEOUT_S` of wall-clock time (`timeout`). The result (or the child's reject) comes back
  as JSON through a pipe (no pickle: `fn` returns plain JSON values); the child is always reaped, whatever happens to the parent meanwhile (an interrupt
  kills and reaps it before propagating). Where `os.fork` does not exist, `fn` runs in-process, without the two
  limits.

* `run_in_process(fn, *args)` — the cheaper guard for small HTML pages: `fn(*args)` here, under a wall-clock
  `SIGALRM` timer (main thread only; `can_alarm()` says whether it is usable), no memory limit. A fork costs
  ~3–12 ms (page tables of a 150–400 MB worker), which is small against a PDF (0.3–0.7 s) or a DOCX but a third
  to a half of an HTML conversion (~10–30 ms); an HTML page up to `limits.HTML_IN_PROCESS_BYTES` is bounded in
  memory by its size and the grid limits, so the timer is all it needs.
"""

from __future__ import annotations

import gc
import os
import json
import select
import signal
import time
from functools import lru_cache

try:
    import resource
except ImportError:  # not a POSIX system: no memory limit (and no fork either)
    resource = None

from gip_pipeline.contract.errors import DecodeError, RejectedInput, as_reject, describe, stage  # noqa: F401
from gip_pipeline.ingest.containers import limits

@lru_cache(maxsize=1)
def _prctl():
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def _in_child(parent: int, memory_bytes: int | None) -> None:
    """Set up a freshly forked child: die with the parent, hold the memory limit, leave inherited objects alone."""
    gc.freeze()  # the parent's objects: never traversed by the child's collector (no copy-on-write storm)
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    except (ValueError, OSError):
        pass
    prctl = _prctl()
    if prctl is not None:
        prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: killed when the parent goes
    if os.getppid() != parent:  # the parent went before prctl took effect
        os._exit(1)
    if memory_bytes and resource is not None:
        try:
            with open("/proc/self/statm", "rb") as f:
                inherited = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            inherited = 0
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = inherited + memory_bytes
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _vm_bytes(field: str) -> int:
    """`VmPeak` / `VmSize` of this process from /proc (0 where there is none)."""
    try:
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(field.encode() + b":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _child_result(fn, args, stage_name: str, memory_bytes: int | None) -> tuple:
    limit = f" > limit {memory_bytes >> 20} MiB" if memory_bytes else ""
    start = _vm_bytes("VmSize")
    try:
        return ("ok", fn(*args))
    except MemoryError:
        return ("reject", "too_large", f"{stage_name}: memory{limit} (MemoryError)")
    except Exception as exc:  # noqa: BLE001
        if isinstance(exc, RejectedInput):
            out = ("reject", exc.reason, exc.detail)
        else:
            out = ("reject", "internal_error", describe(stage_name, exc))
        # C libraries report a failed allocation in their own words (lxml: XMLSyntaxError 'unknown error'):
        # a failure after the conversion used most of its memory budget is the budget's, not the file's
        if memory_bytes and out[1] in ("corrupt_container", "internal_error") and start and \
                _vm_bytes("VmPeak") - start > 0.8 * memory_bytes:
            return ("reject", "too_large", f"{stage_name}: memory{limit} (the converter failed at the limit: "
                                           f"{out[2][:200]})")
        return out


def run(fn, *args, stage_name: str = "convert", timeout_s: float | None = None, memory_bytes: int | None = None):
    """`fn(*args)` under the time and memory limits (defaults: `limits.CONVERT_TIMEOUT_S`,
    `limits.CONVERT_MEMORY_BYTES`); raises `DecodeError` for anything but a result. `fn` returns a JSON value
    (str, number, list, dict, None): that is what comes back."""
    timeout_s = limits.CONVERT_TIMEOUT_S if timeout_s is None else timeout_s
    memory_bytes = limits.CONVERT_MEMORY_BYTES if memory_bytes is None else memory_bytes
    if not hasattr(os, "fork"):
        with stage(stage_name):
            return fn(*args)
    _prctl()  # loaded before the fork, not in every child
    parent = os.getpid()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 0
        try:
            os.close(r)
            _in_child(parent, memory_bytes)
            payload = json.dumps(_child_result(fn, args, stage_name, memory_bytes), ensure_ascii=False,
                                 separators=(",", ":")).encode("utf-8", "surrogatepass")
            view = memoryview(payload)
            while view:
                view = view[os.write(w, view):]
        except BaseException:  # noqa: BLE001 - whatever happens, the child exits here, never in caller code
            code = 3
        finally:
            os._exit(code)
    os.close(w)
    chunks: list[bytes] = []
    done = False
    started = time.monotonic()
    try:
        deadline = started + timeout_s
        poller = select.poll()  # not select(): a descriptor above 1023 is fine
        poller.register(r, select.POLLIN | select.POLLHUP | select.POLLERR)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if not poller.poll(max(1, int(left * 1000 + 0.999))):
                continue
            chunk = os.read(r, 1 << 20)
            if not chunk:
                done = True
                break
            chunks.append(chunk)
    finally:
        os.close(r)
        if not done:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _, status = os.waitpid(pid, 0)  # always reaped: no zombie
    if not done:
        raise DecodeError("timeout", f"{stage_name}: still running after {timeout_s:g} s (limit), ended")
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        raise DecodeError("internal_error", f"{stage_name}: converter process ended by signal {name}")
    try:
        result = json.loads(b"".join(chunks).decode("utf-8", "surrogatepass"))
    except Exception as exc:  # noqa: BLE001 - an empty or cut result: the child failed before it could say why
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
        raise DecodeError("internal_error", f"{stage_name}: converter process exited with status {code} "
                                            f"and no result ({type(exc).__name__})") from exc
    if result[0] == "ok":
        return result[1]
    raise DecodeError(result[1], result[2])


class _Overrun(BaseException):
    """Raised by the timer inside the guarded call: a BaseException, so no `except Exception` in a converter
    swallows it."""


def can_alarm() -> bool:
    """The in-process timer is usable: the main thread, and no other timer or SIGALRM handler in place."""
    import threading

    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        return False
    return signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0) and signal.getsignal(signal.SIGALRM) in (
        signal.SIG_DFL, None)


def run_in_process(fn, *args, stage_name: str = "convert", timeout_s: float | None = None):
    """`fn(*args)` in this process under the wall-clock timer (see the module doc); raises `DecodeError`."""
    timeout_s = limits.CONVERT_TIMEOUT_S if timeout_s is None else timeout_s

    def overrun(signum, frame):
        raise _Overrun()

    previous = signal.signal(signal.SIGALRM, overrun)
    try:
        try:
            signal.setitimer(signal.ITIMER_REAL, max(timeout_s, 1e-6))  # one shot: the handler runs at most once
            with stage(stage_name):
                return fn(*args)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Overrun:  # raised in the call, or in the inner finally if the timer fired just as the call returned
        raise DecodeError("timeout", f"{stage_name}: still running after {timeout_s:g} s (limit), ended") from None
    finally:
        signal.signal(signal.SIGALRM, previous)
