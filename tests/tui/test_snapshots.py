"""Snapshots of the screens at fixed sizes (cursor blink off); update with --snapshot-update."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from tests.tui.conftest import REPO, wait_for
from tui.app import SandboxApp
from tui.screens.compare import CompareTable
from tui.screens.editor import EditorScreen
from tui.screens.people import PeopleScreen
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


SIZES = [(80, 24), (120, 40), (160, 48)]
"""Every screen is drawn at the smallest supported terminal, a common one and a large one."""


def ids(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


@pytest.mark.parametrize("size", SIZES, ids=ids)
def test_editor_with_a_whatif_and_a_field_focused(
    snap_compare: Any, tiny: Path, size: tuple[int, int]
) -> None:
    async def whatif(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, SandboxApp) and isinstance(app.screen, EditorScreen)
        editor = await app.screen.show_field("banks.unlicensed_block_prob")
        editor.query_one(Input).value = "from 2023: 0.9"
        editor = await app.screen.show_field("kyc.reviewers")
        editor.query_one(Input).focus()
        editor.query_one(Input).value = "100"
        await wait_for(pilot, lambda: not app.validating and len(app.session.changed()) == 2)
        await pilot.pause(0.3)

    assert snap_compare(SandboxApp(tiny, blink=False), terminal_size=size, run_before=whatif)


@pytest.mark.parametrize("size", SIZES, ids=ids)
def test_dashboard_after_a_run(snap_compare: Any, banked_tiny: Path, size: tuple[int, int]) -> None:
    assert snap_compare(
        SandboxApp(banked_tiny, blink=False), terminal_size=size, run_before=finish_run
    )


@pytest.mark.parametrize("size", SIZES, ids=ids)
def test_compare_after_a_comparison(snap_compare: Any, tiny: Path, size: tuple[int, int]) -> None:
    async def compared(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, SandboxApp) and isinstance(app.screen, EditorScreen)
        editor = await app.screen.show_field("channel.licensed_awareness")
        editor.query_one(Input).value = "0.6"
        await wait_for(pilot, lambda: app.session.valid and app.session.is_whatif)
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: app.comparison is not None and app.compare_job is None)
        table = app.screen.query_one(CompareTable)
        await wait_for(pilot, lambda: table.size.width and table.fitted_width == table.size.width)
        await pilot.pause(0.3)
        await charts_drawn(pilot)
        await pilot.pause(0.2)

    app = SandboxApp(tiny, replications=2, workers=1, blink=False)
    assert snap_compare(app, terminal_size=size, run_before=compared)


@pytest.mark.parametrize("size", SIZES, ids=ids)
def test_person_timeline(snap_compare: Any, tiny: Path, size: tuple[int, int]) -> None:
    async def timeline(pilot: Pilot[Any]) -> None:
        await finish_run(pilot)
        await pilot.press("5")
        screen = pilot.app.screen
        assert isinstance(screen, PeopleScreen)
        table = screen.query_one("#people-table", DataTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        await wait_for(pilot, lambda: not screen.asking)  # no page in flight
        table.focus()
        await pilot.press("down")
        await wait_for(pilot, lambda: table.cursor_row == 1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.timeline_steps and not screen.asking)
        await pilot.pause(0.2)

    assert snap_compare(SandboxApp(tiny, blink=False), terminal_size=size, run_before=timeline)


@pytest.mark.parametrize("size", SIZES, ids=ids)
def test_help(snap_compare: Any, tiny: Path, size: tuple[int, int]) -> None:
    assert snap_compare(SandboxApp(tiny, blink=False), terminal_size=size, press=["6", "_"])


BROWSER_SIZES = [(88, 33), (142, 44)]
"""The served app in a browser window of 800×600 and of 1280×800 (textual-serve's cells)."""

WROTE = [
    Path("runs/tiny") / n for n in ("summary.json", "timeseries.csv", "scenario.resolved.yaml")
]
"""What the Run screen's export writes (its real folder has a time stamp)."""


@pytest.mark.parametrize("size", BROWSER_SIZES, ids=ids)
def test_editor_in_a_browser_window_has_whole_header_lines_and_a_toast_off_the_fields(
    snap_compare: Any, tiny: Path, size: tuple[int, int]
) -> None:
    async def saved(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, SandboxApp) and isinstance(app.screen, EditorScreen)
        editor = await app.screen.show_field("kyc.reviewers")
        editor.query_one(Input).value = "100"
        await wait_for(pilot, lambda: not app.validating and app.session.valid)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen.query("#save-name"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.session.saved_to is not None)
        await pilot.pause(0.4)

    assert snap_compare(SandboxApp(tiny, blink=False), terminal_size=size, run_before=saved)


@pytest.mark.parametrize("size", BROWSER_SIZES, ids=ids)
def test_dashboard_in_a_browser_window_has_whole_header_lines_and_a_toast_off_the_charts(
    snap_compare: Any, banked_tiny: Path, size: tuple[int, int]
) -> None:
    async def exported(pilot: Pilot[Any]) -> None:
        await finish_run(pilot)
        assert isinstance(pilot.app, SandboxApp)
        pilot.app._written("the run's results", WROTE)  # the toast of `e`
        await pilot.pause(0.4)

    assert snap_compare(
        SandboxApp(banked_tiny, blink=False), terminal_size=size, run_before=exported
    )


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=ids)
def test_scenarios(
    snap_compare: Any, tiny: Path, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)  # the library's paths show relative to here, wherever the checkout is

    async def listed(pilot: Pilot[Any]) -> None:
        await pilot.press("1")
        table = pilot.app.screen.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        await pilot.pause(0.3)

    assert snap_compare(SandboxApp(tiny, blink=False), terminal_size=size, run_before=listed)
