"""Line charts of the daily timeseries (textual-plotext): one run, or baseline vs what-if."""

from __future__ import annotations

import dataclasses
import itertools
import math
import multiprocessing.util
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, cast

from plotext._dict import themes as plotext_themes
from rich.style import Style as RichStyle
from rich.text import Text
from textual.app import RenderResult
from textual.content import Content, Span
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions
from textual_plotext import PlotextPlot
from textual_plotext.plot import Plot

from sim.processes import end_pool, init_worker

Series = tuple[list[int], dict[str, list[float]]]
"""Days, and the values of each labelled line on those days."""

COLOURS = ("blue", "red", "green", "orange", "magenta", "cyan")
"""Plotext colours that read on both light and dark backgrounds."""


@dataclasses.dataclass(frozen=True)
class ChartSpec:
    """A chart of timeseries columns; `match` picks every column containing it, for new columns."""

    key: str
    title: str
    columns: tuple[tuple[str, str], ...] = ()
    """(column, legend label) pairs."""
    scale: float = 1.0
    match: str = ""
    exclude: tuple[str, ...] = ()

    def series(self, columns: Sequence[str]) -> list[tuple[str, str]]:
        found = [(c, label) for c, label in self.columns if c in columns]
        if self.match:
            found += [
                (c, c.replace("_", " "))
                for c in columns
                if self.match in c and not any(x in c for x in self.exclude)
            ]
        return found


CHARTS = (
    ChartSpec("queue", "KYC review queue (sim. people)", (("kyc_queue_length", "queue"),)),
    ChartSpec("wait", "Expected KYC wait (h)", (("kyc_expected_wait_h", "wait"),)),
    ChartSpec(
        "volume",
        "Purchases per day (M KZT)",
        (("licensed_volume_kzt", "licensed"), ("unlicensed_volume_kzt", "unlicensed")),
        1e-6,
    ),
    ChartSpec(
        "outflow",
        "Outflow so far (bn KZT)",
        (("capital_outflow_cum_kzt", "outflow"),),
        1e-9,
    ),
    ChartSpec("banks", "Exchange bank access", match="bank", exclude=("kyc",)),
)
"""The dashboard's charts; a chart whose columns the engine does not record says so."""


class SeriesChart(PlotextPlot):
    """One chart; give it rows (one run) or labelled series (a comparison).

    Plotext takes tens of milliseconds to draw a chart, and turning its drawing into the lines
    the terminal shows took as long again: both happen in a thread worker, as does reading the
    series out of the rows, so that the UI thread keeps answering keys; the widget shows the last
    finished lines as they are (`render_line`), with no work on the UI thread when it is redrawn.
    """

    def __init__(self, spec: ChartSpec, id: str | None = None) -> None:
        super().__init__(id=id, classes="chart")
        self.spec = spec
        self._key: Any = None
        self._note = ""
        self._data: Callable[[], Series] | None = None
        """What to draw: it reads the series (in the worker), and its identity is the data's."""
        self._drawn: tuple[Callable[[], Series], tuple[int, int], str] | None = None
        """What was drawn last, for what size, and the plot (in ANSI codes)."""
        self._lines: tuple[tuple[int, int], Style, list[Strip]] | None = None
        """The drawing as the terminal shows it: for the size and style it was made for."""
        self.border_title = spec.title
        self.marks: list[float] = []

    def on_mount(self) -> None:
        self._empty("waiting for data")
        self.app.theme_changed_signal.subscribe(self, lambda _: self._redraw())

    def on_resize(self) -> None:
        self._redraw()

    def _redraw(self) -> None:
        if self._data is not None and not self._note:
            self._draw_from(self._data)

    def _empty(self, note: str) -> None:
        self._note, self._data, self._drawn, self._lines = note, None, None, None
        self.refresh()

    def render(self) -> RenderResult:
        if self._note:
            return Text(self._note, style="dim", justify="center")
        if self._drawn is not None:
            return Text.from_ansi(self._drawn[2])
        return Text("drawing…", style="dim", justify="center")

    def render_line(self, y: int) -> Strip:
        """A line of the finished drawing when it was made for this size and style, else the
        drawing rendered here (a note, or an older drawing until the new one is ready)."""
        lines = self._lines
        if (
            lines is not None
            and not self._note
            and lines[0] == (self.size.width, self.size.height)
            and lines[1] == self.visual_style
        ):
            self._dirty_regions.clear()
            strips = lines[2]
            return strips[y] if y < len(strips) else Strip.blank(lines[0][0], lines[1].rich_style)
        return super().render_line(y)

    @property
    def drawn(self) -> bool:
        """A drawing of the latest data is on screen (or there is nothing to draw)."""
        size = (self.size.width, self.size.height)
        drawn = self._drawn
        return bool(self._note) or (
            drawn is not None and drawn[0] is self._data and drawn[1] == size
        )

    def show_rows(self, rows: Sequence[Mapping[str, Any]], marks: Sequence[int] = ()) -> None:
        """Plot one run's rows (one per simulated day); `marks`: days to mark (shocks)."""
        self.marks = [float(day) for day in marks]
        key = (len(rows), id(rows[-1]) if rows else None, tuple(marks))
        if key == self._key:
            return
        self._key = key
        series = self.spec.series(list(rows[0])) if rows else []
        if not rows:
            self._empty("no days simulated yet")
            return
        if not series:
            self._empty("not recorded by this engine version")
            return
        scale = self.spec.scale

        def read() -> Series:
            days = [row["day"] for row in rows]
            lines = {label: [_num(row[c]) * scale for row in rows] for c, label in series}
            return days, lines

        self._draw_from(read)

    def show_pair(self, runs: Mapping[str, Sequence[Sequence[Mapping[str, Any]]]]) -> None:
        """Plot the mean over replications of each run (e.g. baseline and what-if)."""
        self.marks = []
        first = next((reps for reps in runs.values() if reps and reps[0]), None)
        if first is None:
            self._empty("no results yet")
            return
        series = self.spec.series(list(first[0][0]))
        if not series:
            self._empty("not recorded by this engine version")
            return
        scale = self.spec.scale

        def read() -> Series:
            lines: dict[str, list[float]] = {}
            days: list[int] = []
            for name, reps in runs.items():
                days = [row["day"] for row in reps[0]]
                for column, label in series:
                    means = []
                    for d in range(len(days)):
                        values = [_num(rep[d][column]) for rep in reps if d < len(rep)]
                        means.append(sum(values) / len(values) * scale)
                    lines[f"{name} {label}" if len(series) > 1 else name] = means
            return days, lines

        self._key = None
        self._draw_from(read)

    def _draw(self, days: Sequence[int], lines: Mapping[str, Sequence[float]]) -> None:
        """Draw these series (as they are)."""
        data: Series = (list(days), {k: list(v) for k, v in lines.items()})
        self._draw_from(lambda: data)

    def _draw_from(self, data: Callable[[], Series]) -> None:
        self._note = ""
        self._data = data
        if not self.size.area:
            return  # drawn when it gets a size (on_resize)
        size = (self.size.width, self.size.height)
        theme = self._get_plotext_theme_name(self.app.theme)
        job = Drawing(
            days=[],
            lines={},
            marks=list(self.marks),
            size=size,
            theme=theme,
            theme_colours=plotext_themes.get(theme),
            style=self.visual_style,
            rules={rule: self.styles.get(rule) for rule in TEXT_RULES},
            ansi_theme=self.app.ansi_theme,
        )
        self.run_worker(
            lambda: self._build(data, job),
            group=f"chart-{id(self)}",
            exclusive=True,
            thread=True,
            exit_on_error=False,
        )

    def _build(self, data: Callable[[], Series], job: Drawing) -> None:
        """In a worker thread: read the series, have the chart process draw them (here if it
        cannot), and hand the lines to the UI thread."""
        days, lines = data()
        target = max(20, job.size[0] - 10)  # about one point per column: plotext is slow
        if len(days) > target:
            days, lines = thin(days, lines, target)
        drawing = dataclasses.replace(job, days=list(days), lines=dict(lines))
        process = chart_process()
        try:
            if process is None:
                raise BrokenProcessPool("no chart process")
            ansi, strips = process.submit(draw, drawing).result()
        except Exception:  # no chart process, or it died: draw here
            ansi, strips = draw(drawing)
        lines_ = (drawing.size, drawing.style, strips)
        self.app.call_from_thread(self._show_drawing, data, drawing.size, ansi, lines_)

    def _show_drawing(
        self,
        data: Callable[[], Series],
        size: tuple[int, int],
        ansi: str,
        lines: tuple[tuple[int, int], Style, list[Strip]],
    ) -> None:
        if data is self._data:
            self._drawn = (data, size, ansi)
            self._lines = lines
            self.refresh()


@dataclasses.dataclass(frozen=True)
class Drawing:
    """What the chart process needs to draw a chart as the widget would show it."""

    days: list[int]
    lines: dict[str, list[float]]
    marks: list[float]
    size: tuple[int, int]
    theme: str
    theme_colours: Any
    """The plotext theme, which the app made from its own (the process has not)."""
    style: Style
    rules: dict[str, Any]
    ansi_theme: Any


def _style(style: str | Style) -> Style:
    """A style named in the content, as Textual's `RenderOptions.get_style` gives it."""
    return style if isinstance(style, Style) else Style.parse(style)


def draw(job: Drawing) -> tuple[str, list[Strip]]:
    """Plot the series, and make the lines Textual would make of the plot (`Widget.render_line`
    of its `Text.from_ansi`): in the chart process, where this takes none of the app's time."""
    if job.theme not in plotext_themes and job.theme_colours is not None:
        plotext_themes[job.theme] = job.theme_colours
    days, lines = job.days, job.lines
    plt = Plot()
    for colour, (label, values) in zip(COLOURS, lines.items(), strict=False):
        # a what-if's line is drawn in dots as well as its own colour: it reads apart from
        # the baseline's where they overlap, and in a terminal without colour
        marker = "dot" if label.startswith("what-if") else "braille"
        plt.plot(days, values, label=label, color=colour, marker=marker)
    for day in job.marks:  # shocks: a vertical line on the day they were fired
        if days and days[0] <= day <= days[-1]:
            plt.vline(day, color="red")
    bottom_top = y_range(lines)
    if bottom_top is not None:
        plt.ylim(*bottom_top)
    if days:
        first, last = days[0], days[-1]
        ticks = sorted({round(first + (last - first) * i / 4) for i in range(5)})
        plt.xticks([float(t) for t in ticks], [str(t) for t in ticks])
    plt.xlabel("day")
    plt.theme(job.theme)
    plt.plotsize(*job.size)
    plt._set_size(*job.size)
    ansi = plt.build()
    text = Text.from_ansi(ansi)  # as `Content.from_rich_text`, with the app's ANSI colours
    spans = [
        Span(start, end, Style.from_rich_style(RichStyle.parse(style), job.ansi_theme))
        if isinstance(style, str)
        else Span(start, end, Style.from_rich_style(style, job.ansi_theme))
        for start, end, style in text._spans
    ]
    content = Content(text.plain, spans)
    options = RenderOptions(_style, cast(RulesMap, job.rules))
    return ansi, content.render_strips(job.size[0], job.size[1], job.style, options)


_process: ProcessPoolExecutor | None = None
_process_lock = threading.Lock()


def chart_process() -> ProcessPoolExecutor | None:
    """The process that draws the charts, if `start_chart_process` started one."""
    return _process


def ready() -> bool:
    return True


def start_chart_process() -> None:
    """Start the process that draws the charts, before the app runs (`tui.runner.warm_up`): it
    cannot be started while Textual holds `sys.stderr`. Plotext and the making of a chart's
    lines took 20-50 ms of CPU a chart, five times a second during a run, and in a thread of the
    app they shared its interpreter with the frame answering a key. Without it (no processes
    allowed, say), charts are drawn in the chart's worker thread."""
    global _process
    with _process_lock:
        if _process is not None:
            return
        from tui.runner import process_context

        try:
            process = ProcessPoolExecutor(
                # it ends with the app, however the app ends (killed, its terminal closed)
                1,
                mp_context=process_context(),
                initializer=init_worker,
                initargs=(os.getpid(),),
            )
            process.submit(ready)  # starts it; it imports this module meanwhile
        except Exception:
            return
        _process = process
        # Ended before multiprocessing's exit joins the children: in a process that is itself a
        # multiprocessing child (a test's participant), that join came first and waited for ever.
        multiprocessing.util.Finalize(None, stop_chart_process, exitpriority=10)


def stop_chart_process() -> None:
    """End the chart process, if there is one (at exit, or when no app will draw charts again).
    It holds nothing to keep: it is ended at once, not asked to finish (at exit, the queue that
    would carry the request may be closed before the request is sent)."""
    global _process
    with _process_lock:
        process, _process = _process, None
    if process is not None:
        end_pool(process)


TEXT_RULES = ("text_align", "text_overflow", "text_wrap", "line_pad")
"""The style rules Textual reads when it renders text (`Content.render_strips`)."""


def y_range(lines: Mapping[str, Sequence[float]]) -> tuple[float, float] | None:
    """The y axis of lines that never go below zero: from 0 (0 to 1 when all are zero), so a
    queue that stayed empty reads as 0, not as a line in the middle of -1 to 1; else None."""
    values = [v for line in lines.values() for v in line]
    if not values or min(values) < 0:
        return None
    top = max(values)
    return (0.0, top if top > 0 else 1.0)


def thin(
    days: Sequence[int], lines: Mapping[str, Sequence[float]], target: int
) -> tuple[list[int], dict[str, list[float]]]:
    """At most `target` points: each the mean of a run of days, at the last day of the run."""
    edges = [round(i * len(days) / target) for i in range(target + 1)]
    spans = [(a, b) for a, b in itertools.pairwise(edges) if b > a]
    thinned = {
        label: [sum(values[a:b]) / (b - a) for a, b in spans] for label, values in lines.items()
    }
    return [days[b - 1] for _, b in spans], thinned


def _num(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0
