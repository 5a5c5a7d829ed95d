"""The workbench's screens, one per mode: scenarios, editor, run, compare, people, help, history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.screen import Screen

from tui.screens.compare import CompareScreen
from tui.screens.dashboard import DashboardScreen
from tui.screens.editor import EditorScreen
from tui.screens.help import HelpScreen
from tui.screens.history import HistoryScreen
from tui.screens.people import PeopleScreen
from tui.screens.scenarios import ScenariosScreen

MODES: dict[str, str | Callable[[], Screen[Any]]] = {
    "scenarios": ScenariosScreen,
    "editor": EditorScreen,
    "dashboard": DashboardScreen,
    "compare": CompareScreen,
    "people": PeopleScreen,
    "help": HelpScreen,
    "history": HistoryScreen,
}
"""Mode name -> screen class, in the order of their keys (1-7)."""
