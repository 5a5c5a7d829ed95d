"""`sandbox serve`: textual-serve with a page that works from any address and nothing from outside.

textual-serve writes `http://HOST:PORT/...` into the page, so `--host 0.0.0.0` gives a page that
asks for `0.0.0.0` (which browsers block), and its page loads a web font from Google. Here the
page's URLs are relative (or built on `--public-url`), the font ships with textual-serve, the page
has a favicon and focuses the terminal, and each participant's app process gets a session id.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from tui.workshop.room import SESSION_ENV

HERE = Path(__file__).resolve().parent
FAVICON = HERE / "static" / "favicon.svg"
ANY_ADDRESS = {"0.0.0.0", "::", ""}

log = logging.getLogger("textual-serve")


def reachable_addresses(host: str) -> list[str]:
    """The addresses a participant can open: the machine's non-loopback ones for 0.0.0.0 or ::."""
    if host not in ANY_ADDRESS:
        return [host]
    import psutil

    found: list[str] = []
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            try:
                ip = ipaddress.ip_address(address.address.split("%")[0])
            except ValueError:
                continue  # a hardware address
            if ip.is_loopback or ip.is_link_local or ip.is_unspecified:
                continue
            if ip.version == 6 and host == "0.0.0.0":
                continue
            found.append(str(ip))
    return sorted(set(found), key=lambda a: (":" in a, a))


def page_url(address: str, port: int) -> str:
    host = f"[{address}]" if ":" in address else address
    return f"http://{host}:{port}/"


class _ParticipantService(AppService):
    """One browser tab's app process, told its own session id."""

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width, height)
        environment[SESSION_ENV] = self.app_service_id[:8]
        return environment


class SandboxServer(Server):
    """A textual-serve server whose page works from any address and loads nothing from outside."""

    def __init__(
        self,
        command: str,
        host: str = "127.0.0.1",
        port: int = 8000,
        public_url: str | None = None,
        notes: Sequence[str] = (),
    ) -> None:
        super().__init__(command, host, port, title="Exchange Sandbox", public_url=public_url)
        self.templates_path = HERE / "templates"
        self.given_public_url = public_url.rstrip("/") if public_url else None
        self.notes = list(notes)

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.router.add_get("/favicon.ico", self.handle_favicon)
        app.router.add_get("/favicon.svg", self.handle_favicon)
        return app

    async def handle_favicon(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(FAVICON, headers={"Content-Type": "image/svg+xml"})

    def urls(self) -> list[str]:
        """What to open: the public URL, or the page on each reachable address."""
        if self.given_public_url:
            return [self.given_public_url + "/"]
        return [page_url(a, self.port) for a in reachable_addresses(self.host)]

    async def on_startup(self, app: web.Application) -> None:
        urls = self.urls()
        if urls:
            self.console.print("Exchange Sandbox: participants open", highlight=False)
            for url in urls:
                self.console.print(f"  {url}", highlight=False)
        else:
            self.console.print(
                f"No network address found: only this machine can open "
                f"{page_url('127.0.0.1', self.port)}",
                highlight=False,
            )
        for note in self.notes:
            self.console.print(note, highlight=False)
        self.console.print("Ctrl+C stops the server.", highlight=False)

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        base = f"{self.given_public_url}/" if self.given_public_url else ""
        websocket = ""
        if self.given_public_url:
            scheme, rest = self.given_public_url.split(":", 1)
            websocket = ("wss:" if scheme == "https" else "ws:") + rest + "/ws"
        return {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": websocket,
            "favicon_url": f"{base}favicon.svg",
            "config": {"static": {"url": f"{base}static/"}},
            "application": {"name": self.title},
        }

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """As textual-serve's, with a session id for each participant's app process."""
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        service: AppService | None = None

        async def close() -> None:
            await websocket.close()

        try:
            await websocket.prepare(request)
            service = _ParticipantService(
                self.command,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            await service.start(width, height)
            try:
                await self._process_messages(websocket, service)
            finally:
                await service.stop()
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:  # one participant's failure never stops the room
            log.exception(error)
        finally:
            if service is not None:
                await service.stop()
        return websocket


def app_command(
    scenario: Path | None = None,
    workshop: Path | None = None,
    max_runs: int | None = None,
    lesson: str | None = None,
    facilitator: bool = False,
    roleplay: bool = False,
) -> str:
    """The shell command textual-serve runs for each participant: `python -m tui …`. No app of a
    served page runs the baseline ahead: its participants share the machine."""
    words = [sys.executable, "-m", "tui"]
    if roleplay and workshop is not None:
        return shlex.join([*words, "--roleplay", str(workshop.resolve())])
    if facilitator and workshop is not None:
        words += ["--facilitator", "--workshop", str(workshop.resolve())]
        return shlex.join(words + (["--lesson", lesson] if lesson else []))
    words.append("--no-run-ahead")
    if workshop is not None:
        words += ["--workshop", str(workshop.resolve())]
        if max_runs is not None:
            words += ["--max-runs", str(max_runs)]
    if lesson is not None:
        words += ["--lesson", lesson]
    if scenario is not None:
        words.append(str(scenario.resolve()))
    return shlex.join(words)
