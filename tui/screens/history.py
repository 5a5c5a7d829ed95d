"""History: past runs, comparisons and studies from the run history, newest first; open one."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from rich.console import JustifyMethod
from rich.markup import escape
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from sim.formatting import DASH, format_value, kpi_of
from sim.store import Entry, RunStore
from tui.screens.base import WorkbenchScreen
from tui.widgets.entry import EntryView, Opened, read_entry, wall, when
from tui.widgets.scrolling import DataTable
from tui.widgets.tiles import headline, tile_label

LISTED = 500
"""Newest entries the list reads (the CLI's `runs list --limit` reads further back)."""


WORKSHOP = "In a workshop the run history is not shown: your what-ifs and runs are in your space."


@dataclass(frozen=True)
class Listing:
    """The store as the list shows it (read in a worker thread)."""

    path: Path | None
    entries: list[Entry] = field(default_factory=list)
    headline: dict[int, dict[str, float]] = field(default_factory=dict)
    problem: str | None = None


def read_listing(kpis: list[str]) -> Listing:
    """The history the CLI uses (`SANDBOX_STORE`, else the user data directory); a missing file
    is an empty history and is not created by reading it."""
    store = RunStore()
    if store.off:
        return Listing(
            None, problem="The run history is off (SANDBOX_STORE=off): nothing recorded."
        )
    path = store.path
    if not path.exists():
        return Listing(path)
    try:
        store.check()
        entries = store.entries(LISTED)
        ids = [e.id for e in entries if e.id is not None]  # those with one figure (`headline`)
        return Listing(path, entries, store.headline(ids, kpis))
    except Exception as error:  # a locked, damaged or foreign file: say so, keep the app
        return Listing(path, problem=f"{path}: cannot read the run history ({error})")


def two_lines(text: str) -> str:
    """A header on two lines of about equal length (split at a space)."""
    spaces = [i for i, c in enumerate(text) if c == " "]
    if not spaces:
        return text
    cut = min(spaces, key=lambda i: max(i, len(text) - i - 1))
    return f"{text[:cut]}\n{text[cut + 1 :]}"


def kpi_title(name: str) -> str:
    """`Capital\\noutflow (KZT)`: the tile's plain words with the unit (a share needs none)."""
    kpi = kpi_of(name)
    words = tile_label(kpi)
    unit = "" if kpi.unit in {"0-1", ""} else f" ({kpi.unit})"
    return two_lines(words + unit)


def fit(widths: dict[str, int], order: list[str], room: int) -> list[str]:
    """The columns that fit in `room` cells, taken in `order` of importance (two cells of
    padding each)."""
    chosen: list[str] = []
    used = 0
    for key in order:
        if used + widths[key] + 2 <= room:
            chosen.append(key)
            used += widths[key] + 2
    return chosen


class HistoryScreen(WorkbenchScreen):
    """Read past runs and comparisons without re-running them."""

    MODE = "history"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_entry", "Open", id="history.open", priority=True),
        Binding("escape", "close_entry", "Back to the list", id="history.back"),
        Binding("space", "mark", "Mark", id="history.mark"),
        Binding("d", "diff", "Diff marked", id="history.diff"),
        Binding("r", "reload", "Reload", id="history.reload"),
    ]

    def compose_body(self) -> ComposeResult:
        yield Static("Reading the run history…", id="history-title")
        yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True, header_height=2)
        yield EntryView(id="history-entry")

    def on_mount(self) -> None:
        super().on_mount()
        self.listing: Listing | None = None
        self.opened: Opened | None = None
        self.marked: list[int] = []
        self.fitted_width = 0
        self.kpis = headline()[:3]
        self.query_one(EntryView).display = False
        self.workbench.history_signal.subscribe(self, lambda _: self.action_reload())
        self.query_one(DataTable).focus()
        self.action_reload()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        self.action_reload()

    def on_resize(self) -> None:
        self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        width = self.size.width
        if width and width != self.fitted_width and self.listing:
            self._fill()
            if self.opened is not None:
                self.query_one(EntryView).show(self.opened)

    # --- reading (worker threads) --------------------------------------------------------------

    def action_reload(self) -> None:
        if self.workbench.room.workshop is not None:
            self._listed(Listing(None, problem=WORKSHOP))
            return
        kpis = list(self.kpis)
        self.run_worker(
            lambda: self.app.call_from_thread(self._listed, read_listing(kpis)),
            group="history-list",
            exclusive=True,
            thread=True,
            exit_on_error=False,
        )

    def _listed(self, listing: Listing) -> None:
        self.listing = listing
        known = {e.id for e in listing.entries}
        self.marked = [m for m in self.marked if m in known]
        self._fill()
        self.refresh_bindings()

    def _open(self, entry_id: int, other_id: int | None = None) -> None:
        listing = self.listing
        if listing is None or listing.path is None:
            return
        path = listing.path
        self.run_worker(
            lambda: self.app.call_from_thread(self._read, read_entry(path, entry_id, other_id)),
            group="history-entry",
            exclusive=True,
            thread=True,
            exit_on_error=False,
        )

    def _read(self, opened: Opened | str) -> None:
        if isinstance(opened, str):
            self.notify(opened, title="Cannot open", severity="error")
            return
        self.opened = opened
        view = self.query_one(EntryView)
        self.query_one(DataTable).display = False
        view.display = True
        view.show(opened)
        self.set_focus(view)
        self._title()
        self.refresh_bindings()

    # --- the list ------------------------------------------------------------------------------

    def _title(self) -> None:
        listing = self.listing
        text = "Reading the run history…"
        if listing is not None:
            where = escape(str(listing.path)) if listing.path else ""
            if listing.problem:
                text = f"[$text-error]{escape(listing.problem)}[/]"
            elif not listing.entries:
                text = (
                    f"No runs recorded yet in [b]{where}[/]. A run (3, space) or a comparison "
                    "(ctrl+g) made here, or any `sandbox` command, is recorded there."
                )
            elif self.opened is not None:
                text = f"From [b]{where}[/], nothing re-run · [b]esc[/] back to the list"
            else:
                count = len(listing.entries)
                marks = f" · {len(self.marked)} marked" if self.marked else ""
                text = (
                    f"[b]{count}[/] entr{'y' if count == 1 else 'ies'} in [b]{where}[/], newest "
                    f"first{marks} · [b]enter[/] opens one · [b]space[/] marks two, [b]d[/] diffs"
                )
        self.query_one("#history-title", Static).update(text)

    def _cells(self, entry: Entry) -> dict[str, str]:
        assert self.listing is not None
        values = self.listing.headline.get(entry.id or 0, {})
        mark = "•" if entry.id in self.marked else " "
        cells = {
            "id": f"{mark}{entry.id}",
            "kind": entry.kind,
            "scenario": entry.name,
            "when": when(entry)[5:16],
            "status": entry.status,
            "wall": wall(entry),
        }
        for name in self.kpis:
            shown = name in values
            cells[name] = format_value(name, values[name]) if shown else DASH
        return cells

    def _fill(self) -> None:
        """One line an entry; the columns that fit, most useful first; the scenario's name ends
        with … when its column is narrow."""
        table = self.query_one(DataTable)
        listing = self.listing
        row = table.cursor_row
        table.clear(columns=True)
        self.fitted_width = self.size.width
        self._title()
        if listing is None or not listing.entries:
            return
        titles = {"id": "#", "kind": "kind", "scenario": "scenario", "when": "when (UTC)"}
        titles |= {"status": "status", "wall": "wall\ntime"}
        titles |= {name: kpi_title(name) for name in self.kpis}
        rows = [self._cells(e) for e in listing.entries]
        widths = {
            key: max(max(len(line) for line in title.split("\n")), *(len(r[key]) for r in rows))
            for key, title in titles.items()
        }
        widths["scenario"] = min(widths["scenario"], 12)
        room = (table.size.width or self.size.width or 80) - 2  # the scrollbar
        order = ["id", "kind", "scenario", "when", *self.kpis[:2], "status", *self.kpis[2:], "wall"]
        chosen = fit(widths, order, room)
        spare = room - sum(widths[k] + 2 for k in chosen)
        names = max(len(r["scenario"]) for r in rows)
        widths["scenario"] = min(names, widths["scenario"] + spare)
        shown = [k for k in titles if k in chosen]
        for key in shown:
            table.add_column(titles[key], key=key, width=widths[key])
        for entry, cells in zip(listing.entries, rows, strict=True):
            texts = []
            for key in shown:
                text = cells[key]
                if key == "scenario" and len(text) > widths[key]:
                    text = text[: widths[key] - 1] + "…"
                failed = key == "status" and text != "ok"
                justify: JustifyMethod = (
                    "left" if key in {"kind", "scenario", "when", "status"} else "right"
                )
                texts.append(Text(text, style="red" if failed else "", justify=justify))
            table.add_row(*texts, key=str(entry.id))
        if table.row_count:
            table.move_cursor(row=max(0, min(row, table.row_count - 1)))

    def _selected(self) -> int | None:
        table = self.query_one(DataTable)
        if not table.row_count or not table.display:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return int(str(key))

    # --- actions -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        listing = self.listing if hasattr(self, "listing") else None
        has_rows = listing is not None and bool(listing.entries)
        reading = getattr(self, "opened", None) is not None
        rules = {
            "open_entry": has_rows and not reading,
            "close_entry": reading,
            "mark": has_rows and not reading,
            "diff": len(getattr(self, "marked", [])) == 2 and not reading,
            "reload": not reading,
        }
        return rules.get(action, True)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "history-table":
            self.action_open_entry()

    def action_open_entry(self) -> None:
        entry_id = self._selected()
        if entry_id is not None:
            self._open(entry_id)

    def action_close_entry(self) -> None:
        self.opened = None
        self.query_one(EntryView).display = False
        table = self.query_one(DataTable)
        table.display = True
        self.set_focus(table)
        self._title()
        self.refresh_bindings()

    def action_mark(self) -> None:
        entry_id = self._selected()
        if entry_id is None:
            return
        if entry_id in self.marked:
            self.marked.remove(entry_id)
        else:
            self.marked = [*self.marked[-1:], entry_id]  # the last two marked
        self._fill()
        self.refresh_bindings()

    def action_diff(self) -> None:
        if len(self.marked) == 2:
            first, second = sorted(self.marked)
            self._open(first, second)
