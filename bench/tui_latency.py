"""TUI latency while a simulation runs: key press to the effect on screen, and the refresh rate.

Runs the real app in a pseudo-terminal (as a user's terminal would), starts the baseline on the Run
dashboard, then presses keys whose effect is visible text (`-`/`+` change the speed shown in the
status line, space pauses and resumes) and times each press until that text arrives on the
terminal. The dashboard refresh rate is how often the simulated day shown changes per second.

    .venv/bin/python bench/tui_latency.py [--presses 40] [--scenario configs/aifc_pilot_2022.yaml]

Targets: p95 latency under 100 ms; at least 4 dashboard refreshes a second.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pty
import re
import select
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DAY = re.compile(rb"day (\d+)/(\d+)")
ANSI = re.compile(
    rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[\]P_^][^\x1b]*\x1b\\|\x1b[\]][^\x07]*\x07|\x1b."
)


class Terminal:
    """The app on the child side of a pty, 160x48; we read what it draws and type keys."""

    def __init__(self, argv: list[str]) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # child
            os.environ.update({"TERM": "xterm-256color", "COLUMNS": "160", "LINES": "48"})
            os.execv(argv[0], argv)
        self.pid, self.fd = pid, fd
        import fcntl
        import struct
        import termios

        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
        self.text = b""

    def read(self, timeout: float) -> bytes:
        """Whatever the app drew within `timeout` seconds (ANSI codes removed)."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return b""
        try:
            chunk = os.read(self.fd, 1 << 16)
        except OSError:
            return b""
        plain = ANSI.sub(b"", chunk)
        self.text = (self.text + plain)[-20000:]
        return plain

    def wait_for(self, pattern: bytes, timeout: float) -> float | None:
        """Seconds until `pattern` is drawn, or None."""
        started = time.perf_counter()
        seen = b""
        while (elapsed := time.perf_counter() - started) < timeout:
            seen = (seen + self.read(0.005))[-4000:]
            if pattern in seen:
                return elapsed
        return None

    def press(self, key: bytes) -> None:
        os.write(self.fd, key)

    def close(self) -> None:
        self.press(b"\x11")  # ctrl+q
        time.sleep(0.5)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, 9)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--presses", type=int, default=40)
    parser.add_argument("--scenario", default=str(ROOT / "configs" / "aifc_pilot_2022.yaml"))
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tui-bench-"))
    long_run = folder / "long.yaml"
    long_run.write_text(f"extends: {Path(args.scenario).resolve()}\nrun:\n  days: 3650\n")
    python = str(ROOT / ".venv" / "bin" / "python")
    os.chdir(folder)
    term = Terminal([python, "-m", "tui", str(long_run)])
    try:
        if term.wait_for(b"Scenarios", 30) is None:
            print("the app did not start", file=sys.stderr)
            return 1
        time.sleep(1.0)
        term.press(b"3")
        term.wait_for(b"press space", 10)
        term.press(b" ")
        if term.wait_for(b"running", 10) is None:
            print("the run did not start", file=sys.stderr)
            return 1
        time.sleep(2.0)  # let it settle into the steady state

        days: list[tuple[float, int]] = []
        started = time.perf_counter()
        while time.perf_counter() - started < 5.0:
            term.read(0.01)
            found = DAY.findall(term.text[-3000:])
            if found and (not days or int(found[-1][0]) != days[-1][1]):
                days.append((time.perf_counter(), int(found[-1][0])))
        refresh_rate = (len(days) - 1) / (days[-1][0] - days[0][0]) if len(days) > 1 else 0.0
        simulated_rate = (days[-1][1] - days[0][1]) / (days[-1][0] - days[0][0]) if days else 0

        latencies: list[float] = []
        pressed: list[bytes] = []
        slower, faster = "· 20 days/s ·".encode(), "· max ·".encode()
        keys = [(b"-", slower), (b"+", faster)] * (args.presses // 2)
        for i in range(8, len(keys), 10):  # a pause (then resume) in place of a slower/faster pair
            keys[i : i + 2] = [(b" ", "❚❚ paused".encode())]
        for key, effect in keys:
            term.read(0.05)
            term.press(key)
            elapsed = term.wait_for(effect, 2.0)
            if elapsed is None:
                print(f"no effect seen for {key!r}", file=sys.stderr)
                elapsed = 2.0
            latencies.append(elapsed)
            pressed.append(key)
            if key == b" ":
                term.press(b" ")
                term.wait_for(b"running", 2.0)
            time.sleep(0.1)
    finally:
        term.close()

    p50, p95 = statistics.median(latencies), percentile(latencies, 0.95)
    print(f"key press -> effect on screen, {len(latencies)} presses while the baseline runs:")
    print(
        f"  p50 {p50 * 1000:.0f} ms   p95 {p95 * 1000:.0f} ms   max {max(latencies) * 1000:.0f} ms"
    )
    slowest = sorted(zip(latencies, pressed, strict=True), reverse=True)[:3]
    print("  slowest:", ", ".join(f"{k.decode()!r} {x * 1000:.0f} ms" for x, k in slowest))
    print(f"dashboard refreshes: {refresh_rate:.1f} per second ({simulated_rate:.0f} days/s)")
    ok = p95 < 0.100 and refresh_rate >= 4
    print("targets (p95 < 100 ms, >= 4 refreshes/s):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
