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
from tui.fieldtext import bounds_text, choices, field_label, unit_hint
from tui.widgets.text_input import TextInput


def input_id(path: str) -> str:
    return "in-" + path.replace(".", "--")


class FieldHeader(Horizontal):
    """Column titles above a section's fields."""

    def compose(self) -> ComposeResult:
        yield Label("parameter", classes="field-label")
        yield Label("value", classes="field-value")
        yield Label(f"{'unit':<9} baseline", classes="field-side")
        yield Label("what it is", classes="field-summary")


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

    def compose(self) -> ComposeResult:
        spec = self.spec
        options = choices(spec)
        yield Label(field_label(spec), classes="field-label")
        yield TextInput(
            self.text,
            compact=True,
            id=input_id(spec.path),
            classes="field-input",
            suggester=SuggestFromList(options, case_sensitive=False) if options else None,
        )
        yield Label(f"{unit_hint(spec):<9} {self.baseline}", classes="field-side")
        yield Label(spec.doc, classes="field-summary")
        yield Static("", classes="field-note")

    def help_text(self) -> str:
        spec = self.spec
        options = choices(spec)
        bounds = "one of: " + ", ".join(options) if options else bounds_text(spec)
        return spec.doc + (f" ({bounds})" if bounds else "") + f"  [{spec.path}]"

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

    def set_problem(self, message: str | None) -> None:
        """Show the validation message under the field (or clear it)."""
        if message == self.problem:
            return
        self.problem = message
        self.set_class(message is not None, "-invalid")
        self._note()
