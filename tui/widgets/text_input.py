"""Text inputs that follow the app's cursor-blink setting and leave the browser its own keys."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import BindingType
from textual.dom import DOMNode
from textual.widgets import Input, TextArea

BROWSER_KEPT = frozenset({"ctrl+w", "ctrl+pageup", "ctrl+pagedown"})
"""Keys of Textual's own bindings that a browser keeps (ctrl+w closes the tab, ctrl+pageup and
ctrl+pagedown switch tabs): served, they never reach the app, so they are left out. In text boxes
ctrl+backspace and alt+backspace delete a word; scrolling sideways keeps left and right."""


def browser_safe(widget: type[DOMNode]) -> list[BindingType]:
    """All of `widget`'s bindings (inherited too) except those on a key a browser keeps."""
    return [binding for key, binding in widget._merge_bindings() if key not in BROWSER_KEPT]


class TextInput(Input, inherit_bindings=False):
    """`Input`, with the cursor blink taken from the app's `blink` attribute."""

    BINDINGS: ClassVar[list[BindingType]] = browser_safe(Input)

    def on_mount(self) -> None:
        self.cursor_blink = bool(getattr(self.app, "blink", True))


class TextBox(TextArea, inherit_bindings=False):
    """`TextArea` (several lines), with the same keys as in a terminal, less the browser's."""

    BINDINGS: ClassVar[list[BindingType]] = browser_safe(TextArea)
