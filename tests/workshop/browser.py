"""Helpers for the browser tests: a private network (namespace + veth pair), the server, Chromium.

The server runs inside a network namespace of its own, joined to this machine only by a veth pair
with addresses 10.213.X.1 (server side) and 10.213.X.2 (browser side), so the browser reaches it
through a non-loopback address and nothing else; Chromium resolves no host names at all.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def chromium_args(allowed: str) -> list[str]:
    """Chromium's switches: no sandbox (root in CI); no name or address resolves but `allowed`."""
    return [f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {allowed}", *ARGS]


ARGS = [
    "--no-sandbox",
    "--no-proxy-server",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
    "--metrics-recording-only",
    "--use-gl=swiftshader",
]


def missing() -> str | None:
    """Why the browser test cannot run here, or None."""
    if CHROMIUM is None:
        return "no Chromium (apt-get install chromium)"
    if shutil.which("ip") is None:
        return "no `ip` command (iproute2) for the private network"
    if os.geteuid() != 0:
        return "making a network namespace needs root"
    try:
        import playwright.sync_api  # noqa: F401
        import pyte  # noqa: F401
    except ImportError as error:
        return f"{error.name} is not installed"
    probe = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"`ip netns` does not work here: {probe.stderr.strip()}"
    return None


def _ip(*words: str, netns: str | None = None) -> None:
    command = ["ip", *(["netns", "exec", netns, "ip"] if netns else []), *words]
    subprocess.run(command, check=True, capture_output=True, text=True)


@dataclass
class PrivateNetwork:
    """A namespace `name` for the server, joined by a veth pair: server_ip <-> browser_ip."""

    name: str
    server_ip: str
    browser_ip: str


@contextlib.contextmanager
def private_network() -> Iterator[PrivateNetwork]:
    tag = os.getpid() % 60000
    name, outer, inner = f"sbx{tag}", f"sbxh{tag}", f"sbxn{tag}"
    subnet = f"10.213.{tag % 250}.{(tag // 250) % 64 * 4}"
    base = subnet.rsplit(".", 1)
    server_ip, browser_ip = f"{base[0]}.{int(base[1]) + 1}", f"{base[0]}.{int(base[1]) + 2}"
    subprocess.run(["ip", "netns", "del", name], capture_output=True)
    _ip("netns", "add", name)
    try:
        _ip("link", "add", outer, "type", "veth", "peer", "name", inner)
        _ip("link", "set", inner, "netns", name)
        _ip("addr", "add", f"{browser_ip}/30", "dev", outer)
        _ip("link", "set", outer, "up")
        _ip("addr", "add", f"{server_ip}/30", "dev", inner, netns=name)
        _ip("link", "set", inner, "up", netns=name)
        _ip("link", "set", "lo", "up", netns=name)
        yield PrivateNetwork(name, server_ip, browser_ip)
    finally:
        subprocess.run(["ip", "link", "del", outer], capture_output=True)
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


@dataclass
class Served:
    """A running `sandbox serve`, and the URLs it printed."""

    process: subprocess.Popen[str]
    urls: list[str]
    output: list[str] = field(default_factory=list)


@contextlib.contextmanager
def serve(network: PrivateNetwork, *arguments: str, cwd: Path) -> Iterator[Served]:
    """`sandbox serve --host 0.0.0.0 …` inside the namespace, until it has printed its URLs."""
    command = ["ip", "netns", "exec", network.name, sys.executable, "-m", "sim", "serve"]
    command += ["--host", "0.0.0.0", "--port", "8000", *arguments]
    env = {**os.environ, "COLUMNS": "200", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    served = Served(process, [])

    def read() -> None:  # a thread: readline blocks, and select() cannot see Python's buffer
        assert process.stdout is not None
        for line in process.stdout:
            served.output.append(line)

    threading.Thread(target=read, daemon=True).start()
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not any("Ctrl+C" in line for line in served.output):
            if process.poll() is not None:
                break
            time.sleep(0.2)
        served.urls = re.findall(r"http://\S+", "".join(served.output))
        yield served
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


class Screen:
    """What the page's terminal shows: the bytes the app sent it, replayed through a terminal."""

    def __init__(self) -> None:
        import pyte

        self._pyte = pyte
        self.screen: Any = None
        self.stream: Any = None

    def attach(self, websocket: Any) -> None:
        query = dict(p.split("=", 1) for p in urlsplit(websocket.url).query.split("&") if "=" in p)
        self.screen = self._pyte.Screen(int(query.get("width", 80)), int(query.get("height", 24)))
        self.stream = self._pyte.ByteStream(self.screen)
        websocket.on("framereceived", self._received)

    def _received(self, payload: Any) -> None:
        if isinstance(payload, bytes) and self.stream is not None:
            self.stream.feed(payload)

    def text(self) -> str:
        return "\n".join(self.screen.display) if self.screen is not None else ""

    def wait_for(self, page: Any, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        """Wait until `pattern` (a regular expression) is on screen; fail with the screen."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.text())
            if found:
                return found
            page.wait_for_timeout(100)
        raise AssertionError(f"{pattern!r} never appeared; the screen:\n{self.text()}")

    def wait_gone(self, page: Any, pattern: str, timeout: float = 30.0) -> None:
        """Wait until `pattern` is no longer on screen (a dialog closed); fail with the screen."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not re.search(pattern, self.text()):
                return
            page.wait_for_timeout(100)
        raise AssertionError(f"{pattern!r} never went away; the screen:\n{self.text()}")


def playwright_key(label: str) -> str:
    """A footer key label (`^r`, `ctrl+r`, `space`, `x`) as Playwright names the key."""
    label = label.strip()
    if label.startswith("^"):
        return f"Control+{label[1:].lower()}"
    parts = label.split("+")
    names = {"ctrl": "Control", "shift": "Shift", "alt": "Alt", "space": " ", "enter": "Enter"}
    return "+".join(
        names.get(p.lower(), p.upper() if re.fullmatch(r"f\d+", p) else p) for p in parts
    )
