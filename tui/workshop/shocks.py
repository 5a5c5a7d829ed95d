"""Facilitator shocks in the TUI: a picker (key f4) and palette entries that fire one into a run."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label
from textual.widgets.option_list import Option

from sim.shocks import DEFAULT_SIZE, TITLES
from tui.commands import Command
from tui.widgets.scrolling import OptionList

HELP = {
    "bank_exit": "the partner bank closes exchange 0's account",
    "exchange_hack": "exchange 0 is hacked: it loses its bank, trust in licensed venues falls",
    "structuring_surge": "50 real structuring cases start over the next 30 days",
    "sanctions_update": "20% more applicants go to manual KYC review",
    "enforcement_sweep": "5 unlicensed platforms are shut at once",
    "btc_crash": "the BTC price falls 60% from today",
}
SHOCK_BINDINGS: list[BindingType] = [
    Binding("f4", "app.shock_menu", "Shock", id="shock.menu"),
]
SHOCK_COMMANDS = tuple(
    Command(f"shock: {TITLES[kind]}", HELP[kind].capitalize(), f"fire_shock('{kind}')")
    for kind in DEFAULT_SIZE
)


class ShockScreen(ModalScreen[str | None]):
    """Pick a shock to fire into the running simulation now."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="shock.cancel")
    ]
    DEFAULT_CSS = """
    ShockScreen { align: center middle; }
    #shock-dialog {
        width: 76; max-width: 100%; height: auto; padding: 1 2;
        border: thick $warning; background: $surface;
    }
    #shock-list { height: auto; max-height: 12; }
    """

    def compose(self) -> ComposeResult:
        with Vertical(id="shock-dialog"):
            yield Label("[b]Fire a shock into the run[/] (enter fires, esc cancels)")
            yield OptionList(
                *(Option(f"{TITLES[k]}: {HELP[k]}", id=k) for k in DEFAULT_SIZE), id="shock-list"
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
