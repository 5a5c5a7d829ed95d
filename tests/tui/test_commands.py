"""Keys and commands are data: ids, descriptions, "category: action" names, shown if they apply."""

from __future__ import annotations

import re
from pathlib import Path

from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable

from tests.tui.conftest import REPO, wait_for
from tui.app import SandboxApp
from tui.commands import APP_BINDINGS, COMMANDS
from tui.screens import MODES
from tui.screens.compare import CompareScreen
from tui.screens.dashboard import DashboardScreen
from tui.screens.editor import EditorScreen
from tui.screens.help import key_name
from tui.screens.history import HistoryScreen
from tui.screens.people import PeopleScreen
from tui.screens.save import SaveScreen
from tui.widgets.footer import shown_keys


def all_bindings() -> list[Binding]:
    screens = [*MODES.values(), SaveScreen]
    ours = (b for s in screens for b in vars(s).get("BINDINGS", []) if isinstance(b, Binding))
    return [*(b for b in APP_BINDINGS if isinstance(b, Binding)), *ours]


def test_every_binding_has_an_id_and_a_description() -> None:
    bindings = all_bindings()
    assert all(b.id and b.description for b in bindings)
    ids = [b.id for b in bindings]
    assert len(ids) == len(set(ids))


def test_palette_entries_read_category_action() -> None:
    assert all(re.fullmatch(r"[a-z]+: \S.*", c.title) for c in COMMANDS)
    assert {"run: start", "scenario: save as…", "export: results CSV and JSON"} <= {
        c.title for c in COMMANDS
    }


def test_user_page_lists_every_key_and_command() -> None:
    page = (REPO / "docs" / "tui.md").read_text(encoding="utf-8")
    for binding in all_bindings():
        if binding.show:
            assert f"`{key_name(binding)}`" in page, binding.key
            assert binding.description in page, binding.description
    for command in COMMANDS:
        assert command.title in page


async def test_footer_shows_run_controls_only_when_they_apply(tiny: Path) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        idle = {description for _, description, _ in shown_keys(app.screen)}
        assert {"Run", "Step day"} <= idle
        assert not {"Pause", "Stop", "Export"} & idle
        app.runner.speed_index = 0
        await pilot.press("space")
        await wait_for(pilot, lambda: app.run_state.status == "running")
        await pilot.pause()
        running = {description for _, description, _ in shown_keys(app.screen)}
        assert {"Pause", "Stop", "Faster"} <= running
        assert not {"Run", "Step day", "Export"} & running
        await pilot.press("x")
        await pilot.pause()
        stopped = {description for _, description, _ in shown_keys(app.screen)}
        assert {"Run", "Export"} <= stopped and "Stop" not in stopped


async def test_palette_lists_only_commands_that_apply(tiny: Path) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "run: start" in titles and "go: help" in titles
        assert not {"run: pause", "compare: start", "export: comparison report (Markdown)"} & titles


async def test_palette_toggles_between_light_and_dark_themes(tiny: Path) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        dark = app.current_theme.dark
        await app.run_action("toggle_dark")
        await pilot.pause()
        assert app.current_theme.dark is not dark
        await app.run_action("toggle_dark")
        assert app.current_theme.dark is dark


def test_readme_key_table_names_only_keys_that_work_where_it_says() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Terminal UI", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    screens: dict[str, type[Screen[None]]] = {
        "Editor": EditorScreen,
        "Run screen": DashboardScreen,
        "Compare screen": CompareScreen,
        "People screen": PeopleScreen,
        "History screen": HistoryScreen,
    }
    names = {"+": "plus", "-": "minus", "/": "slash", "[": "left_square_bracket"}
    names |= {"]": "right_square_bracket", "esc": "escape"}
    assert len(rows) >= 8
    for row in rows:
        keys_cell, does = row.strip("|").split("|", 1)
        where = does.strip().split(":", 1)[0]
        screen = screens.get(where)
        keys = {k for b in APP_BINDINGS if isinstance(b, Binding) for k in b.key.split(",")}
        keys |= {"ctrl+p"}  # Textual's command palette
        if screen is not None:
            keys |= {b.key for b in screen.BINDINGS if isinstance(b, Binding)}
        for key in re.findall(r"`([^`]+)`", keys_cell):
            if key in {"enter"}:  # opens the row under the cursor (the table's own key)
                continue
            assert names.get(key, key) in keys, f"README: {key} on {where or 'every screen'}"


async def test_scenario_descriptions_end_at_a_whole_word_when_the_screen_is_narrow(
    tiny: Path,
) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        table = app.screen.query_one("#scenarios-table", DataTable)
        await wait_for(pilot, lambda: table.row_count > 0 and table.size.width > 0)
        await pilot.pause(0.2)
        column = table.columns[list(table.columns)[-1]]
        descriptions = [str(table.get_row_at(r)[-1]) for r in range(table.row_count)]
        assert all(len(d) <= column.content_width for d in descriptions)
        shortened = [d for d in descriptions if d.endswith("…")]
        assert shortened  # the library's descriptions are longer than 80 columns allow
        words = {w for e in app.screen.entries.values() for w in e.description.split()}
        assert all(d[:-1].split()[-1] in words for d in shortened)  # whole words only
