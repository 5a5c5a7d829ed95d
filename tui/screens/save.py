"""The "save as…" dialog: a name for the what-if, and where its file will go."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from tui.session import WHATIF_DIR, slug
from tui.widgets.text_input import TextInput


class SaveScreen(ModalScreen[str | None]):
    """Ask for a name; dismiss with it (or None when cancelled)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="save.cancel")
    ]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.initial = name

    def compose(self) -> ComposeResult:
        with Vertical(id="save-dialog"):
            yield Label("[b]Save the what-if as[/]")
            yield TextInput(self.initial, id="save-name")
            yield Static("", id="save-where")
            with Horizontal(id="save-buttons"):
                yield Button("Save", id="save-ok", variant="primary", compact=True)
                yield Button("Cancel", id="save-cancel", compact=True)

    def on_mount(self) -> None:
        self._where(self.initial)
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._where(event.value)

    def _where(self, name: str) -> None:
        path = WHATIF_DIR / f"{slug(name)}.yaml"
        note = "  [$text-warning](replaces the file there)[/]" if path.exists() else ""
        self.query_one("#save-where", Static).update(
            f"writes {path}: it extends the baseline with only your changes{note}"
        )
        self.query_one("#save-ok", Button).disabled = not name.strip()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save-ok":
            self.dismiss(self.query_one(Input).value.strip() or None)
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
