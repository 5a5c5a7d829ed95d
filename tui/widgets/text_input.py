"""Text inputs that follow the app's cursor-blink setting, leave the browser its own keys, and
keep the keys in the order they were typed."""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.binding import BindingType
from textual.dom import DOMNode
from textual.widget import Widget
from textual.widgets import Input, TextArea

BROWSER_KEPT = frozenset({"ctrl+w", "ctrl+pageup", "ctrl+pagedown"})
"""Keys of Textual's own bindings that a browser keeps (ctrl+w closes the tab, ctrl+pageup and
ctrl+pagedown switch tabs): served, they never reach the app, so they are left out. In text boxes
ctrl+backspace and alt+backspace delete a word; scrolling sideways keeps left and right."""


def browser_safe(widget: type[DOMNode]) -> list[BindingType]:
    """All of `widget`'s bindings (inherited too) except those on a key a browser keeps."""
    return [binding for key, binding in widget._merge_bindings() if key not in BROWSER_KEPT]


async def act_now(widget: Widget, event: events.Key) -> bool:
    """Run the binding the key has now, as the app would once the key came back up to it (the
    focused widget's first, then its screen's and the app's); whether one took it.

    Textual looks a key's binding up only once the key has bubbled from the focused widget to
    the app, through a message queue at each step, while a typed character goes into the text at
    once. Keys that come together (a fast typist, a held key, a burst through tmux or a browser)
    then act out of order: three backspaces and "0.6" typed over "0.5" left "0.5", the characters
    in first and the deletions after. Called for the keys the text box does not take itself
    (those never reach a binding), so every key acts in the order it came."""
    if await widget.app._check_bindings(event.key):
        event.stop()
        event.prevent_default()
        return True
    return False


class TextInput(Input, inherit_bindings=False):
    """`Input`, with the cursor blink taken from the app's `blink` attribute."""

    BINDINGS: ClassVar[list[BindingType]] = browser_safe(Input)

    def on_mount(self) -> None:
        self.cursor_blink = bool(getattr(self.app, "blink", True))

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable or not await act_now(self, event):
            await super()._on_key(event)  # a character: typed in


class TextBox(TextArea, inherit_bindings=False):
    """`TextArea` (several lines), with the same keys as in a terminal, less the browser's."""

    BINDINGS: ClassVar[list[BindingType]] = browser_safe(TextArea)

    async def _on_key(self, event: events.Key) -> None:
        typed = {"enter"} | ({"tab", "escape"} if self.tab_behavior == "indent" else set())
        if event.is_printable or event.key in typed or not await act_now(self, event):
            await super()._on_key(event)  # what `TextArea` takes itself: typed in
