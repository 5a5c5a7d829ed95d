"""The TUI keeps the engine's promises: a run too big is refused before it starts, saying what to
change, and a simulated day that never ends fails the run with a reason instead of a hang."""

from __future__ import annotations

import itertools
import threading
import time
from multiprocessing import Pipe
from pathlib import Path
from typing import Any

import pytest

from sim import Simulation, load_scenario
from tests.tui.conftest import BASELINE, TINY
from tui.app import SandboxApp
from tui.simserver import RecentEvents, Server


@pytest.mark.parametrize("key", ["space", "n", "ctrl+g"])
async def test_a_run_or_comparison_too_big_is_refused_before_it_starts(
    tiny: Path, key: str
) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        app.session.set_text("population.scale_factor", "1")
        app.session.set_text("run.days", "3650")
        assert app.validate_now()
        await pilot.press("3", key)
        await pilot.pause(0.3)
        (told,) = [n for n in app._notifications if n.title == "Too big to run"]
        assert "raise population.scale_factor to" in str(told.message)
        assert "--max-agents" not in str(told.message)  # no option to pass in the TUI
        assert app.runner.status not in {"starting", "running", "paused"}
        assert app.compare_job is None


def test_a_stuck_day_in_the_tuis_simulation_fails_the_run_with_a_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SANDBOX_WATCHDOG_S", "0.5")
    advance = Simulation.advance

    def stuck_on_day_three(self: Simulation, days: int = 1) -> None:
        until = time.monotonic() + 30
        while self.day == 3 and time.monotonic() < until:  # busy, as a model stuck in zero time
            pass
        advance(self, days)

    monkeypatch.setattr(Simulation, "advance", stuck_on_day_three)
    ui, server_end = Pipe()
    server = Server(server_end, load_scenario(BASELINE, TINY), paused=False, speed=3)
    thread = threading.Thread(target=server.serve, daemon=True)
    started = time.monotonic()
    thread.start()
    failed: list[Any] = []
    while not failed and time.monotonic() - started < 20:
        if ui.poll(0.1):
            message = ui.recv()
            if message[:2] == ("state", "failed"):
                failed.append(message)
    assert failed, "the run never failed"
    assert "simulated day 4 did not finish within 0.5 s" in failed[0][2]
    ui.send(("query", 1, "result"))  # the UI may still ask about the run so far
    assert ui.recv()[:2] == ("reply", 1)
    ui.send(("quit",))
    thread.join(5)
    assert not thread.is_alive()


def test_a_snapshot_carries_only_the_events_since_the_one_before() -> None:
    """The UI unpickles what it is sent holding its interpreter: each record is sent once, and the
    event log's latest records of each kind, kept by the UI, are those the run kept."""
    scenario = load_scenario(BASELINE, TINY)
    ui, server_end = Pipe()
    server = Server(server_end, scenario, paused=True, speed=3)
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    kept = RecentEvents()
    days: list[tuple[int, tuple[Any, ...]]] = []
    while not days or days[-1][0] < scenario.run.days:  # a day at a time: a snapshot each
        assert ui.poll(20), "no snapshot"
        message = ui.recv()
        if message[0] == "snapshot":
            _, _, snapshot, new, _ = message
            kept.add(new)
            days.append((snapshot.day, new))
            ui.send(("step", 1))
    ui.send(("quit",))
    thread.join(5)
    for (before, _), (day, new) in itertools.pairwise(days):
        assert all(record.t >= 24 * before for record in new), f"day {day} sent older records"
    whole = Simulation(scenario, keep_records=True)
    whole.advance(scenario.run.days)
    assert whole.recorder is not None
    expected = RecentEvents()
    expected.add(whole.recorder.records)
    assert kept.records() == expected.records()
    assert sum(len(new) for _, new in days) <= len(whole.recorder.records)
