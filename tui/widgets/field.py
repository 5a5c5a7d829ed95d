"""One scenario parameter in the editor: what it is, its unit, its baseline, and the value typed."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from sim.fields import FieldSpec
from tui.fieldtext import TEAMS, bounds_text, choices, field_label, simulated_count, unit_hint
from tui.widgets.text_input import TextInput


def input_id(path: str) -> str:
    return "in-" + path.replace(".", "--")


COLUMNS = ("field-label", "field-input", "field-unit", "field-base", "field-summary")
"""The columns of a field's line, in order."""


def column_widths(
    editors: list[FieldEditor], room: int, wrap_labels: bool = False
) -> tuple[list[int], bool, bool]:
    """Column widths that fit their content in `room` cells; whether the baseline and the
    "what it is" columns show.

    Label, unit and baseline take their longest text; the value its longest text plus room to
    type (within 10-26). When space is short the summary goes first (it shows under a focused
    field). Then, with `wrap_labels` (a screen with rows to spare), long labels wrap onto a second
    line down to `MIN_LABEL` cells so that the baseline stays; otherwise (or when even that does
    not fit) the baseline goes (the Changes panel says what each changed value was) and labels
    wrap only if they must: nothing is cut.
    """
    if not editors:
        return [0, 0, 0, 0], True, False
    label = max(len(e.label_text) for e in editors) + 1
    value = min(26, max(10, max(max(len(e.text), len(e.baseline)) for e in editors) + 2))
    unit = max(len(e.unit_text) for e in editors) + 2
    base = min(28, max(len(e.baseline) for e in editors)) + 2
    shortest = MIN_LABEL if wrap_labels else label
    show_base = min(label, shortest) + value + unit + base <= room
    if not show_base:
        base = 0
    label = max(14, min(label, room - value - unit - base))
    summary = room - (label + value + unit + base) >= 20
    return [label, value, unit, base], show_base, summary


MIN_LABEL = 18
"""The narrowest a parameter's label column gets to keep the baseline column on screen."""


class FieldHeader(Horizontal):
    """Column titles above a section's fields."""

    def compose(self) -> ComposeResult:
        for title, column in zip(
            ("parameter", "value", "unit", "baseline", "what it is"), COLUMNS, strict=True
        ):
            yield Label(title, classes=f"{column} header-{column}")

    def fit(self, widths: list[int]) -> None:
        for column, width in zip(COLUMNS, widths, strict=False):
            self.query_one(f".header-{column}").styles.width = width


class FieldEditor(Widget):
    """Label, input, unit and baseline on a line; below it, any problem and (when focused) help."""

    class Edited(Message):
        """The user changed a field's text."""

        def __init__(self, path: str, text: str) -> None:
            super().__init__()
            self.path = path
            self.text = text

    def __init__(self, spec: FieldSpec, text: str, baseline: str) -> None:
        super().__init__(id="field-" + spec.path.replace(".", "--"), classes="field")
        self.spec = spec
        self.text = text
        self.baseline = baseline
        self.problem: str | None = None
        self.focused_here = False
        self.label_text = field_label(spec)
        self.unit_text = unit_hint(spec)
        self.scale = 1.0
        """Real people one simulated agent stands for (population.scale_factor), for teams."""

    def fit(self, widths: list[int], summary: bool) -> None:
        """Size the columns (label, value, unit, baseline; the summary, if shown, the rest)."""
        columns = [str(w) for w in widths if w] + (["1fr"] if summary else [])
        self.styles.grid_size_columns = len(columns)
        self.styles.grid_columns = " ".join(columns)
        for note in self.query(".field-note"):
            note.styles.column_span = len(columns)

    def compose(self) -> ComposeResult:
        spec = self.spec
        options = choices(spec)
        yield Label(self.label_text, classes="field-label")
        yield TextInput(
            self.text,
            compact=True,
            id=input_id(spec.path),
            classes="field-input",
            suggester=SuggestFromList(options, case_sensitive=False) if options else None,
        )
        yield Label(self.unit_text, classes="field-unit")
        yield Label(self.baseline, classes="field-base")
        yield Label(spec.doc, classes="field-summary")
        yield Static("", classes="field-note")

    def help_text(self) -> str:
        spec = self.spec
        options = choices(spec)
        bounds = "one of: " + ", ".join(options) if options else bounds_text(spec)
        example = (
            self.baseline if "from " in self.baseline else f"{self.baseline}, from 2023-01-01: …"
        )
        dated = f"; dated values: ctrl+d, or type e.g. {example}" if spec.kind != "text" else ""
        text = spec.doc + (f" ({bounds}{dated})" if bounds or dated else "") + f"  [{spec.path}]"
        if spec.path in TEAMS:
            count = self.text.split(",")[0].strip()
            simulated = simulated_count(count, self.scale)
            text += (
                f"\nPeople are simulated 1 in {self.scale:g} (population.scale_factor) and so "
                "is the team, at the pace that keeps its capacity"
                + (
                    f": {count} here work as {simulated:.3g} simulated {TEAMS[spec.path]}."
                    if simulated is not None
                    else "."
                )
            )
        return text

    def on_mount(self) -> None:
        self.query_one(Input).tooltip = self.spec.doc
        self._mark()
        self._note()

    def on_descendant_focus(self) -> None:
        self.focused_here = True
        self._note()

    def on_descendant_blur(self) -> None:
        self.focused_here = False
        self._note()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if event.value == self.text:
            return
        self.text = event.value
        self._mark()
        if self.spec.path in TEAMS:
            self._note()  # how the sampled world keeps the team
        self.post_message(self.Edited(self.spec.path, event.value))

    def _mark(self) -> None:
        self.set_class(self.text.strip() != self.baseline, "-changed")

    def _note(self) -> None:
        note = self.query_one(".field-note", Static)
        text = Text()
        if self.problem:
            text.append(f"✗ {self.problem}", style="bold")
        if self.focused_here:
            text.append(("\n" if text else "") + self.help_text(), style="italic")
        note.update(text)
        note.display = bool(text)

    def set_text(self, text: str) -> None:
        """Show `text` (e.g. after a reset) without reporting it as an edit."""
        self.text = text
        widget = self.query_one(Input)
        with widget.prevent(Input.Changed):
            widget.value = text
        self._mark()

    def set_scale(self, scale: float) -> None:
        """The scale factor in force (a team's help says how the sampled world keeps it)."""
        if scale != self.scale:
            self.scale = scale
            self._note()

    def set_problem(self, message: str | None) -> None:
        """Show the validation message under the field (or clear it)."""
        if message == self.problem:
            return
        self.problem = message
        self.set_class(message is not None, "-invalid")
        self._note()
