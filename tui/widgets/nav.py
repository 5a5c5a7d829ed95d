"""The bar at the top: the app's name, the screens with their keys, the scenario in hand."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

SCREENS = (
    ("scenarios", "1", "Scenarios"),
    ("editor", "2", "Editor"),
    ("dashboard", "3", "Run"),
    ("compare", "4", "Compare"),
    ("people", "5", "People"),
    ("help", "6", "Help"),
)
"""Mode name, key and title of every screen, in the order of their keys."""


class NavBar(Static):
    """Screen tabs with their keys; click one to go there."""

    current: reactive[str] = reactive("")
    subject: reactive[str] = reactive("")
    """What is in hand, longest form first, one a line: the longest that fits shows."""

    def __init__(self, current: str, id: str | None = None) -> None:
        super().__init__(id=id)
        self.current = current

    def render(self) -> Content:
        parts = [Content.styled(" Exchange Sandbox ", "bold $text-accent"), Content(" ")]
        for mode, key, title in SCREENS:
            style = "reverse bold" if mode == self.current else ""
            link = f"@click=app.switch_mode('{mode}')"
            parts.append(Content.from_markup(f"[{style} {link}] {key} {title} [/]"))
        bar = Content("").join(parts)
        for subject in self.subject.split("\n"):  # the longest that fits, else none
            text = Content.styled(f"  {subject}", "$text-muted")
            if subject and bar.cell_length + text.cell_length <= self.size.width:
                return bar + text
        return bar
