"""A one-line text input that follows the app's cursor-blink setting (off for snapshot tests)."""

from __future__ import annotations

from textual.widgets import Input


class TextInput(Input):
    """`Input`, with the cursor blink taken from the app's `blink` attribute."""

    def on_mount(self) -> None:
        self.cursor_blink = bool(getattr(self.app, "blink", True))
