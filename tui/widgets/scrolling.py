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

    def watch_virtual_size(self) -> None:
        """A table as high as its rows (`height: auto`) is measured again whenever they change its
        size. Textual (8.2) measures a widget again only when its count of layouts asked for has
        moved, and does not move it when one is already pending: a layout of the screen between
        the table getting its rows and measuring them (on its next idle; a loaded machine) left
        the table as high as it was without them, for good (History's opened entry, at 80x24)."""
        self._layout_updates += 1


class OptionList(widgets.OptionList, inherit_bindings=False):
    BINDINGS: ClassVar[list[BindingType]] = browser_safe(widgets.OptionList)


class VerticalScroll(containers.VerticalScroll, inherit_bindings=False):
    BINDINGS: ClassVar[list[BindingType]] = browser_safe(containers.VerticalScroll)


class Footer(widgets.Footer, inherit_bindings=False):
    BINDINGS: ClassVar[list[BindingType]] = browser_safe(widgets.Footer)
