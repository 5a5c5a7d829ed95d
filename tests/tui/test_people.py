"""People: the synthetic people of a run, and one person's timeline with the reasons behind it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.coordinate import Coordinate
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from tests.tui.conftest import wait_for
from tui.app import SandboxApp
from tui.screens.people import PeopleScreen


async def _people_after_a_run(
    pilot: Pilot[Any], app: SandboxApp
) -> tuple[PeopleScreen, DataTable[Any]]:
    """Run the scenario, open People and wait for its table to fill."""
    await pilot.press("3", "space")
    await wait_for(pilot, lambda: app.run_state.status == "finished")
    await pilot.press("5")
    screen = app.screen
    assert isinstance(screen, PeopleScreen)
    table = screen.query_one("#people-table", DataTable)
    await wait_for(pilot, lambda: table.row_count > 0)
    return screen, table


def cell(table: DataTable[Any], row: int, column: str) -> str:
    """The text in a row's cell of a named column."""
    return str(table.get_cell_at(Coordinate(row, list(table.columns).index(column))))


async def test_people_table_shows_channel_and_outcome_whole_at_80_columns(tiny: Path) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        _, table = await _people_after_a_run(pilot, app)
        await pilot.pause(0.2)
        shown = [str(c.label) for c in table.columns.values()]
        assert shown[-2:] == ["channel", "outcome"]
        width = sum(c.get_render_width(table) for c in table.columns.values())
        assert width <= table.size.width  # nothing scrolls off to the right
        outcomes = {cell(table, r, "outcome") for r in range(table.row_count)}
        column = table.columns[list(table.columns)[-1]]
        assert max(len(o) for o in outcomes) <= column.content_width


async def test_person_timeline_opens_with_the_reasons_behind_decisions(tiny: Path) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(160, 40)) as pilot:
        screen, table = await _people_after_a_run(pilot, app)
        iin = cell(table, 0, "IIN")
        assert iin.isdigit() and len(iin) == 12
        screen.query_one("#people-search", Input).value = "passed"
        await pilot.press("slash", "enter")
        await wait_for(pilot, lambda: table.row_count > 0 and cell(table, 0, "outcome") == "passed")
        assert app.focused is table  # enter searched and went to the list
        await pilot.press("enter")
        await wait_for(pilot, lambda: getattr(screen, "timeline_steps", None))
        text = str(screen.query_one("#timeline").render())
        assert "arrived" in text and "KYC passed" in text
        assert "because" in text  # the reason behind a decision


async def test_people_screen_explains_what_to_do_before_any_run(tiny: Path) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await wait_for(
            pilot, lambda: "No run yet" in str(app.screen.query_one("#people-title").render())
        )


async def test_people_search_shows_it_is_working_until_the_answer_comes(tiny: Path) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        screen, table = await _people_after_a_run(pilot, app)
        seen: list[tuple[bool, str]] = []
        real_people = app.runner.people

        def slow_people(*args: object) -> object:
            seen.append((table.loading, str(screen.query_one("#people-title").render())))
            return real_people(*args)  # type: ignore[arg-type]

        app.runner.people = slow_people  # type: ignore[method-assign]
        screen.query_one("#people-search", Input).value = "rejected"
        await pilot.press("slash", "enter")
        await wait_for(pilot, lambda: not screen.searching)
        assert seen and seen[0][0] is True and "Searching for “rejected”" in seen[0][1]
        assert table.loading is False
        assert "matching “rejected”" in str(screen.query_one("#people-title").render())


async def test_a_refresh_keeps_the_row_the_user_is_on_and_a_new_search_starts_at_the_top(
    tiny: Path,
) -> None:
    """`r` refreshes in place: the cursor stays on the row the user moved to (it went back to
    the top before), and an answer to an older question never lands over a newer one."""
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        screen, table = await _people_after_a_run(pilot, app)
        table.focus()
        await pilot.press("down", "down")
        assert table.cursor_row == 2
        await pilot.press("r")
        await wait_for(pilot, lambda: not screen.asking)
        await pilot.pause(0.1)
        assert table.cursor_row == 2
        screen.query_one("#people-search", Input).value = "passed"
        await pilot.press("slash", "enter")
        await wait_for(pilot, lambda: table.row_count > 0 and cell(table, 0, "outcome") == "passed")
        assert table.cursor_row == 0  # a new search starts at its first match


async def test_the_columns_fit_again_when_the_timeline_moves_beside_the_table(tiny: Path) -> None:
    """From 120 columns the timeline sits beside the table instead of under it (the screen's
    `-wide` class), which changes the table's width without the screen being resized: the columns
    must be fitted again, never left cut mid-word ("unlicense") or with room to spare."""
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(130, 36)) as pilot:
        screen, table = await _people_after_a_run(pilot, app)
        await wait_for(pilot, lambda: not screen.asking)
        for wide in (False, True, False):
            before = table.size.width
            screen.set_class(wide, "-wide")  # what the breakpoint does when the layout settles
            await wait_for(pilot, lambda before=before: table.size.width != before)
            await wait_for(pilot, lambda: screen.fitted_width == table.size.width)
            width = sum(c.get_render_width(table) for c in table.columns.values())
            assert width <= table.size.width


async def test_escape_in_the_people_search_gives_the_list_its_keys_back_and_keeps_the_words(
    tiny: Path,
) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, table = await _people_after_a_run(pilot, app)
        box = screen.query_one("#people-search", Input)
        await pilot.press("slash", "r", "e", "j")
        assert app.focused is box and box.value == "rej"
        await pilot.press("escape")
        assert app.focused is table and box.value == "rej"
        await pilot.press("1")  # a screen's key again, not a digit typed into the search
        await wait_for(pilot, lambda: app.screen is not screen)
