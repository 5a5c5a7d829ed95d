"""The key bar at the bottom: the keys that apply right now, drawn as one line of text.

Textual's `Footer` rebuilds a widget per key whenever bindings change (tens of milliseconds);
this bar re-renders one line, and only when what it shows changes. Keys are clickable.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget

Shown = tuple[tuple[str, str, bool], ...]


def key_label(binding: Binding, app: Any) -> str:
    return binding.key_display or app.get_key_display(binding)


def shown_keys(screen: Screen[Any]) -> Shown:
    """(key label, description, enabled) of every key to show; a group shows once, keys joined."""
    items: list[tuple[str, str, bool]] = []
    groups: dict[str, int] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.show:
            continue
        label = key_label(binding, screen.app)
        group = binding.group
        if group is not None:
            if group.description in groups:
                index = groups[group.description]
                key, text, enabled = items[index]
                items[index] = (key + label, text, enabled or active.enabled)
                continue
            groups[group.description] = len(items)
            items.append((label, group.description, active.enabled))
            continue
        items.append((label, binding.description, active.enabled))
    return tuple(items)


class KeyBar(Widget):
    """One line: `key description` for each key that applies; disabled keys dimmed."""

    DEFAULT_CSS = """
    KeyBar { height: 1; background: $footer-background; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.shown: Shown = ()
        self.parts: list[Content] = []
        """A `key description` for each key shown: made when they change, not at each render, and
        each made once (parsing their markup took milliseconds of each key that changed which
        keys apply, such as + at the top speed)."""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._changed)
        self._changed(self.screen)

    def _changed(self, screen: Screen[Any]) -> None:
        shown = shown_keys(screen)
        if shown != self.shown:
            self.shown = shown
            self.parts = [key_part(*item) for item in shown]
            self.refresh()

    def render(self) -> Content:
        parts = list(self.parts)
        line = Content("").join(parts)
        while parts and line.cell_length + PALETTE.cell_length > self.size.width:
            parts.pop()  # the last keys give way, whole: nothing is cut mid-word
            line = Content("").join(parts)
        gap = max(1, self.size.width - line.cell_length - PALETTE.cell_length)
        return Content("").join([line, Content(" " * gap), PALETTE])


@lru_cache(maxsize=512)
def key_part(key: str, description: str, enabled: bool) -> Content:
    """`key description`, clickable; dimmed when the key does not apply now."""
    style = "$footer-description-foreground" if enabled else "dim"
    simulate = key.split()[0] if len(key) == 1 or key.isalpha() else ""
    click = f" @click=app.simulate_key('{simulate}')" if simulate else ""
    return Content.from_markup(
        f"[{style}{click}][b $footer-key-foreground] $key [/]$description[/] ",
        key=key,
        description=description,
    )


PALETTE = Content.from_markup("[b $footer-key-foreground] ^p [/]palette ")
