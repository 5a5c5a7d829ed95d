"""Toasts in a strip of their own above the key bar: the content gives up rows, never is covered.

Textual lays its toast rack over the bottom-right corner of the screen, where it hides charts,
fields and the footer. `strip_toasts` moves the rack into the screen's flow, in the content's
layer, so while a toast shows the content above it shrinks by the toast's rows and gets them back
when it goes. Apps include `TOAST_STRIP_CSS` in their CSS.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widget import Widget
from textual.widgets._toast import ToastRack

TOAST_STRIP_CSS = """
ToastRack.-strip {
    layer: default;
    dock: none;
    margin-bottom: 0;
    max-height: 30%;
    scrollbar-size-vertical: 0;
}
ToastRack.-strip Toast { width: 1fr; max-width: 100%; margin-top: 0; padding: 0 1; }
"""
"""A strip as wide as the screen; most toasts take two rows (title, message); at most 30%."""


def strip_toasts(screen: Screen[Any], before: Widget | None = None) -> None:
    """Put the screen's toast rack in its flow, before `before` (else after the last widget
    that is not docked: above a docked footer); when a toast joins the strip, the focused widget
    is scrolled back into sight (a field being typed in at the bottom of a form, say)."""
    for rack in screen.query_children(ToastRack):
        rack.add_class("-strip")
        if before is not None:
            screen.move_child(rack, before=before)
        else:
            flowing = [w for w in screen.children if w is not rack and not w.styles.is_docked]
            if flowing:
                screen.move_child(rack, after=flowing[-1])
        screen.screen_layout_refresh_signal.subscribe(screen, _KeepFocusInSight(rack))


class _KeepFocusInSight:
    """After a layout: if a toast joined the strip, scroll the focused widget into sight."""

    def __init__(self, rack: ToastRack) -> None:
        self.rack, self.shown = rack, 0

    def __call__(self, screen: Screen[Any]) -> None:
        shown = len(self.rack.children) if self.rack.display else 0
        if shown > self.shown and screen.focused is not None:
            screen.focused.scroll_visible(animate=False, immediate=True)
        self.shown = shown
