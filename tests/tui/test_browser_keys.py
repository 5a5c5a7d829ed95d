"""No key of the app is one a browser keeps for itself, so everything works when it is served."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.dom import DOMNode

import tui

BROWSER_CHORDS = {
    "ctrl+t": "new tab",
    "ctrl+n": "new window",
    "ctrl+w": "close tab",
    "ctrl+tab": "next tab",
    "ctrl+shift+t": "reopen closed tab",
    "ctrl+shift+n": "new private window",
    "ctrl+shift+w": "close window",
    "ctrl+shift+tab": "previous tab",
    "ctrl+l": "address bar",
    "f5": "reload",
    "f11": "full screen",
    "f12": "developer tools",
    "ctrl+shift+i": "developer tools",
    "ctrl+shift+j": "console",
    "ctrl+pageup": "previous tab",
    "ctrl+pagedown": "next tab",
    "ctrl+shift+pageup": "move the tab left",
    "ctrl+shift+pagedown": "move the tab right",
    **{f"ctrl+{n}": f"tab {n}" if n < 9 else "last tab" for n in range(1, 10)},
}
"""Chords a common browser (Chromium, Firefox, Edge) acts on before the page sees them: the
issue's list and the browser's ways of switching and moving tabs."""


def chord(key: str) -> frozenset[str]:
    """A key as the set of its parts, so "shift+ctrl+t" and "ctrl+shift+t" are the same chord."""
    return frozenset(key.strip().lower().split("+"))


RESERVED = {chord(key): what for key, what in BROWSER_CHORDS.items()}


def tui_modules() -> Iterator[object]:
    for info in pkgutil.walk_packages(tui.__path__, "tui."):
        yield importlib.import_module(info.name)


def app_classes() -> set[type[DOMNode]]:
    """Every app, screen and widget class of tui/, and every Textual widget that tui/ builds.

    A class counts when tui/ defines it, or when a module of tui/ calls it by name (`Input(...)`,
    `yield DataTable(...)`), since that widget then receives keys with its own built-in bindings.
    """
    found: set[type[DOMNode]] = set()
    for module in tui_modules():
        source = Path(inspect.getfile(module)).read_text(encoding="utf-8")  # type: ignore[arg-type]
        called = set(re.findall(r"\b([A-Z]\w*)\(", source))
        for name, value in vars(module).items():
            if not (inspect.isclass(value) and issubclass(value, DOMNode)):
                continue
            if value.__module__.startswith("tui") or name in called:
                found.add(value)
    return found


def reserved_bindings(cls: type[DOMNode]) -> list[str]:
    """This class's bindings (its own and inherited) on a chord that a browser keeps."""
    clashes = [
        f"{cls.__module__}.{cls.__qualname__}: {key} ({binding.action}) is the browser's "
        f"{RESERVED[chord(key)]}"
        for key, binding in cls._merge_bindings()
        if chord(key) in RESERVED
    ]
    if issubclass(cls, App) and chord(cls.COMMAND_PALETTE_BINDING) in RESERVED:
        clashes.append(f"{cls.__qualname__}: the command palette is on a browser chord")
    return clashes


def test_no_binding_of_any_screen_modal_or_widget_uses_a_chord_the_browser_keeps() -> None:
    classes = app_classes()
    names = {c.__qualname__ for c in classes}
    # The walk reaches the app, its screens and modals, the workshop's apps and the built-in
    # widgets that come with bindings of their own: a walk that found none of them checks nothing.
    for expected in (
        "SandboxApp",
        "EditorScreen",
        "SaveScreen",
        "ScheduleScreen",
        "ShockScreen",
        "JoinScreen",
        "FacilitatorApp",
        "TextInput",
        "DataTable",
        "TextBox",
    ):
        assert expected in names, f"the walk missed {expected}"
    clashes = [clash for cls in sorted(classes, key=str) for clash in reserved_bindings(cls)]
    assert clashes == []


def test_the_check_catches_a_binding_on_a_browser_chord() -> None:
    from textual.widgets import DataTable, Input

    class Clashing(App[None]):
        BINDINGS: ClassVar[list[BindingType]] = [
            Binding("ctrl+t", "compare", "Compare"),
            Binding("f12", "x", "X"),
        ]

    assert len(reserved_bindings(Clashing)) == 2
    assert any("ctrl+w" in clash for clash in reserved_bindings(Input))  # Textual's own
    assert any("ctrl+pagedown" in clash for clash in reserved_bindings(DataTable))
