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
    ("history", "7", "History"),
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
        title = Content.styled(" Exchange Sandbox ", "bold $text-accent") + Content(" ")
        tabs = []
        for mode, key, title_ in SCREENS:
            style = "reverse bold" if mode == self.current else ""
            link = f"@click=app.switch_mode('{mode}')"
            tabs.append(Content.from_markup(f"[{style} {link}] {key} {title_} [/]"))
        screens = Content("").join(tabs)
        # The longest subject that fits beside the whole bar; where none does, the app's name
        # (the window or browser tab shows it too) gives way to the subject; else the bar alone,
        # without the name when even that does not fit (the seven screens at 80 columns).
        for bar in (title + screens, Content(" ") + screens):
            for subject in self.subject.split("\n"):
                text = Content.styled(f"  {subject}", "$text-muted")
                if subject and bar.cell_length + text.cell_length <= self.size.width:
                    return bar + text
        if self.size.width and (title + screens).cell_length > self.size.width:
            return Content(" ") + screens
        return title + screens
