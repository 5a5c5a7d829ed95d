"""The app in a real terminal (a pseudo-terminal): what happens when the terminal goes away."""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
import time
from pathlib import Path

# Like `make run`: the terminal's session leader catches the hangup and waits for the app, so the
# app itself never gets the signal.
LEADER = (
    "import signal, subprocess, sys\n"
    "signal.signal(signal.SIGHUP, lambda *_: None)\n"
    "sys.exit(subprocess.call(sys.argv[1:]))\n"
)


def _drawn(fd: int, text: bytes, timeout: float) -> bool:
    seen, end = b"", time.monotonic() + timeout
    while time.monotonic() < end:
        if select.select([fd], [], [], 0.2)[0]:
            seen += os.read(fd, 1 << 16)
            if text in seen:
                return True
    return False


def _exit_code(pid: int, timeout: float) -> int | None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.1)
    return None


def test_the_app_quits_when_its_terminal_goes_away_though_no_hangup_reaches_it(
    tiny: Path,
) -> None:
    """A closed terminal window or a dropped SSH connection under `make run` left the app running
    at most of a core for good: its input thread spun on the closed terminal."""
    app = [sys.executable, "-m", "sim", "tui", str(tiny), "--no-run-ahead"]
    argv = [sys.executable, "-c", LEADER, *app]
    pid, fd = pty.fork()
    if pid == 0:  # the child: the terminal's session leader
        os.environ.update({"TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"})
        os.execv(argv[0], argv)
    code = None
    try:
        assert _drawn(fd, b"Scenarios", 60), "the app never drew its screen"
        os.close(fd)  # the terminal goes away
        code = _exit_code(pid, 20)
        assert code == 0, "the app went on running without its terminal"
    finally:
        if code is None:
            os.killpg(pid, signal.SIGKILL)  # the leader and the app share its process group
            os.waitpid(pid, 0)
