"""What every workbench screen shares: the navigation bar, the footer, the app's state."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Any, cast

from textual import events
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Tabs

from tui.widgets.footer import KeyBar
from tui.widgets.nav import NavBar
from tui.widgets.toasts import strip_toasts
from tui.workshop.lesson import LessonPanel

if TYPE_CHECKING:
    from tui.app import SandboxApp


class WorkbenchScreen(Screen[None]):
    """A mode's screen: subclasses compose their body and redraw from the app's state."""

    MODE = ""
    shown = False
    """The screen has been shown (resumed) before."""

    @property
    def workbench(self) -> SandboxApp:
        return cast("SandboxApp", self.app)

    def compose(self) -> ComposeResult:
        yield NavBar(self.MODE, id="nav")
        lesson = self.workbench.lesson
        if lesson is not None and self.MODE == "dashboard":
            yield LessonPanel(lesson, id="lesson")
        yield from self.compose_body()
        yield KeyBar()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        strip_toasts(self, before=self.query_one(KeyBar))
        app = self.workbench
        app.session_signal.subscribe(self, self._session_changed)
        self._session_changed(True)
        # The app's widgets live as long as it does: keep them out of full collections, whose
        # pauses would otherwise show as a stutter while a run updates the screen.
        self.call_after_refresh(gc.freeze)
        # Mounted, it has the app's styles as they are now: else Textual, which records that only
        # when the screen is shown (before it is mounted, the first time), reparses all the CSS
        # (about 90 ms) the second time it is shown. A new theme still restyles it.
        self._css_update_count = self.app._css_update_count

    def post_message(self, message: Message) -> bool:
        """A screen shown before comes back with the styles it had: Textual restyles every widget
        of a screen it switches to (as if the CSS might have changed meanwhile, which it checks
        apart), and that work, and redrawing the widgets whose cached lines it throws away, took
        most of a key that changes screen. Pseudo-class and class changes restyle at once, and a
        new theme or CSS restyles the screen when it is next shown (`App.switch_mode`)."""
        if isinstance(message, events.ScreenResume) and self.shown:
            message.refresh_styles = False
        return super().post_message(message)

    def on_screen_resume(self) -> None:
        self.shown = True
        self.refresh_bindings()
        self._session_changed(False)

    def _session_changed(self, opened: bool) -> None:
        session = self.workbench.session
        name = session.baseline.name
        subjects = [f"baseline {name}", name]
        if session.is_whatif:
            count = len(session.edits)
            changes = f"{count} change{'s' * (count != 1)}"
            subjects = [
                f"baseline {name} + what-if ({changes})",
                f"{name} + {changes}",
                f"what-if ({changes})",
            ]
        self.query_one(NavBar).subject = "\n".join(subjects)
        self.session_changed(opened)

    def session_changed(self, opened: bool) -> None:
        """The scenario in hand changed (`opened`: a new one) or its edits were validated."""

    @property
    def wide(self) -> bool:
        return self.has_class("-wide")


class TabbedScreen(WorkbenchScreen):
    """A screen whose panels sit side by side when wide and behind tabs when narrow."""

    current_panel = ""

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._layout)

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        self.current_panel = panel_of(event.tab)
        self._layout()

    def _layout(self) -> None:
        """Show the panels that fit: all when wide, else the current tab's."""


def tab_id(panel_id: str) -> str:
    return f"tab-{panel_id}"


def panel_of(tab: Any) -> str:
    return str(tab.id).removeprefix("tab-")
