"""Textual's scrolling widgets without the keys a browser keeps (`ctrl+pageup`, `ctrl+pagedown`).

Every scrollable Textual widget pages sideways on `ctrl+pageup` and `ctrl+pagedown`, the chords
with which a browser switches tabs before the page sees them. These subclasses keep every other
key and carry Textual's names, so CSS and code read the same; `tui/` imports them instead.
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual import containers, widgets
from textual.binding import BindingType

from tui.widgets.text_input import browser_safe

CellType = TypeVar("CellType")


class DataTable(widgets.DataTable[CellType], inherit_bindings=False):
    BINDINGS: ClassVar[list[BindingType]] = browser_safe(widgets.DataTable)


class OptionList(widgets.OptionList, inherit_bindings=False):
    BINDINGS: ClassVar[list[BindingType]] = browser_safe(widgets.OptionList)


class VerticalScroll(containers.VerticalScroll, inherit_bindings=False):
    BINDINGS: ClassVar[list[BindingType]] = browser_safe(containers.VerticalScroll)


class Footer(widgets.Footer, inherit_bindings=False):
    BINDINGS: ClassVar[list[BindingType]] = browser_safe(widgets.Footer)
