"""The event log: the latest records of the running simulation, described, with a text filter."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input

from sim.people import describe
from tui.widgets.text_input import TextInput

SHOWN = 300
"""Lines the log keeps."""


def event_line(record: Any, start: dt.date) -> str:
    """`2022-07-03 KycDecided #412 KYC passed after 3.1 h (auto) — reason`."""
    date = start + dt.timedelta(days=int(record.t // 24))
    what, reason = describe(record)
    who = f"#{record.person} " if hasattr(record, "person") else ""
    if what == type(record).__name__:  # a record the engine does not describe yet
        fields = record._asdict()
        fields.pop("t", None)
        what = ", ".join(f"{k}={v}" for k, v in fields.items())
    line = f"{date.isoformat()} {type(record).__name__:<15} {who}{what}"
    return f"{line} — {reason}" if reason else line


class EventLines(Widget):
    """The newest matching events, as many as fit, newest last (redrawn without a layout pass)."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.records: Sequence[Any] = ()
        self.start = dt.date.today()
        self.words: list[str] = []

    def lines(self, limit: int) -> list[str]:
        out: list[str] = []
        for record in reversed(self.records):
            line = event_line(record, self.start)
            if all(word in line.lower() for word in self.words):
                out.append(line)
                if len(out) >= limit:
                    break
        out.reverse()
        return out

    def render(self) -> Text:
        if not self.records:
            return Text("No events yet.", style="dim")
        height, width = max(1, self.size.height), max(20, self.size.width)
        lines = self.lines(height)
        if not lines:
            return Text("No event matches the filter.", style="dim")
        rows: list[str] = []  # newest last; a long event wraps at a word, indented; only
        for line in reversed(lines):  # whole events show
            wrapped = textwrap.wrap(line, width, subsequent_indent="    ", break_on_hyphens=False)
            if rows and len(rows) + len(wrapped) > height:
                break
            rows[:0] = wrapped
        text = Text("\n".join(rows[-height:]), no_wrap=True, overflow="ellipsis")
        for word in self.words:
            text.highlight_words([word], style="bold", case_sensitive=False)
        return text


class EventLog(Vertical):
    """A filter box over the latest events of the run."""

    def compose(self) -> ComposeResult:
        yield TextInput(
            placeholder="filter: e.g. blocked, #123",
            id="event-filter",
            compact=True,
        )
        yield EventLines(id="event-lines")

    def show(self, records: Sequence[Any], start: dt.date) -> None:
        view = self.query_one(EventLines)
        if records is view.records:
            return
        view.records, view.start = records, start
        view.refresh()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        view = self.query_one(EventLines)
        view.words = event.value.lower().split()
        view.refresh()

    def lines(self) -> list[str]:
        """The lines that match the filter (newest last)."""
        return self.query_one(EventLines).lines(SHOWN)
