"""Compare: baseline vs what-if on common random numbers; each KPI's change with its 95% CI."""

from __future__ import annotations

import time
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import ProgressBar, Static, Tab, Tabs

from sim import Comparison, Scenario
from sim.fields import describe_changes
from sim.formatting import format_change, format_interval, format_value, label
from sim.report import METHOD, plain_summary
from sim.summary import KPIS
from tui.exports import answered
from tui.screens.base import TabbedScreen, tab_id
from tui.widgets.charts import CHARTS, SeriesChart
from tui.widgets.scrolling import DataTable, VerticalScroll
from tui.widgets.tiles import headline

HEADERS = ("KPI", "baseline", "what-if", "change", "95% CI of change")
"""The comparison table's columns when there is room for all of them."""


COMPARE_FIRST = {"outflow": 0, "wait": 1, "volume": 2}
"""Charts a policy question usually asks about come first in Compare (the rest scroll)."""


def ordered(names: list[str]) -> list[str]:
    """Headline KPIs first, then the rest in the engine's order (unknown names last)."""
    first = [n for n in headline() if n in names]
    rest = [k.name for k in KPIS if k.name in names and k.name not in first]
    return first + rest + [n for n in names if n not in first and n not in rest]


class CompareTable(DataTable[Text]):
    """The comparison's table; it refits its columns when its width changes."""

    fitted_width = 0

    def on_resize(self) -> None:
        if self.size.width != self.fitted_width and isinstance(self.screen, CompareScreen):
            self.screen.call_after_refresh(self.screen.fit_table)


class CompareScreen(TabbedScreen):
    """Run the baseline and the what-if side by side and read what changed."""

    MODE = "compare"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+g", "app.compare", "Compare", id="compare.start"),
        Binding("x", "app.stop_compare", "Stop", id="compare.stop"),
        Binding("plus", "app.replications(1)", "More reps", id="compare.more", key_display="+"),
        Binding(
            "equals_sign", "app.replications(1)", "More reps", id="compare.more_eq", show=False
        ),
        Binding("minus", "app.replications(-1)", "Fewer reps", id="compare.fewer", key_display="-"),
        Binding("m", "app.export_report", "Report", id="export.report"),
        Binding("e", "app.export_comparison", "Export", id="export.comparison"),
    ]

    def compose_body(self) -> ComposeResult:
        yield Static("", id="compare-title")
        with Horizontal(id="compare-progress-row"):
            yield ProgressBar(total=1.0, show_eta=False, id="compare-progress")
            yield Static("", id="compare-note")
        yield Tabs(
            Tab("Table", id=tab_id("compare-table")),
            Tab("What changed", id=tab_id("compare-summary")),
            Tab("Charts", id=tab_id("compare-charts")),
            id="compare-tabs",
        )
        with Horizontal(id="compare-panels"):
            with Vertical(id="compare-left"):
                yield Static("", id="compare-waiting")
                yield CompareTable(id="compare-table", cursor_type="row", zebra_stripes=True)
                yield Static("", id="compare-summary")
            with VerticalScroll(id="compare-charts", classes="chart-grid"):
                for spec in sorted(CHARTS, key=lambda c: COMPARE_FIRST.get(c.key, 9)):
                    yield SeriesChart(spec, id=f"cmp-{spec.key}")

    def on_mount(self) -> None:
        super().on_mount()
        self.current_panel = "compare-table"
        self._shown: Comparison | None = None
        self._texts: dict[str, str] = {}
        """What each Static shows (`_show`)."""
        self.workbench.compare_signal.subscribe(self, lambda _: self.show_comparison())
        self.set_interval(1.0, self._tick)
        self.show_comparison()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        self.show_comparison()

    def session_changed(self, opened: bool) -> None:
        if self.is_mounted and hasattr(self, "_shown"):
            self.show_comparison()

    def _layout_panels(self) -> None:
        wide, panel = self.wide, self.current_panel or "compare-table"
        self.query_one("#compare-left").display = wide or panel != "compare-charts"
        self.query_one("#compare-table").display = wide or panel == "compare-table"
        self.query_one("#compare-summary").display = wide or panel == "compare-summary"
        self.query_one("#compare-charts").display = wide or panel == "compare-charts"

    def show_comparison(self) -> None:
        app = self.workbench
        session, job = app.session, app.compare_job
        reps = job.replications if job else app.replications
        if not session.is_whatif:
            title = (
                f"Baseline [b]{session.baseline.name}[/]. Change a value in the Editor (2), then "
                "[b]ctrl+g[/] runs the what-if beside the baseline."
            )
        else:
            title = (
                f"What-if [b]{session.default_name()}[/] vs baseline [b]{session.baseline.name}[/]"
                f" · {reps} paired replications, common random numbers (seed "
                f"{session.baseline.run.seed}) · [b]ctrl+g[/] runs · [b]+/-[/] replications"
            )
        if app.compare_aligned and session.is_whatif:
            title += f"\n[$text-warning]{app.compare_aligned}[/]"
        self._show("#compare-title", title)
        fraction, note = app.compare_progress
        bar = self.query_one(ProgressBar)
        bar.update(progress=fraction)
        shown = app.comparison
        if job is not None:
            left = time_left(job.eta())
            note = f"{note} · {_duration(_elapsed(job.started))} so far{left} · x stops, keeps"
            shown = job.partial or None
        elif app.compare_error:
            note = f"✗ {app.compare_error}"
        elif app.comparison is not None and fraction >= 1:
            note = f"done: {len(app.comparison.baseline.replications)} replications a side"
            if app.comparison.remembered:
                note += (
                    f" ({app.comparison.remembered} remembered from earlier, run ahead or by an "
                    "earlier comparison: same scenario, seed and replication, not run again)"
                )
        elif note or app.comparison is not None:
            pass  # what the last comparison left to say (stopped, say) stays
        elif app.ahead is not None:
            note = (
                f"running the baseline's replications ahead while you edit: {app.ahead_ready}/"
                f"{app.ahead.replications} ready (lowest CPU priority); ctrl+g then runs only the "
                "what-if's side"
            )
        elif app.ahead_ready:
            note = f"the baseline's {app.ahead_ready} replications are ready: ctrl+g runs the rest"
        self._show("#compare-note", note)
        waiting = self.query_one("#compare-waiting", Static)
        waiting.display = job is not None and shown is None
        if shown is not self._shown:
            self._shown = shown
            self._fill(shown)
        if job is not None and shown is None:  # the first pair runs: say what is compared
            text = _first_pair(job.baseline, job.reform, job.replications)
            self._show("#compare-waiting", text)
            self._show("#compare-summary", text)
        self.refresh_bindings()

    def _show(self, selector: str, text: str) -> None:
        """Show `text` (markup) in a Static, unless it shows it already: each update is parsed
        and drawn again, and this screen is shown again at every switch to it, and every second
        while a comparison runs."""
        if self._texts.get(selector) != text:
            self._texts[selector] = text
            self.query_one(selector, Static).update(text)

    def _layout(self) -> None:
        self._layout_panels()
        self.call_after_refresh(self.fit_table)

    def fit_table(self) -> None:
        """Refit the table's columns to its width, if that changed since it was filled."""
        table = self.query_one(CompareTable)
        shown = getattr(self, "_shown", None)
        if shown is not None and table.size.width and table.size.width != table.fitted_width:
            self._fill_table(shown)

    def _fill_table(self, comparison: Comparison | None) -> None:
        """Each KPI in plain words with its unit; columns sized to their content and the room.

        When the change and its 95% CI do not fit side by side, the CI goes under the change;
        a long KPI name wraps onto a second line rather than being cut.
        """
        table = self.query_one(CompareTable)
        table.clear(columns=True)
        if comparison is None:
            return
        table.fitted_width = table.size.width  # 0 until laid out: refitted on its first resize
        rows = []
        for name in ordered(list(comparison.changes)):
            change = comparison.changes[name]
            mark = "★ " if change.significant else "  "
            rows.append(
                (
                    name,
                    change.significant,
                    mark + label(name),
                    format_value(name, change.baseline.mean),
                    format_value(name, change.reform.mean),
                    format_change(name, change.difference.mean, change.baseline.mean),
                    format_interval(name, change.difference.ci95),
                )
            )
        room = (table.size.width or 80) - 2  # the scrollbar
        values = [r[3:] for r in rows]  # the columns after the KPI's
        widths = [max([len(h)] + [len(v[i]) for v in values]) for i, h in enumerate(HEADERS[1:])]
        label_room = room - sum(w + 2 for w in widths) - 2
        longest = max([len(r[2]) for r in rows] + [3])
        split = label_room >= min(longest, 28)
        headers: tuple[str, ...]
        if split:
            headers = HEADERS
            kpi_width = min(longest, label_room)
            widths = [kpi_width, *widths]
        else:
            headers = (*HEADERS[:3], "change, 95% CI")
            change_width = max(widths[2], widths[3], len(headers[3]))
            kpi_width = max(14, room - widths[0] - widths[1] - change_width - 8)
            widths = [kpi_width, widths[0], widths[1], change_width]
        for header, width in zip(headers, widths, strict=True):
            table.add_column(header, key=header, width=width)
        for name, significant, *cells in rows:
            style = "bold" if significant else ""
            if not split:
                cells = [*cells[:3], f"{cells[3]}\n{cells[4]}"]
            table.add_row(*(Text(c, style=style) for c in cells), key=name, height=None)

    def _tick(self) -> None:
        """While a comparison runs, the elapsed time and the estimate keep moving."""
        if self.workbench.compare_job is not None and self.is_attached:
            self.show_comparison()

    def _fill(self, comparison: Comparison | None) -> None:
        self.query_one(DataTable).clear(columns=True)
        if comparison is None:
            self._show("#compare-summary", "No comparison yet.")
            for chart in self.query(SeriesChart):
                chart.show_pair({})
            return
        self._fill_table(comparison)
        b, r = comparison.baseline.scenario, comparison.reform.scenario
        lines = [
            f"[b]{r.name} vs {b.name}[/], "
            f"{len(comparison.baseline.replications)} paired replications",
            "",
        ]
        lines += [f"• {line}" for line in plain_summary(comparison, pinned=answered(comparison))]
        lines += [
            "",
            f"[dim]★ {METHOD}. m writes a report.[/]",
        ]
        self._show("#compare-summary", "\n".join(lines))
        runs = {
            "baseline": [rep.rows for rep in comparison.baseline.replications],
            "what-if": [rep.rows for rep in comparison.reform.replications],
        }
        for chart in self.query(SeriesChart):
            chart.show_pair(runs)


def _first_pair(baseline: Scenario, reform: Scenario, replications: int) -> str:
    """What is known while the first pair of replications runs: what is being compared."""
    changes = describe_changes(baseline, reform) or ["nothing: the two scenarios are the same"]
    return "\n".join(
        [
            f"[b]None of the {replications} pairs of replications has finished yet[/] (progress "
            "above): each KPI's change shows here as soon as the first pair finishes, with its "
            "95% CI from the second pair on.",
            "",
            f"[b]What the what-if changes[/] against {baseline.name}:",
            *(f"• {line}" for line in changes),
        ]
    )


def _elapsed(started: float) -> float:
    return time.perf_counter() - started


def time_left(eta: float | None) -> str:
    """ ", about 12 s left" from the comparison's estimate; nothing before it has one, and
    "almost done" once it rounds to nothing (not "about 0 s left")."""
    if eta is None:
        return ""
    return ", almost done" if eta < 0.5 else f", about {_duration(eta)} left"


def _duration(seconds: float) -> str:
    """12 s, 3 min 05 s."""
    seconds = round(seconds)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"
