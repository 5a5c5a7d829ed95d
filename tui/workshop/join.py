"""The first screen of a served workshop: the participant's name, which names their own space."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from sim.workshop import participant_name
from tui.widgets.text_input import TextInput


class JoinScreen(ModalScreen[str]):
    """Ask for the participant's name; dismiss with it (no cancelling: a space is needed)."""

    BINDINGS: ClassVar[list[BindingType]] = []
    DEFAULT_CSS = """
    JoinScreen { align: center middle; }
    #join-dialog {
        width: 70; max-width: 100%; height: auto; padding: 1 2;
        border: thick $primary; background: $surface;
    }
    #join-intro, #join-where { height: auto; margin: 1 0 0 0; }
    #join-where { color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        with Vertical(id="join-dialog"):
            yield Label("[b]Welcome to the workshop[/]")
            yield Static(
                "Type your name and press enter. Your what-ifs, runs and answers are kept in a "
                "folder of your own; nobody else in the room sees them.",
                id="join-intro",
            )
            yield TextInput("", placeholder="your name", id="join-name")
            yield Static("", id="join-where")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        folder = participant_name(event.value)
        self.query_one("#join-where", Static).update(
            f"your folder: [b]{folder}[/]" if folder else "a name needs a letter or a digit"
        )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if participant_name(event.value):
            self.dismiss(event.value.strip())
