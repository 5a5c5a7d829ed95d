"""Shocks fired live from the TUI: into the running simulation, logged, marked on the charts."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from textual.widgets import OptionList

from tests.tui.conftest import wait_for
from tui.app import SandboxApp
from tui.widgets.charts import SeriesChart
from tui.workshop.shocks import ShockScreen


async def test_a_shock_picked_with_f4_is_fired_logged_and_marked_on_the_charts(
    tiny: Path,
) -> None:
    app = SandboxApp(tiny, blink=False, start_mode="dashboard")
    async with app.run_test(size=(160, 48)) as pilot:
        app.action_step()  # a run held at day 0, then one day
        await wait_for(pilot, lambda: app.snapshot is not None and app.snapshot.day >= 1)
        assert app.check_action("shock_menu", ())
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, ShockScreen))
        options = app.screen.query_one(OptionList)
        options.highlighted = [o.id for o in options.options].index("enforcement_sweep")
        await pilot.press("enter")
        day = app.snapshot.day
        app.action_step()
        await wait_for(pilot, lambda: day in app.shock_marks)
        assert app.shock_marks[day] == "enforcement sweep"
        assert any(type(r).__name__ == "ShockFired" for r in app.recent)
        charts = app.screen.query(SeriesChart)
        await wait_for(pilot, lambda: any(c.marks == [float(day)] for c in charts))
        # The run's scenario (what an export writes as scenario.resolved.yaml) holds the shock.
        result = await asyncio.to_thread(app.runner.result)
        assert result is not None
        (shock,) = [s for s in result.scenario.shocks if s.kind == "enforcement_sweep"]
        assert shock.date == result.scenario.run.start_date + dt.timedelta(days=day)
        assert "fired live" in shock.note


async def test_the_palette_offers_every_shock_only_while_a_run_goes_on(tiny: Path) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(120, 40)):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert not any(t.startswith("shock:") for t in titles)
        assert not app.check_action("fire_shock", ("btc_crash",))
