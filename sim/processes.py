"""Stopping cleanly: Ctrl-C and SIGTERM become a stop request; workers die with their parent.

`stop_on_signals()` turns the first SIGINT or SIGTERM into a request that experiments ask between
simulated days (their `should_stop`), so a run stops within a moment, says so and still writes what
it has; a second signal stops at once. `init_worker` runs in every worker process: it ignores
Ctrl-C (the parent decides), asks Linux to kill it when its parent dies (PR_SET_PDEATHSIG, SIGKILL
included) and, everywhere, watches the parent and exits when it is gone. A caller that must stay
responsive beside its workers (the TUI: keys answered while a comparison runs on every core) asks
for them at a lower CPU priority; the CLI's run at its own.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from pathlib import Path
from types import FrameType

_PR_SET_PDEATHSIG = 1


class StopRequest:
    """Callable as `should_stop`: True once a stop was asked for (by a signal or `request`)."""

    def __init__(self) -> None:
        self.reason: str | None = None

    def request(self, reason: str) -> None:
        self.reason = self.reason or reason

    def __call__(self) -> bool:
        return self.reason is not None


@contextlib.contextmanager
def stop_on_signals(on_signal: Callable[[str], None] | None = None) -> Iterator[StopRequest]:
    """A `StopRequest` set by the first SIGINT or SIGTERM (reported to `on_signal`); a second
    signal raises KeyboardInterrupt. Outside the main thread, signals are left alone."""
    stop = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(number: int, frame: FrameType | None) -> None:
        name = signal.Signals(number).name
        if stop():
            raise KeyboardInterrupt(name)
        stop.request(name)
        if on_signal is not None:
            on_signal(name)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


def gone(pid: int) -> bool:
    """Whether process `pid` has ended. A process killed but not yet waited for by its own parent
    is a zombie: still there for `os.kill(pid, 0)`, ended all the same (a test that kills the CLI
    waits for its output first, and a worker that watched for the pid to vanish ran on)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, owned by someone else (cannot happen for our parent)
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False  # no /proc here: alive as far as can be told
    return state in {"Z", "X"}


def _watch_parent(parent: int) -> None:
    while not gone(parent):
        time.sleep(0.5)
    os._exit(1)


def init_worker(parent: int, niceness: int = 0) -> None:
    """Run first in each worker process: end when `parent` ends, leave Ctrl-C to the parent;
    run `niceness` steps below the priority it was started with (`os.nice`; 0 keeps it)."""
    if niceness:
        with contextlib.suppress(OSError, AttributeError):  # no such thing here: run as started
            os.nice(niceness)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, copied by fork
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if gone(parent):  # the parent died before the request took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def end_pool(pool: Executor, terminate: bool = True) -> None:
    """Shut a process pool down without waiting; with `terminate`, end its workers at once (they
    hold nothing to keep) rather than let them finish what they run."""
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    if terminate:
        for worker in workers:
            worker.terminate()
