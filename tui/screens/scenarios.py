"""Scenarios: the library under configs/ and the what-ifs saved under whatifs/, one line each."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from sim import ScenarioError, load_scenario
from sim.library import Entry, entries, library
from tui.screens.base import WorkbenchScreen
from tui.session import WHATIF_DIR, Session, readable_folders
from tui.widgets.scrolling import DataTable


def saved_whatifs(folder: Path = WHATIF_DIR) -> list[Entry]:
    """The what-ifs saved in ./whatifs, newest first."""
    if not folder.is_dir():
        return []
    paths = sorted(folder.glob("*.yaml"), key=lambda p: p.stat().st_mtime, reverse=True)
    return entries(paths, readable_folders())


def shorten(text: str, width: int) -> str:
    """`text` in `width` cells, ending at a whole word with `…` when it is longer."""
    if len(text) <= width:
        return text
    cut = text[: width - 1].rsplit(" ", 1)[0].rstrip(" ,;:—-")
    return cut + "…"


class ScenariosScreen(WorkbenchScreen):
    """Pick a scenario to open, or start a new what-if from it."""

    MODE = "scenarios"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="scenarios.open", priority=True),
        Binding("w", "new_whatif", "New what-if from this", id="scenarios.new_whatif"),
        Binding("r", "open_run", "Open and run", id="scenarios.open_run"),
        Binding("l", "reload", "Reload list", id="scenarios.reload", show=False),
    ]

    def compose_body(self) -> ComposeResult:
        yield Static(
            "Pick a scenario: [b]enter[/] opens it in the Editor, [b]w[/] starts a new what-if "
            "from it, [b]r[/] opens it and runs it.",
            id="scenarios-intro",
        )
        yield DataTable(id="scenarios-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="scenario-detail")

    fitted_width = 0

    def on_mount(self) -> None:
        super().on_mount()
        self.action_reload()
        self.query_one(DataTable).focus()

    def on_resize(self) -> None:
        self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        table = self.query_one(DataTable)
        if table.size.width and table.size.width != self.fitted_width:
            row = table.cursor_row
            self._fill()
            if table.row_count:
                table.move_cursor(row=min(row, table.row_count - 1))

    def action_reload(self) -> None:
        self.entries = {str(e.path): e for e in [*library(), *saved_whatifs()]}
        self._fill()

    def _fill(self) -> None:
        """One line a scenario; a description longer than its column ends at a word with `…`
        (the whole of it shows below, for the scenario under the cursor)."""
        table = self.query_one(DataTable)
        table.clear(columns=True)
        self.fitted_width = table.size.width
        names = [entry.name for entry in self.entries.values()]
        name_width = max([len("scenario"), *map(len, names)])
        room = max(20, (table.size.width or 80) - name_width - 6)  # paddings, scrollbar
        table.add_column("scenario", key="scenario", width=name_width)
        table.add_column("what it is", key="what", width=room)
        current = self.workbench.session.saved_to or self.workbench.session.base_path
        for key, entry in self.entries.items():
            text = entry.description or entry.error or ""
            table.add_row(entry.name, shorten(text, room), key=key)
            if Path(key).resolve() == Path(current).resolve():
                table.move_cursor(row=table.row_count - 1)
        self._detail()

    def _selected(self) -> Entry | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.entries.get(str(key))

    def on_data_table_row_highlighted(self) -> None:
        self._detail()

    def _detail(self) -> None:
        entry = self._selected()
        detail = self.query_one("#scenario-detail", Static)
        if entry is None:
            detail.update("No scenarios found under ./configs.")
            return
        text = f"[b]{entry.name}[/]  [dim]{_short(entry.path)}[/]\n{entry.description}"
        if entry.error:
            text += f"\n[$text-error]{entry.error}[/]"
        detail.update(text)

    def action_open(self) -> None:
        if (entry := self._selected()) is not None:
            self.workbench.open_scenario(entry.path, "editor")

    def action_open_run(self) -> None:
        if (entry := self._selected()) is not None and self.workbench.open_scenario(
            entry.path, "editor"
        ):
            self.workbench.action_run_start()

    def action_new_whatif(self) -> None:
        entry = self._selected()
        if entry is None:
            return
        try:
            scenario = load_scenario(entry.path, (), readable_folders())
        except ScenarioError as error:
            self.notify("\n".join(error.problems[:5]), title="Cannot open", severity="error")
            return
        app = self.workbench
        app.session = Session(entry.path, scenario, owner=app.room.owner)
        app.session.apply(scenario, {})
        app.session_signal.publish(True)
        app.refresh_bindings()
        app.switch_mode("editor")
        self.notify(f"New what-if on {entry.name}: change any value.", title="What-if")


def _short(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
