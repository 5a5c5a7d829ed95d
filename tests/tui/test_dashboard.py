"""The run dashboard: live KPIs equal a headless run; pause, step and stop act at once; failures."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import multiprocessing
import os
import re
import subprocess
import sys
import threading
import time
from multiprocessing import Pipe
from pathlib import Path
from types import SimpleNamespace

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.visual import Visual, visualize
from textual.widgets import Input, Static, Tabs

import sim
import sim.checks
from sim import load_scenario
from sim.engine import Snapshot
from sim.processes import init_worker
from sim.summary import format_value
from tests.tui.conftest import BASELINE, TINY, record_calls, wait_for
from tui.app import GC_THRESHOLDS, SandboxApp
from tui.messages import SnapshotPosted
from tui.runner import SimulationRunner, warm_up
from tui.screens.dashboard import DashboardScreen
from tui.simserver import Server
from tui.widgets.charts import CHARTS, SeriesChart, chart_process
from tui.widgets.eventlog import EventLines
from tui.widgets.tiles import KpiTile


async def test_kpi_tiles_match_headless_run_for_same_seed(tiny: Path) -> None:
    expected = sim.run(load_scenario(tiny), replications=1).kpis
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("3", "space")
        await wait_for(pilot, lambda: app.run_state.status == "finished")
        await pilot.pause()
        tiles = list(app.screen.query(KpiTile))
        assert len(tiles) >= 4
        for tile in tiles:
            assert tile.text() == format_value(expected[tile.kpi.name].mean, tile.kpi.unit)
        assert app.snapshot is not None
        assert app.snapshot.kpis == pytest.approx(
            {k: e.mean for k, e in expected.items()}, nan_ok=True
        )


async def test_step_advances_exactly_one_day_and_stays_paused(tiny: Path) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "n")
        await wait_for(pilot, lambda: app.snapshot is not None and app.snapshot.day == 1)
        await pilot.press("n")
        await wait_for(pilot, lambda: app.snapshot is not None and app.snapshot.day == 2)
        await pilot.pause(0.3)
        assert app.snapshot is not None and app.snapshot.day == 2
        assert app.run_state.status == "paused"


async def test_pause_and_stop_take_effect_within_a_day(tiny: Path) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.runner.speed_index = 1  # 5 days a second: slow enough to catch mid-run
        await pilot.press("3", "space")
        await wait_for(pilot, lambda: app.snapshot is not None and app.snapshot.day >= 2)
        await pilot.press("space")
        assert app.run_state.status == "paused"
        await pilot.pause(0.3)
        day = app.snapshot.day
        await pilot.pause(0.5)
        assert app.snapshot.day == day
        await pilot.press("space")
        await wait_for(pilot, lambda: app.run_state.status == "running")
        await pilot.press("x")
        assert app.run_state.status == "stopped"
        await pilot.pause(0.3)
        day = app.snapshot.day
        await pilot.pause(0.5)
        assert app.snapshot.day == day < 20


@pytest.mark.parametrize("key", ["escape", "enter"])
@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
async def test_escape_or_enter_in_the_event_filter_gives_the_run_keys_back_and_keeps_the_filter(
    tiny: Path, size: tuple[int, int], key: str
) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=size) as pilot:
        await pilot.press("3", "slash", "k", "y", "c")
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        box = screen.query_one("#event-filter", Input)
        assert app.focused is box and box.value == "kyc"
        await pilot.press(key)
        assert app.focused is (None if screen.wide else screen.query_one(Tabs))  # as on arrival
        await pilot.press("n")  # a key of the screen again, not a letter of the filter
        await wait_for(pilot, lambda: app.snapshot is not None and app.snapshot.day == 1)
        assert box.value == "kyc" and screen.query_one(EventLines).words == ["kyc"]
        assert screen.query_one("#events").display  # the filtered log still in view


def test_a_resumed_run_goes_on_at_its_speed_without_a_burst_of_the_days_it_was_paused() -> None:
    """The time spent paused counted as days owed (up to a second's worth), run at once on resume:
    at 1 day a second the day after the pause showed, the next was run at once but shown only with
    the one after it, a second later (day 11, then 13); at 20 days a second it leapt 20 days."""
    ui, server_end = Pipe()
    scenario = load_scenario(BASELINE, [*TINY, "run.days=60"])
    server = Server(server_end, scenario, paused=True, speed=2)  # 20 days a second
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    try:
        assert ui.poll(20) and ui.recv()[0] == "snapshot"  # day 0, paused
        time.sleep(0.6)
        resumed = time.monotonic()
        ui.send(("resume",))
        time.sleep(0.25)
        ui.send(("pause",))
        while (message := ui.recv())[:2] != ("snapshot", "paused"):  # the day it stopped on
            pass
        running = time.monotonic() - resumed  # at most: the pause took a moment to arrive
        assert message[2].day <= 1 + 20 * running + 1  # the first day at once, then 20 a second
    finally:
        ui.send(("quit",))
        thread.join(5)


def test_a_run_stepping_days_says_it_is_paused_throughout_so_space_resumes_it_at_once() -> None:
    """It said "running" until the step's day was done: a space pressed in that moment found
    neither pause nor resume allowed (the run is paused after a step) and was lost."""
    ui, server_end = Pipe()
    server = Server(server_end, load_scenario(BASELINE, [*TINY, "run.days=60"]), True, 0)
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    try:
        assert ui.poll(20) and ui.recv()[:2] == ("snapshot", "paused")
        ui.send(("step", 3))
        statuses = []
        while len(statuses) < 5:  # three days' snapshots, the step's state and the end's
            message = ui.recv()
            if message[0] in {"snapshot", "state"}:
                statuses.append(message[1])
        assert statuses == ["paused"] * 5
    finally:
        ui.send(("quit",))
        thread.join(5)


async def test_closing_the_app_during_a_run_does_not_report_the_run_failed(tiny: Path) -> None:
    """The run's process ends because it was told to: no "ended unexpectedly" on the way out."""
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.runner.speed_index = 1  # 5 days a second: still running when closed
        await pilot.press("3", "space")
        await wait_for(pilot, lambda: app.run_state.status == "running")
        app.runner.close()  # as the app does when it closes
        await pilot.pause(1.0)
        assert app.run_state.status != "failed", app.run_state.error


async def test_a_simulation_process_that_dies_mid_run_is_reported_failed(tiny: Path) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.runner.speed_index = 1
        await pilot.press("3", "space")
        await wait_for(pilot, lambda: app.run_state.status == "running")
        run = app.runner._run
        assert run is not None and run.process is not None
        run.process.kill()
        await wait_for(pilot, lambda: app.run_state.status == "failed")
        assert app.run_state.error == "the simulation process ended unexpectedly"


def test_a_snapshot_sent_before_the_simulation_heard_a_pause_does_not_undo_it() -> None:
    posted: list[object] = []
    app = SimpleNamespace(post_message=posted.append, run_worker=lambda *a, **k: None)
    runner = SimulationRunner(app)
    runner.start(load_scenario(BASELINE, TINY))  # no process: we play its part
    run = runner._run
    assert run is not None

    def day(n: int, status: str) -> None:
        snapshot = Snapshot(n, 20, dt.date(2022, 7, n), {}, ({"day": n},), 0, {})
        runner._relay(run, ("snapshot", status, snapshot, (), 0.0))

    day(1, "running")
    runner._relay(run, ("state", "running", None))
    assert runner.status == "running"
    runner.pause()
    day(2, "running")  # on its way before the process heard the pause
    assert runner.status == "paused"  # else space would not resume, and nothing would pause
    runner._relay(run, ("state", "paused", None))  # the process heard it
    runner.resume()
    runner.pause()
    day(3, "running")
    runner._relay(run, ("state", "running", None))  # it heard the resume, not yet the pause
    assert runner.status == "paused"
    runner._relay(run, ("state", "paused", None))
    assert runner.status == "paused" and not run.unconfirmed
    assert [len(p.snapshot.rows) for p in posted if isinstance(p, SnapshotPosted)] == [1, 2, 3]
    runner._relay(run, ("state", "finished", None))
    assert runner.status == "finished"


async def test_failed_run_shows_its_error_and_the_app_keeps_working(
    tiny: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the price file is checked when the scenario validates: here as if cut short after (the
    # run's own process reads it, and fails); a scenario that validates never fails otherwise
    monkeypatch.setattr(sim.checks, "check_prices", lambda *_: [])
    prices = workdir / "prices.csv"
    prices.write_text("date,price_usd\n2022-07-01,20000\n2022-07-02,20100\n", encoding="utf-8")
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.session.set_text("market.btc_model", "csv")
        app.session.set_text("market.btc_csv", str(prices))
        assert app.validate_now()
        await pilot.press("3", "space")
        await wait_for(pilot, lambda: app.run_state.status == "failed")
        await pilot.pause()
        error = app.screen.query_one("#run-error")
        assert error.display
        assert "2 days of prices" in str(error.render())
        await pilot.press("2")
        app.session.reset()
        assert app.validate_now()
        await pilot.press("3", "space")
        await wait_for(pilot, lambda: app.run_state.status == "finished")
        assert not app.screen.query_one("#run-error").display


async def test_kpi_tiles_name_kpis_in_plain_words_with_units(tiny: Path) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "space")
        await wait_for(pilot, lambda: app.run_state.status == "finished")
        await pilot.pause()
        outflow = str(app.screen.query_one("#tile-capital_outflow_kzt", KpiTile).render())
        assert outflow.startswith("Capital outflow\n") and outflow.endswith(" KZT")
        abandoned = str(app.screen.query_one("#tile-kyc_abandoned", KpiTile).render())
        assert abandoned.endswith(" people") and "." not in abandoned  # a whole number
        for tile in app.screen.query(KpiTile):  # every label whole in a quarter of 80 columns
            assert "_" not in str(tile.render())
            assert tile.size.width >= len(str(tile.render()).split("\n")[0]) + 1


class OneChart(App[None]):
    def compose(self) -> ComposeResult:
        yield SeriesChart(CHARTS[0])


def y_labels(chart: SeriesChart) -> list[float]:
    """The numbers on the drawn chart's y axis."""
    assert chart._drawn is not None
    plain = Text.from_ansi(chart._drawn[2]).plain
    return [float(v) for v in re.findall(r"^\s*(-?[\d.]+)┤", plain, re.M)]


async def test_a_chart_of_quantities_that_never_go_below_zero_has_its_axis_start_at_zero() -> None:
    app = OneChart()
    async with app.run_test(size=(60, 16)) as pilot:
        chart = app.query_one(SeriesChart)
        days = [1, 2, 3, 4, 5]
        chart._draw(days, {"queue": [0.0] * 5})  # a queue that stayed empty
        await wait_for(pilot, lambda: chart.drawn)
        labels = y_labels(chart)
        assert min(labels) == 0 and max(labels) == pytest.approx(1)
        chart._draw(days, {"queue": [6.0, 7.0, 8.0, 7.0, 6.0]})
        await wait_for(pilot, lambda: chart.drawn)
        assert min(y_labels(chart)) == 0 and max(y_labels(chart)) == pytest.approx(8)
        chart._draw(days, {"change": [-2.0, 1.0, 3.0, 0.0, 1.0]})  # may go negative: as drawn
        await wait_for(pilot, lambda: chart.drawn)
        assert min(y_labels(chart)) < 0


async def test_a_chart_is_drawn_in_the_chart_process_as_textual_would_draw_it() -> None:
    """Drawing a chart, and redrawing it (a key's frame, a new snapshot beside it), costs the app
    next to nothing: the lines it shows were made in the chart process, and they are the lines
    Textual makes of the plot."""
    warm_up()
    assert chart_process() is not None
    app = OneChart()
    async with app.run_test(size=(60, 16)) as pilot:
        chart = app.query_one(SeriesChart)
        chart._draw([1, 2, 3, 4, 5], {"queue": [6.0, 7.0, 8.0, 7.0, 6.0]})
        await wait_for(pilot, lambda: chart.drawn)
        await pilot.pause()
        made = [chart.render_line(y) for y in range(chart.size.height)]
        assert chart._lines is not None and made == chart._lines[2]  # the worker's, as they are
        assert all(a is b for a, b in zip(made, chart._lines[2], strict=True))
        width, height = chart.size
        textual = Visual.to_strips(
            chart, visualize(chart, chart.render()), width, height, chart.visual_style
        )
        assert made == textual
        chart.styles.background = "red"  # another style: rendered here until redrawn
        await pilot.pause()
        assert chart.render_line(0) is not made[0]


async def test_a_snapshot_is_shown_after_the_status_line_and_while_running_a_part_a_frame(
    tiny: Path,
) -> None:
    """A key pressed as a snapshot arrives waits for one part's drawing, not for all of them."""
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("3", "n")  # a run, paused after its first day
        await wait_for(pilot, lambda: app.snapshot is not None and app.snapshot.day == 1)
        await pilot.pause(0.2)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        tile = screen.query(KpiTile).first()
        assert app.snapshot is not None
        kpis = {**app.snapshot.kpis, tile.kpi.name: 12345.0}
        app.snapshot = dataclasses.replace(app.snapshot, day=2, kpis=kpis)
        app.run_state = dataclasses.replace(app.run_state, status="running")
        screen.show_run()
        assert "day 2/20" in str(screen.query_one("#run-status", Static).render())
        assert tile.value != 12345.0 and screen.parts_due  # the rest in the frames to come
        await wait_for(pilot, lambda: not screen.parts_due)
        assert tile.value == 12345.0
        app.run_state = dataclasses.replace(app.run_state, status="paused")
        app.snapshot = dataclasses.replace(app.snapshot, kpis={**kpis, tile.kpi.name: 1.0})
        screen.show_run()  # not running: all at once, after the status line
        assert "paused" in str(screen.query_one("#run-status", Static).render())
        assert tile.value != 1.0 and not screen.parts_due
        await wait_for(pilot, lambda: tile.value == 1.0)


async def test_a_kpi_tile_is_redrawn_only_when_its_value_changes(tiny: Path) -> None:
    """Coming back to the Run screen redraws no tile that shows what it showed (a dash, say)."""
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("3")
        tile = app.screen.query(KpiTile).first()
        updates: list[object] = []
        record_calls(tile, "update", updates)
        await pilot.press("1", "3")
        tile.show(None)
        assert updates == []
        tile.show(0.5)
        tile.show(0.5)
        assert len(updates) == 1


async def test_the_app_makes_full_garbage_collections_ten_times_rarer(tiny: Path) -> None:
    """A full collection took 20-80 ms, every few seconds while a run or comparison ran."""
    before = gc.get_threshold()
    try:
        app = SandboxApp(tiny, blink=False)
        async with app.run_test(size=(80, 24)):
            assert gc.get_threshold() == GC_THRESHOLDS == (700, 10, 100)  # Python's: 700, 10, 10
    finally:
        gc.set_threshold(*before)


async def test_a_screen_shown_before_comes_back_without_reparsing_the_css(tiny: Path) -> None:
    """Reparsing the app's CSS took about 90 ms of the second switch to each screen."""
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        for key in "13451":  # each shown once
            await pilot.press(key)
            await pilot.pause(0.1)
        refreshed: list[object] = []
        record_calls(app, "refresh_css", refreshed)
        for key in "3451":
            await pilot.press(key)
            await pilot.pause(0.1)
        assert refreshed == []
        app.action_toggle_dark()  # a new theme restyles them
        await pilot.pause(0.1)
        refreshed.clear()
        await pilot.press("3")
        await pilot.pause(0.1)
        assert refreshed


def ends_with(app: int) -> None:
    """A chart process's start, then drawing for ever."""
    init_worker(app)
    time.sleep(60)


def test_the_chart_process_ends_when_the_apps_process_has_ended() -> None:
    """However the app ended (killed, as the latency bench does, or its terminal closed), its
    chart process is not left over (nor, then, its fork server and resource tracker)."""
    warm_up()
    process = chart_process()
    assert process is not None
    assert process._initializer is init_worker  # type: ignore[attr-defined]
    assert process._initargs == (os.getpid(),)  # type: ignore[attr-defined]
    app = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    chart = multiprocessing.get_context("spawn").Process(target=ends_with, args=(app.pid,))
    chart.start()
    try:
        time.sleep(1.5)
        assert chart.is_alive()
        app.kill()
        app.wait()
        chart.join(10)
        assert not chart.is_alive()
    finally:
        app.kill()
        chart.kill()
