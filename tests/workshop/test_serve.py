"""`sandbox serve`: a page whose URLs work from any address, nothing from outside, a favicon."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from textual.widgets import Input, Static
from textual_serve.download_manager import DownloadManager
from typer.testing import CliRunner

from sim.cli import app
from tests.conftest import ROOT
from tests.tui.conftest import wait_for
from tui.app import SandboxApp
from tui.workshop.serve import (
    SESSION_ENV,
    SandboxServer,
    _ParticipantService,
    app_command,
    reachable_addresses,
)


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


def test_no_served_app_runs_the_baseline_ahead_on_the_shared_machine(tmp_path: Path) -> None:
    for command in (app_command(tmp_path / "s.yaml"), app_command(lesson="01_kyc_bottleneck")):
        assert " -m tui --no-run-ahead" in command


def test_bad_serve_options_are_one_line_each_and_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["serve", str(tmp_path / "missing.yaml"), "--public-url", "room:8000", "--max-runs", "2"],
    )
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 3 and all(line.startswith("error: ") for line in lines)
    assert "Traceback" not in result.output
    # a scenario with errors is refused before the room opens, not in each participant's page
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: broken\nkyc: {reviewrs: 3}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["serve", str(broken)])
    assert result.exit_code == 2
    assert result.output.startswith("error: kyc.reviewrs: unknown key 'reviewrs'")


async def _nothing(*_: object) -> None:
    return None


async def _save_a_whatif(app: SandboxApp) -> tuple[str, Path | None]:
    """Change a lever and save with the name offered: that name, and where it was saved."""
    async with app.run_test(size=(120, 40)) as pilot:
        app.edit("kyc.reviewers", "7")
        await wait_for(pilot, lambda: not app.validating and app.session.valid)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen.query("#save-name"))
        offered = app.screen.query_one("#save-name", Input).value
        where = str(app.screen.query_one("#save-where", Static).render())
        assert "replaces" not in where  # no one else's file is in the way
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.session.saved_to is not None)
        return offered, app.session.saved_to


async def test_two_participants_served_without_a_workshop_folder_save_under_their_own_names(
    tiny: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --workshop every tab works in the server's folder: each tab's app process is told
    a session id of its own, and its default save name carries it, so no save replaces another."""
    services = [
        _ParticipantService(
            "true",
            write_bytes=_nothing,
            write_str=_nothing,
            close=_nothing,
            download_manager=DownloadManager(),
        )
        for _ in range(2)
    ]
    sessions = [s._build_environment(80, 24)[SESSION_ENV] for s in services]
    assert len(set(sessions)) == 2 and all(sessions)
    offered, saved = [], []
    for session in sessions:
        monkeypatch.setenv(SESSION_ENV, session)
        name, path = await _save_a_whatif(SandboxApp(tiny, blink=False))
        offered.append(name)
        saved.append(path)
    assert all(session in name for session, name in zip(sessions, offered, strict=True))
    assert len(set(saved)) == 2 and all((workdir / "whatifs").glob("*.yaml"))
    assert sorted(p.name for p in (workdir / "whatifs").glob("*.yaml")) == sorted(
        Path(str(p)).name for p in saved
    )


def test_the_app_loads_the_web_server_only_when_it_serves() -> None:
    """aiohttp and textual-serve cost a fifth of a second at start-up: `make run` needs neither."""
    probe = "import sys, tui.app; print(sorted({'aiohttp', 'textual_serve'} & set(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "[]"
