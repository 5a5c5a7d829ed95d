"""`sandbox serve`: a page whose URLs work from any address, nothing from outside, a favicon."""

from __future__ import annotations

import re
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from typer.testing import CliRunner

from sim.cli import app
from tui.workshop.serve import SandboxServer, app_command, reachable_addresses


def _external(html: str) -> list[str]:
    """Every absolute URL the page would load (src=, href=, url(...))."""
    found = re.findall(r"""(?:src|href)=["']([^"']+)["']|url\(["']?([^"')]+)""", html)
    return [u for pair in found for u in pair if u and re.match(r"[a-z]+:", u)]


async def _page(server: SandboxServer, path: str = "/") -> tuple[int, str, dict[str, str]]:
    async with TestClient(TestServer(await server._make_app())) as client:
        response = await client.get(path)
        return response.status, await response.text(), dict(response.headers)


async def test_the_page_links_only_to_its_own_server_by_relative_urls() -> None:
    status, html, _ = await _page(SandboxServer("true", host="0.0.0.0", port=8000))
    assert status == 200
    assert _external(html) == []  # no fonts.googleapis.com, no 0.0.0.0
    assert "0.0.0.0" not in html and "googleapis" not in html
    assert 'href="static/css/xterm.css"' in html and 'rel="icon"' in html


async def test_a_public_url_is_what_the_page_links_to() -> None:
    server = SandboxServer("true", public_url="https://room.example.org/sandbox/")
    _, html, _ = await _page(server)
    assert 'src="https://room.example.org/sandbox/static/js/textual.js"' in html
    assert 'data-session-websocket-url="wss://room.example.org/sandbox/ws"' in html
    assert server.urls() == ["https://room.example.org/sandbox/"]


async def test_the_page_has_a_favicon() -> None:
    status, body, headers = await _page(SandboxServer("true"), "/favicon.ico")
    assert status == 200 and headers["Content-Type"].startswith("image/svg+xml")
    assert body.startswith("<svg")


def test_any_address_lists_the_machines_own_non_loopback_addresses() -> None:
    addresses = reachable_addresses("0.0.0.0")
    assert not any(a.startswith("127.") or a in {"0.0.0.0", "::1"} for a in addresses)
    assert all(":" not in a for a in addresses)  # IPv4 only for 0.0.0.0
    assert reachable_addresses("192.0.2.7") == ["192.0.2.7"]
    urls = SandboxServer("true", host="0.0.0.0", port=8123).urls()
    assert urls == [f"http://{a}:8123/" for a in addresses]


def test_each_participant_app_is_told_its_workshop_folder(tmp_path: Path) -> None:
    command = app_command(tmp_path / "s.yaml", tmp_path / "room", max_runs=3)
    assert f"--workshop {tmp_path / 'room'}" in command and "--max-runs 3" in command
    assert command.endswith(str(tmp_path / "s.yaml"))


def test_bad_serve_options_are_one_line_each_and_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["serve", str(tmp_path / "missing.yaml"), "--public-url", "room:8000", "--max-runs", "2"],
    )
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 3 and all(line.startswith("error: ") for line in lines)
    assert "Traceback" not in result.output
