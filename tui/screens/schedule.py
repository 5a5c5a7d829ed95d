"""The dated-values editor: a field's value from the start, then a new value from each date."""

from __future__ import annotations

from typing import ClassVar, cast

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from sim.fields import FieldSpec, parse_schedule
from tui.fieldtext import field_label, section_title, unit_hint
from tui.widgets.text_input import TextInput


def schedule_rows(text: str) -> tuple[str, list[tuple[str, str]]]:
    """A field's text as (starting value, [(date, value), …]); plain text is a starting value."""
    try:
        parsed = parse_schedule(text)
    except ValueError:
        parsed = None
    if parsed is None:
        return text.strip(), []
    start, steps = parsed
    return start or "", [(day.isoformat(), value) for day, value in steps]


def schedule_from_rows(start: str, rows: list[tuple[str, str]]) -> str:
    """The field text for the rows (rows without a date or a value are left out)."""
    steps = [
        f"from {day.strip()}: {value.strip()}"
        for day, value in rows
        if day.strip() and value.strip()
    ]
    return ", ".join([start.strip(), *steps]) if steps else start.strip()


class DatedRow(Horizontal):
    """One step of a schedule: from a date, a value."""

    def __init__(self, day: str = "", value: str = "") -> None:
        super().__init__(classes="dated-row")
        self.day, self.value = day, value

    def compose(self) -> ComposeResult:
        yield Label("from", classes="dated-from")
        yield TextInput(self.day, placeholder="YYYY-MM-DD", classes="dated-day", compact=True)
        yield TextInput(self.value, placeholder="value", classes="dated-value", compact=True)

    def values(self) -> tuple[str, str]:
        """(date, value) as typed; empty while the row is still being built."""
        day, value = self.query(".dated-day"), self.query(".dated-value")
        if not day or not value:
            return "", ""
        return cast(Input, day.first()).value, cast(Input, value.first()).value


class ScheduleScreen(ModalScreen[str | None]):
    """Edit a field as dated values; dismiss with the field's new text (None when cancelled)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="schedule.cancel"),
    ]

    def __init__(self, spec: FieldSpec, text: str, baseline: str) -> None:
        super().__init__()
        self.spec = spec
        self.start, self.rows = schedule_rows(text)
        self.baseline = baseline

    def compose(self) -> ComposeResult:
        spec = self.spec
        with Vertical(id="schedule-dialog"):
            yield Label(
                f"[b]{section_title(spec.section)} › {field_label(spec)}[/] "
                f"[$text-muted]({unit_hint(spec)}; baseline {self.baseline})[/]"
            )
            yield Static(
                "A value from the start of the run, then a new value from each date (00:00). "
                "Leave a date empty to drop that step. enter applies, esc cancels.",
                id="schedule-help",
            )
            with Horizontal(classes="dated-row"):
                yield Label("start", classes="dated-from")
                yield TextInput(self.start, id="schedule-start", compact=True)
            with Vertical(id="schedule-rows"):
                for day, value in [*self.rows, ("", "")]:
                    yield DatedRow(day, value)
            yield Static("", id="schedule-preview")
            with Horizontal(id="schedule-buttons"):
                yield Button("Apply", id="schedule-ok", variant="primary", compact=True)
                yield Button("Cancel", id="schedule-cancel", compact=True)

    def on_mount(self) -> None:
        rows = list(self.query(DatedRow))
        target = rows[-1].query_one(".dated-day", Input) if self.rows else None
        (target or self.query_one("#schedule-start", Input)).focus()
        self._preview()

    def text(self) -> str:
        start = self.query_one("#schedule-start", Input).value
        return schedule_from_rows(start, [row.values() for row in self.query(DatedRow)])

    def _preview(self) -> None:
        self.query_one("#schedule-preview", Static).update(f"[$text-muted]field:[/] {self.text()}")

    def on_input_changed(self, event: Input.Changed) -> None:
        if not self.query("#schedule-preview"):
            return  # still being built
        rows = list(self.query(DatedRow))
        if rows and any(rows[-1].values()):  # typing in the blank row adds another
            self.query_one("#schedule-rows").mount(DatedRow())
        self._preview()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(self.text())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(self.text() if event.button.id == "schedule-ok" else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
