"""Run dashboard: simulated date, run controls, live KPI tiles, charts, KYC funnel, event log."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Input, Static, Tab, Tabs

from tui.screens.base import TabbedScreen, tab_id
from tui.widgets.charts import CHARTS, SeriesChart
from tui.widgets.eventlog import EventLog
from tui.widgets.funnel import Funnel
from tui.widgets.scrolling import VerticalScroll
from tui.widgets.tiles import KpiTiles

ICONS = {
    "idle": "■",
    "starting": "…",
    "running": "▶",
    "paused": "❚❚",
    "finished": "✔",
    "stopped": "■",
    "failed": "✗",
}


PART_GAP = 0.01
"""Seconds between the parts of a snapshot shown while running: a frame (at 120 a second) each."""


class DashboardScreen(TabbedScreen):
    """Watch a run as it goes; pause, step a day, change speed or stop at any moment."""

    MODE = "dashboard"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "app.run_start", "Run", id="run.start"),
        Binding("space", "app.pause", "Pause", id="run.pause"),
        Binding("space", "app.resume", "Resume", id="run.resume"),
        Binding("n", "app.step", "Step day", id="run.step"),
        Binding("plus", "app.faster", "Faster", id="run.faster", key_display="+"),
        Binding("equals_sign", "app.faster", "Faster", id="run.faster_eq", show=False),
        Binding("minus", "app.slower", "Slower", id="run.slower", key_display="-"),
        Binding("x", "app.stop", "Stop", id="run.stop"),
        Binding("ctrl+r", "app.run_restart", "Restart", id="run.restart", show=False),
        Binding("e", "app.export_results", "Export", id="export.results"),
        Binding("slash", "filter_events", "Filter", id="run.filter", key_display="/"),
        Binding("escape", "leave_filter", "Leave filter", id="run.filter_leave"),
    ]

    def compose_body(self) -> ComposeResult:
        yield Static("", id="run-status")
        yield KpiTiles(id="tiles")
        yield Static("", id="run-error")
        yield Tabs(
            Tab("Charts", id=tab_id("charts")),
            Tab("KYC funnel", id=tab_id("funnel")),
            Tab("Events", id=tab_id("events")),
            id="dash-tabs",
        )
        with Horizontal(id="dash-panels"):
            with VerticalScroll(id="charts", classes="chart-grid"):
                for spec in CHARTS:
                    yield SeriesChart(spec, id=f"chart-{spec.key}")
            with Vertical(id="side"):
                yield Funnel(id="funnel")
                yield EventLog(id="events")

    def on_mount(self) -> None:
        super().on_mount()
        self.workbench.run_signal.subscribe(self, lambda _: self.show_run())
        self.current_panel = "charts"
        self.chart_turn = 0
        self.charted: object = None
        self.status_parts: list[str | tuple[str, str]] = []
        """What the status line shows."""
        self.parts_due: list[Callable[[], None]] = []
        """The parts of the screen still to be shown from the latest snapshot while running."""
        self.rest_due = False
        """All but the status line is yet to be shown (when not running)."""
        """The snapshot the last chart was drawn from."""
        self.show_run()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        self.show_run()

    def _layout(self) -> None:
        # the tiles sit in one row of eight when each gets at least 19 cells (their longest
        # label and value), else in two rows of four
        self.query_one(KpiTiles).set_class(self.size.width >= 8 * 20 + 2, "-one-row")
        wide, panel = self.wide, self.current_panel or "charts"
        self.query_one("#charts").display = wide or panel == "charts"
        self.query_one("#side").display = wide or panel != "charts"
        self.query_one("#funnel").display = wide or panel == "funnel"
        self.query_one("#events").display = wide or panel == "events"

    def action_filter_events(self) -> None:
        if not self.wide:
            self.query_one(Tabs).active = tab_id("events")
        self.query_one("#event-filter").focus()

    def action_leave_filter(self) -> None:
        """Back to the screen's keys with the filter kept (the log stays filtered): the focus
        goes where it is when the screen is shown, on the tabs when they show."""
        self.set_focus(None if self.wide else self.query_one(Tabs))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the filter leaves it too: the log is filtered as typed."""
        if event.input.id == "event-filter":
            event.stop()
            self.action_leave_filter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_filter":
            return self.focused is not None and self.focused.id == "event-filter"
        return True

    def show_run(self) -> None:
        """Redraw from the app's latest run state and snapshot."""
        app = self.workbench
        state, snapshot = app.run_state, app.snapshot
        scenario = app.runner.scenario
        status = state.status
        # assembled, not markup: parsing markup took the UI thread longer than all the rest of
        # a snapshot's handling, five times a second
        parts: list[str | tuple[str, str]] = [f"{ICONS.get(status, '')} ", (status, "bold")]
        if scenario is None:
            parts += [
                "  press ",
                ("space", "bold"),
                " to run the scenario in hand, ",
                ("n", "bold"),
                " to go one day at a time",
            ]
        else:
            day = snapshot.day if snapshot else 0
            days = snapshot.days if snapshot else scenario.run.days
            date = snapshot.date if snapshot else scenario.run.start_date
            width = 20 if self.wide else 10
            filled = round(width * day / days) if days else 0
            name = f" · {scenario.name}" if self.wide else ""
            parts += [
                " ",
                (date.isoformat(), "bold"),
                f" day {day}/{days} ",
                ("█" * filled, "$accent"),
                ("░" * (width - filled), "$text-muted"),
                f" seed {state.seed} · {app.runner.speed}{name}",
            ]
        if parts != self.status_parts:
            self.status_parts = parts
            self.query_one("#run-status", Static).update(Content.assemble(*parts), layout=False)
        error = self.query_one("#run-error", Static)
        error.display = status == "failed"
        if status == "failed":
            error.update(
                f"✗ The run failed: {state.error}\nThe app is still usable: fix the scenario "
                "in the Editor (2) and press space to run again."
            )
        if status == "running":
            # The rest a part a frame: a key pressed meanwhile waits for one part's drawing, not
            # for all of them (a snapshot's frame took up to 40 ms, five times a second). Each
            # part shows the latest snapshot when its turn comes.
            if not self.parts_due:
                self.set_timer(PART_GAP, self._show_next_part)
            self.parts_due = [self._show_tiles, self._show_funnel, self._show_events, self._chart]
        else:  # the rest at once, in the frame after the status line's: that answers the key
            self.parts_due = []
            if not self.rest_due:
                self.rest_due = True
                self.set_timer(PART_GAP, self._show_rest)

    def _show_rest(self) -> None:
        """Everything but the status line, from the latest snapshot (when not running)."""
        self.rest_due = False
        if self.workbench.run_state.status == "running":
            return  # shown a part at a time
        self._show_tiles()
        self._show_funnel()
        self._show_events()
        snapshot = self.workbench.snapshot
        rows = snapshot.rows if snapshot else ()
        marks = sorted(self.workbench.shock_marks)
        for chart in self._charts():
            chart.show_rows(rows, marks)

    def _show_next_part(self) -> None:
        if self.parts_due:
            self.parts_due.pop(0)()
        if self.parts_due:
            self.set_timer(PART_GAP, self._show_next_part)

    def _show_tiles(self) -> None:
        snapshot = self.workbench.snapshot
        self.query_one(KpiTiles).show(snapshot.kpis if snapshot else None)

    def _show_funnel(self) -> None:
        app = self.workbench
        scenario, snapshot = app.runner.scenario, app.snapshot
        scale = scenario.population.scale_factor if scenario else 1.0
        self.query_one(Funnel).show(snapshot.funnel if snapshot else {}, scale)

    def _show_events(self) -> None:
        app = self.workbench
        scenario = app.runner.scenario
        if scenario is not None:
            self.query_one(EventLog).show(app.recent, scenario.run.start_date)

    def _charts(self) -> list[SeriesChart]:
        return [
            c
            for c in self.query(SeriesChart)
            if c.display and c.parent is not None and c.parent.display
        ]

    def _chart(self) -> None:
        """One chart a snapshot while running: no frame pays for redrawing them all, and a key
        that only changes the status (speed, pause) draws none."""
        snapshot, charts = self.workbench.snapshot, self._charts()
        if charts and snapshot is not None and snapshot is not self.charted:
            self.charted = snapshot
            self.chart_turn = (self.chart_turn + 1) % len(charts)
            charts[self.chart_turn].show_rows(snapshot.rows, sorted(self.workbench.shock_marks))
