"""The served app in Chromium, reached through a non-loopback address of a private network."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sim import load_scenario
from sim.loader import dump_yaml
from tests.workshop.browser import (
    CHROMIUM,
    Screen,
    chromium_args,
    missing,
    playwright_key,
    private_network,
    serve,
)

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT_ENV = "SANDBOX_SCREENSHOT"
"""Set to a path (e.g. docs/served_app.png) to keep the test's screenshot of the served app."""

pytestmark = pytest.mark.skipif(missing() is not None, reason=str(missing()))


@pytest.fixture
def short_scenario(tmp_path: Path) -> Path:
    baseline = REPO / "configs" / "aifc_pilot_2022.yaml"
    scenario = load_scenario(baseline, ["run.days=30", "population.scale_factor=200", "name=short"])
    path = tmp_path / "short.yaml"
    path.write_text(dump_yaml(scenario), encoding="utf-8")
    return path


def test_served_app_takes_keys_without_a_click_and_runs_with_the_key_on_screen(
    short_scenario: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    room = tmp_path / "room"
    with (
        private_network() as network,
        serve(network, "--workshop", str(room), str(short_scenario), cwd=tmp_path) as served,
    ):
        url = f"http://{network.server_ip}:8000/"
        assert url in served.urls, served.output  # printed: the address a participant can open
        assert not any("127.0.0.1" in u or "0.0.0.0" in u for u in served.urls)
        requests: list[str] = []
        screen = Screen()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=chromium_args(network.server_ip)
            )
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.on("request", lambda request: requests.append(request.url))
            page.on("websocket", screen.attach)
            page.goto(url)
            screen.wait_for(page, "Welcome to the workshop", timeout=90)  # slow on a loaded machine
            # Focus is on the terminal as soon as the app is on screen: type without clicking.
            page.wait_for_function(
                "document.activeElement && "
                "document.activeElement.classList.contains('xterm-helper-textarea')"
            )
            page.keyboard.type("Alice")
            page.keyboard.press("Enter")
            # The welcome says where things are kept too: wait for the toast and the welcome gone.
            screen.wait_for(page, "runs are kept in")
            screen.wait_gone(page, "Welcome to the workshop")
            # The key shown on screen for Run (on the Editor's Run button, as its footer has no
            # room at 80 columns) runs the scenario; its result shows on screen.
            shown = screen.wait_for(page, r"\bRun (\^\w|ctrl\+\w)\b")
            page.keyboard.press(playwright_key(shown.group(1)))
            screen.wait_for(page, r"finished .* day 30/30", timeout=60)
            # After the page loses focus and gets it back, keys reach the app again.
            page.evaluate("document.activeElement.blur()")
            page.evaluate("window.dispatchEvent(new Event('focus'))")
            page.wait_for_function(
                "document.activeElement.classList.contains('xterm-helper-textarea')"
            )
            shot = REPO / os.environ.get(SCREENSHOT_ENV, tmp_path / "served_app.png")
            page.screenshot(path=str(shot))
            icon = page.request.get(url + "favicon.ico")
            assert icon.ok and "svg" in icon.headers["content-type"]
            browser.close()
        hosts = {urlsplit(u).hostname for u in requests if not u.startswith("data:")}
        assert hosts == {network.server_ip}, requests  # nothing from outside this machine
        assert any(u.endswith("favicon.svg") for u in requests)
        assert (room / "alice" / "participant.json").is_file()


def test_two_browsers_play_a_round_of_one_served_roleplay_world(
    short_scenario: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    room = tmp_path / "rp"
    arguments = ["--roleplay", str(short_scenario), "--workshop", str(room), "--round-days", "10"]
    with private_network() as network, serve(network, *arguments, cwd=tmp_path) as served:
        url = f"http://{network.server_ip}:8000/"
        assert url in served.urls, served.output
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=chromium_args(network.server_ip)
            )
            teams = []
            for name, downs in (("Watchdog", 0), ("Coinhall", 2)):  # the regulator, an exchange
                page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
                screen = Screen()
                page.on("websocket", screen.attach)
                page.goto(url)
                screen.wait_for(page, "Role-play: one shared world", timeout=90)
                page.keyboard.type(name)
                page.keyboard.press("Enter")
                for _ in range(downs):
                    page.keyboard.press("ArrowDown")
                page.keyboard.press("Enter")
                screen.wait_for(page, f"you: {name}")
                teams.append((page, screen))
            (regulator, on_regulator), (exchange, on_exchange) = teams
            exchange.keyboard.type("100")  # the first lever has the focus: KYC reviewers
            on_exchange.wait_for(exchange, r"▊ +100 +▎")  # as a participant, see it typed first
            exchange.keyboard.press("Enter")
            on_regulator.wait_for(regulator, r"Coinhall \(exchange\) set kyc\.reviewers 50 → 100")
            regulator.keyboard.press("F3")
            on_exchange.wait_for(exchange, "waiting for: Coinhall")
            exchange.keyboard.press("F3")
            on_regulator.wait_for(regulator, r"Round 2 of 3 · 2022-07-11", timeout=60)
            on_exchange.wait_for(exchange, r"Round 2 of 3 · 2022-07-11")
            if os.environ.get(SCREENSHOT_ENV):
                exchange.screenshot(path=str(REPO / "docs" / "roleplay.png"))
            browser.close()
    assert '"kind": "move"' in (room / "moves.json").read_text(encoding="utf-8")
