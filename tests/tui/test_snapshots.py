"""Snapshots of the screens at fixed sizes (cursor blink off); update with --snapshot-update."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable

from tests.tui.conftest import wait_for
from tui.app import SandboxApp
from tui.screens.editor import EditorScreen
from tui.widgets.charts import SeriesChart
from tui.widgets.funnel import Funnel


async def charts_drawn(pilot: Pilot[Any]) -> None:
    """Charts draw in a worker thread: wait until every visible one shows the latest data."""
    charts = [c for c in pilot.app.screen.query(SeriesChart) if c.region.area]
    await wait_for(pilot, lambda: all(c.drawn for c in charts))


async def finish_run(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, SandboxApp)
    await pilot.press("3", "space")
    await wait_for(pilot, lambda: app.run_state.status == "finished")
    await pilot.pause(0.3)
    await charts_drawn(pilot)
    # The funnel is filled from the same snapshot as the charts, but on a loaded machine the last
    # snapshot can reach it after the charts are drawn: wait for it too.
    await wait_for(pilot, lambda: all(f.stages for f in app.screen.query(Funnel)))


def test_editor_with_an_invalid_value_80x24(snap_compare: Any, tiny: Path) -> None:
    async def invalid(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, SandboxApp) and isinstance(app.screen, EditorScreen)
        editor = await app.screen.show_field("kyc.reviewers")
        editor.query_one("Input").focus()
        await pilot.press("ctrl+e", "backspace", "backspace", "-", "3")
        await wait_for(pilot, lambda: not app.validating and app.session.problems)
        await pilot.pause(0.2)

    assert snap_compare(SandboxApp(tiny, blink=False), terminal_size=(80, 24), run_before=invalid)


def test_dashboard_after_a_run_80x24(snap_compare: Any, banked_tiny: Path) -> None:
    assert snap_compare(
        SandboxApp(banked_tiny, blink=False), terminal_size=(80, 24), run_before=finish_run
    )


def test_dashboard_after_a_run_160x48(snap_compare: Any, banked_tiny: Path) -> None:
    assert snap_compare(
        SandboxApp(banked_tiny, blink=False), terminal_size=(160, 48), run_before=finish_run
    )


def test_person_timeline_120x36(snap_compare: Any, tiny: Path) -> None:
    async def timeline(pilot: Pilot[Any]) -> None:
        await finish_run(pilot)
        await pilot.press("5")
        table = pilot.app.screen.query_one("#people-table", DataTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        table.focus()
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: getattr(pilot.app.screen, "timeline_steps", None))
        await pilot.pause(0.2)

    assert snap_compare(SandboxApp(tiny, blink=False), terminal_size=(120, 36), run_before=timeline)


def test_help_80x24(snap_compare: Any, tiny: Path) -> None:
    assert snap_compare(SandboxApp(tiny, blink=False), terminal_size=(80, 24), press=["6", "_"])
