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
    that is not docked: above a docked footer)."""
    for rack in screen.query_children(ToastRack):
        rack.add_class("-strip")
        if before is not None:
            screen.move_child(rack, before=before)
            continue
        flowing = [w for w in screen.children if w is not rack and not w.styles.is_docked]
        if flowing:
            screen.move_child(rack, after=flowing[-1])
