"""People: the synthetic people of the dashboard's run; one person's timeline and reasons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from sim.people import PersonRow, Step
from tui.screens.base import WorkbenchScreen
from tui.widgets.scrolling import DataTable, VerticalScroll
from tui.widgets.text_input import TextInput

PAGE = 100
SEARCH_LIMIT = 200


COLUMNS = ("#", "name", "IIN", "resident", "channel", "outcome")
"""The people table's columns, in order."""


class PeopleScreen(WorkbenchScreen):
    """A page of people at a time, or those matching a search; enter opens a timeline."""

    MODE = "people"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", id="people.search", key_display="/"),
        Binding("right_square_bracket", "page(1)", "Next page", id="people.next", key_display="]"),
        Binding("left_square_bracket", "page(-1)", "Prev page", id="people.prev", key_display="["),
        Binding("r", "reload", "Refresh", id="people.refresh"),
        Binding("escape", "leave_search", "Leave search", id="people.search_leave"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.page, self.total = 0, 0
        self.searching = ""
        """The words being searched for while a search runs (empty otherwise)."""
        self.to_list = False
        """Whether the list takes the focus when the rows come (enter in the search)."""
        self.rows: list[PersonRow] = []
        self.fitted_width = 0
        self.timeline_steps: list[Step] = []
        self.listing: tuple[int, tuple[str, ...]] = (-1, ())
        """The first person and the search words of the rows shown."""

    def compose_body(self) -> ComposeResult:
        yield Static("", id="people-title")
        yield TextInput(
            placeholder="search: name, IIN, #id, channel or outcome (e.g. rejected); enter",
            id="people-search",
            compact=True,
        )
        with Horizontal(id="people-body"):
            yield PeopleTable(id="people-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="timeline-box"):
                yield Static("Pick a person (enter) to see their timeline.", id="timeline")

    def on_mount(self) -> None:
        super().on_mount()
        self._fit_columns()
        self.query_one("#people-table").focus()
        self.action_reload()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        if self.is_mounted:
            self.action_reload()

    def _ask(self, question: Callable[[], Any], then: Callable[[Any], None], about: str) -> None:
        """Ask the simulation (it may be running) in a thread; hand the answer to `then`.

        A newer question `about` the same thing (the rows, or the timeline) cancels the one
        before, and a cancelled question's answer is dropped: an old page can never land over a
        newer one, or move the cursor the user has just moved."""

        def work() -> None:
            worker = get_current_worker()
            try:
                answer = question()
            except Exception as error:  # e.g. the run was replaced meanwhile
                if not worker.is_cancelled:
                    self.app.call_from_thread(self.notify, str(error), severity="warning")
                    self.app.call_from_thread(self._stop_loading)
                return
            if not worker.is_cancelled:
                self.app.call_from_thread(then, answer)

        self.run_worker(work, thread=True, group=about, exclusive=True, exit_on_error=False)

    @property
    def asking(self) -> bool:
        """Whether a question about the rows or a timeline is still on its way."""
        return any(w.node is self and not w.is_finished for w in self.app.workers)

    def _stop_loading(self) -> None:
        self.searching, self.to_list = "", False
        self.query_one("#people-table", DataTable).loading = False

    def action_reload(self) -> None:
        words = self.query_one("#people-search", Input).value.lower().split()
        count = SEARCH_LIMIT if words else PAGE
        start = self.page * PAGE
        if words:  # a search reads every person of the run: say so while it works
            self.searching = " ".join(words)
            self.query_one("#people-title", Static).update(
                f"Searching for “{self.searching}” among the run's people…"
            )
            self.query_one("#people-table", DataTable).loading = True
        listing = (start, tuple(words))
        self._ask(
            lambda: self.workbench.runner.people(start, count, words),
            lambda answer: self._show_rows(answer, listing),
            about="rows",
        )

    def _show_rows(
        self, answer: tuple[int, list[PersonRow]] | None, listing: tuple[int, tuple[str, ...]]
    ) -> None:
        title = self.query_one("#people-title", Static)
        table = self.query_one("#people-table", DataTable)
        table.loading = False
        if self.to_list:
            self.to_list = False
            table.focus()
        self.searching = ""
        cursor = table.cursor_row if listing == self.listing else 0
        self.listing = listing
        table.clear()
        if answer is None:
            title.update(
                "No run yet. Start one on the Run dashboard ([b]3[/], then [b]space[/]); "
                "its people appear here, even while it runs."
            )
            return
        self.total, self.rows = answer
        app = self.workbench
        name = app.runner.scenario.name if app.runner.scenario else ""
        search = self.query_one("#people-search", Input).value.strip()
        pages = max(1, -(-self.total // PAGE))
        where = (
            f"{len(self.rows)} matching “{search}”"
            if search
            else f"page {self.page + 1} of {pages} (\\[ ] turn)"
        )
        title.update(f"People of [b]{name}[/]: {self.total:,} so far · {where}")
        self._fill_table()
        if table.row_count:  # a refresh of the same page or search keeps the user's place
            table.move_cursor(row=min(cursor, table.row_count - 1))
        self.refresh_bindings()

    def _cells(self) -> list[dict[str, str]]:
        return [
            {
                "#": str(row.id),
                "name": row.name,
                "IIN": row.iin,
                "resident": "yes" if row.resident else "no",
                "channel": row.channel,
                "outcome": row.outcome,
            }
            for row in self.rows
        ]

    def _fit_columns(self) -> list[str]:
        """Columns sized to their content; when they do not all fit, `resident` and then `IIN`
        give way (the timeline shows both) so channel and outcome always show whole."""
        table = self.query_one("#people-table", DataTable)
        cells = self._cells()
        widths = {c: max([len(c)] + [len(row[c]) for row in cells]) for c in COLUMNS}
        room = (table.size.width or 80) - 2  # the scrollbar
        shown = list(COLUMNS)
        for column in ("resident", "IIN"):
            if sum(widths[c] + 2 for c in shown) > room:
                shown.remove(column)
        table.clear(columns=True)
        for column in shown:
            table.add_column(column, key=column, width=widths[column])
        self.fitted_width = table.size.width
        return shown

    def _fill_table(self) -> None:
        table = self.query_one("#people-table", DataTable)
        shown = self._fit_columns()
        for row, cells in zip(self.rows, self._cells(), strict=True):
            table.add_row(*(cells[c] for c in shown), key=str(row.id))

    def _refit(self) -> None:
        """Fit the columns again if the table's width changed since they were fitted."""
        table = self.query_one("#people-table", DataTable)
        if table.size.width and table.size.width != self.fitted_width:
            cursor = table.cursor_row
            self._fill_table()
            if table.row_count:
                table.move_cursor(row=min(cursor, table.row_count - 1))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Search, and go to the list for enter to open a person: when the rows have come (a
        table showing that it is loading cannot take the focus)."""
        self.to_list = True
        self.page = 0
        self.action_reload()
        self.query_one("#people-table").focus()

    def action_search(self) -> None:
        self.to_list = False  # back to the words before the rows came: the focus stays there
        self.query_one("#people-search", Input).focus()

    def action_leave_search(self) -> None:
        """Back to the list and the screen's keys, the words kept (enter searches with them)."""
        self.query_one("#people-table").focus()

    def action_page(self, delta: int) -> None:
        pages = max(1, -(-self.total // PAGE))
        self.page = max(0, min(pages - 1, self.page + delta))
        self.action_reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_search":
            return self.focused is not None and self.focused.id == "people-search"
        if action == "page":
            searching = bool(self.query_one("#people-search", Input).value.strip())
            return not searching and self.total > PAGE
        return True

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.open_person(int(event.row_key.value))

    def open_person(self, pid: int) -> None:
        """Show one person's timeline, with the reason behind each decision."""
        self.query_one("#timeline", Static).update(f"Loading #{pid}…")
        runner = self.workbench.runner
        self._ask(lambda: (pid, runner.timeline(pid)), self._show_timeline, about="timeline")

    def _show_timeline(self, answer: tuple[int, list[Step] | None]) -> None:
        pid, steps = answer
        if steps is None:
            return
        row = next((r for r in self.rows if r.id == pid), None)
        text = Text()
        if row is not None:
            resident = "resident" if row.resident else "non-resident"
            text.append(f"{row.name}", style="bold")
            text.append(f"  #{pid}  IIN {row.iin}  {resident}\n")
            text.append(f"channel {row.channel}, outcome {row.outcome}\n\n")
        if not steps:
            text.append("Nothing recorded for this person yet.")
        for step in steps:
            hour = step.t % 24
            text.append(
                f"{step.date.isoformat()} {int(hour):02d}:{int(hour % 1 * 60):02d}  ", style="bold"
            )
            text.append(step.what + "\n")
            if step.reason:
                text.append(f"    because {step.reason}\n", style="italic")
        self.query_one("#timeline", Static).update(text)
        self.timeline_steps = steps


class PeopleTable(DataTable[str]):
    """The people table. It asks its screen to fit the columns again whenever its own width
    changes: at 120 columns and more the screen puts the timeline beside the table instead of
    under it, which narrows the table without the screen itself being resized."""

    def on_resize(self) -> None:
        screen = self.screen
        if isinstance(screen, PeopleScreen):
            screen.call_after_refresh(screen._refit)
