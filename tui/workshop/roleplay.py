"""Role-play screens: a team's view of its institution (its KPIs and levers) and the facilitator's.

Both talk to the shared world's process (`sim.workshop.shared`) through a `WorldClient`, in worker
threads, and poll it twice a second, so every screen shows the round the world is in, who is ready
and every move as soon as it is made.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Header, Input, Label, Static
from textual.widgets.option_list import Option

from sim.errors import ScenarioError
from sim.workshop.roleplay import ROLES
from sim.workshop.shared import WorldClient
from tui.widgets.scrolling import DataTable, Footer, OptionList, VerticalScroll
from tui.widgets.text_input import TextInput
from tui.widgets.toasts import TOAST_STRIP_CSS, strip_toasts
from tui.workshop.shocks import ShockScreen

POLL = 0.5
"""Seconds between two looks at the shared world."""


class RoleScreen(ModalScreen[tuple[str, str]]):
    """Ask for the team's name and its institution; dismiss with (team, role)."""

    DEFAULT_CSS = """
    RoleScreen { align: center middle; }
    #role-dialog { width: 72; max-width: 100%; height: auto; padding: 1 2;
                   border: thick $primary; background: $surface; }
    #role-list { height: auto; margin-top: 1; }
    """

    def compose(self) -> ComposeResult:
        with Vertical(id="role-dialog"):
            yield Label("[b]Role-play: one shared world[/]")
            yield Static("Type your team's name, then pick the institution you play (enter).")
            yield TextInput("", placeholder="team name", id="role-team")
            yield OptionList(
                *(Option(f"{r.title}: {r.summary}", id=r.name) for r in ROLES.values()),
                id="role-list",
            )

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "cursor(1)", "Next institution", show=False, id="role.down"),
        Binding("up", "cursor(-1)", "Previous institution", show=False, id="role.up"),
    ]
    armed = False
    """Enter was pressed on the name: the next enter picks the highlighted institution."""

    def action_cursor(self, delta: int) -> None:
        """Up and down choose the institution even while the name box has the focus (keys typed
        ahead reach it before the list takes the focus)."""
        options = self.query_one(OptionList)
        current = options.highlighted if options.highlighted is not None else 0
        options.highlighted = max(0, min(options.option_count - 1, current + delta))

    def on_input_changed(self, event: Input.Changed) -> None:
        self.armed = False

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            return
        options = self.query_one(OptionList)
        if options.highlighted is None:
            options.highlighted = 0
        if self.armed:  # a second enter typed before the list had the focus: the same choice
            option = options.get_option_at_index(options.highlighted)
            assert option.id is not None
            self.dismiss((event.value.strip(), option.id))
            return
        self.armed = True
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        team = self.query_one(Input).value.strip()
        if not team:
            self.notify("Type your team's name first.", severity="warning")
            self.query_one(Input).focus()
            return
        assert event.option.id is not None
        self.dismiss((team, event.option.id))


class RolePlayApp(App[None]):
    """A team's screen, or the facilitator's (`facilitator=True`), on the world in `folder`."""

    TITLE = "Exchange Sandbox: role-play"
    CSS = TOAST_STRIP_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f3", "ready", "Ready", id="roleplay.ready"),
        Binding("f3", "next_round", "Next round", id="roleplay.next"),
        Binding("f4", "shock_menu", "Shock", id="roleplay.shock"),
        Binding("d", "debrief", "Debrief", id="roleplay.debrief"),
        Binding("ctrl+q", "quit", "Quit", id="roleplay.quit"),
    ]
    DEFAULT_CSS = """
    #rp-status { height: auto; padding: 0 1; background: $boost; text-style: bold; }
    #rp-body { height: 1fr; }
    #rp-levers { width: 48%; padding: 0 1; }
    #rp-side { width: 52%; padding: 0 1; }
    .rp-heading { text-style: bold; margin-top: 1; }
    .rp-lever { margin-top: 1; width: 100%; }
    #rp-kpis { height: auto; max-height: 12; }
    #rp-ready { margin-top: 1; }
    """

    def __init__(self, folder: Path, facilitator: bool = False, blink: bool = True) -> None:
        super().__init__()
        self.folder, self.facilitator, self.blink = folder, facilitator, blink
        self.client: WorldClient | None = None
        self.view: dict[str, Any] | None = None
        self.team: str | None = None
        self._polling = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("connecting to the world…", id="rp-status")
        with Horizontal(id="rp-body"):
            with VerticalScroll(id="rp-levers"):
                yield Label(
                    "The world" if self.facilitator else "Your levers", classes="rp-heading"
                )
                yield Vertical(id="rp-lever-list")
                yield Button("Next round (f3)" if self.facilitator else "Ready (f3)", id="rp-ready")
                yield Label("Teams", classes="rp-heading")
                yield Static("", id="rp-teams")
            with VerticalScroll(id="rp-side"):
                yield Label("What you see", classes="rp-heading", id="rp-kpi-heading")
                table: DataTable[object] = DataTable(id="rp-kpis", show_cursor=False)
                table.can_focus = False
                yield table
                yield Label("Moves (round, team)", classes="rp-heading")
                yield Static("", id="rp-moves")
                yield Label("Event log: rule changes and shocks", classes="rp-heading")
                yield Static("", id="rp-events")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#rp-kpis", DataTable).add_columns("so far", "KPI")
        strip_toasts(self.screen)
        self.sub_title = "facilitator" if self.facilitator else ""
        try:
            self.client = WorldClient(self.folder)
        except (ScenarioError, OSError) as error:
            problems = error.problems if isinstance(error, ScenarioError) else [str(error)]
            self.query_one("#rp-status", Static).update("; ".join(problems))
            return
        if not self.facilitator:
            self.query_one("#rp-status", Static).update("Name your team and pick an institution.")
            self.push_screen(RoleScreen(), self._joined)
        self.set_interval(POLL, self.poll)
        self.poll()

    def on_unmount(self) -> None:
        """Leave the world (it stops waiting for this team), then close the connection."""
        client = self.client
        if client is not None:
            if self.team is not None and not self.facilitator:
                with contextlib.suppress(OSError, EOFError, ScenarioError):
                    client.call("leave")
            client.close()

    def _joined(self, choice: tuple[str, str] | None) -> None:
        if choice is not None:
            self.request("join", *choice)

    # --- talking to the world (worker threads) -------------------------------------------------

    def poll(self) -> None:
        """Look at the world (a team only once it has joined: until then it sees nothing)."""
        joined = self.facilitator or self.team is not None
        if self.client is not None and joined and not self._polling:
            self._polling = True
            self.request("view")

    @work(thread=True, group="world", exit_on_error=False)
    def request(self, kind: str, *args: Any) -> None:
        client = self.client
        if client is None:
            return
        try:
            self._request(client, kind, *args)
        finally:
            if kind == "view":
                self._polling = False

    def _request(self, client: WorldClient, kind: str, *args: Any) -> None:
        try:
            view = client.join(*args) if kind == "join" else client.call(kind, *args)
        except ScenarioError as error:
            self.call_from_thread(self._refused, kind, error.problems)
            return
        except (OSError, EOFError):
            self.call_from_thread(self._lost)
            return
        self.call_from_thread(self.show, view, kind)
        if "written" in view:
            self.call_from_thread(self.notify, "\n".join(view["written"]), title="Debrief written")

    def _refused(self, kind: str, problems: list[str]) -> None:
        self.notify("\n".join(problems), title="Not done", severity="warning")
        if kind == "join":
            self.push_screen(RoleScreen(), self._joined)

    def _lost(self) -> None:
        self.client = None
        self.query_one("#rp-status", Static).update("the world's process has ended")

    # --- what the screen shows -----------------------------------------------------------------

    def show(self, view: dict[str, Any], kind: str = "view") -> None:
        first = self.view is None or self.view.get("role") != view.get("role")
        self.view = view
        if kind == "join":
            self.team = view["team"]
            self.sub_title = f"{view['team']}: {view['role_title']}"
            self.notify(f"You play {view['role_title']}.", title=view["team"])
        state = "the world has reached its last day" if view["done"] else "paused for decisions"
        waiting = [t for t, _, ready in view["teams"] if not ready]
        who = "facilitator" if self.facilitator else f"{view['team'] or '—'} ({view['role_title']})"
        self.query_one("#rp-status", Static).update(
            f"Round {view['round']} of {view['rounds']} · {view['date']} (day {view['day']} of "
            f"{view['days']}) · {state} · you: {who} · "
            f"waiting for: {', '.join(waiting) or 'nobody'}"
        )
        table = self.query_one("#rp-kpis", DataTable)
        table.clear()
        for name, value in view["kpis"]:
            table.add_row(Text(value, justify="right"), name)
        self.query_one("#rp-kpi-heading", Label).update(
            "The whole world" if self.facilitator else f"What {view['role_title']} sees"
        )
        self.query_one("#rp-teams", Static).update(
            "\n".join(f"{'✓' if ready else '…'} {t} ({role})" for t, role, ready in view["teams"])
            or "no team yet"
        )
        self.query_one("#rp-moves", Static).update("\n".join(view["moves"]) or "no move yet")
        self.query_one("#rp-events", Static).update("\n".join(view["events"]) or "nothing yet")
        if first:
            self._build_levers(view)
        for index, (_, title, value) in enumerate(view["levers"]):
            self.query_one(f"#lever-label-{index}", Label).update(f"{title}: now [b]{value}[/]")

    def _build_levers(self, view: dict[str, Any]) -> None:
        box = self.query_one("#rp-lever-list", Vertical)
        box.remove_children()
        widgets: list[Any] = []
        for index, (path, title, value) in enumerate(view["levers"]):
            widgets.append(
                Label(f"{title}: now {value}", id=f"lever-label-{index}", classes="rp-lever")
            )
            widgets.append(TextInput("", placeholder=f"new {path} (enter)", id=f"lever-{index}"))
        if self.facilitator:
            widgets.append(
                Static(
                    "f3 plays the next round now; f4 fires a shock into the world; d writes "
                    "the debrief."
                )
            )
        box.mount_all(widgets)
        if widgets and not self.facilitator:
            # At once, not after a refresh: keys a team types the moment its levers appear reach
            # the first lever, not whatever had the focus before.
            self.query_one("#lever-0", Input).focus()

    # --- actions -------------------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.view is None or not (event.input.id or "").startswith("lever-"):
            return
        index = int((event.input.id or "").split("-")[1])
        path = self.view["levers"][index][0]
        if event.value.strip():
            self.request("move", path, event.value.strip())
            event.input.value = ""

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "rp-ready":
            self.action_ready()

    def action_ready(self) -> None:
        """A team says it is ready (pressed again: not ready); the facilitator plays the round."""
        if self.facilitator:
            self.action_next_round()
        elif self.view is not None and self.team is not None:
            ready = any(t == self.team and r for t, _, r in self.view["teams"])
            self.request("ready", not ready)

    def action_next_round(self) -> None:
        self.request("advance")

    def action_debrief(self) -> None:
        """Write the role-play's debrief (moves round by round, the world) into the room folder."""
        self.request("debrief")

    def action_shock_menu(self) -> None:
        if self.facilitator:
            self.push_screen(ShockScreen(), self._shock)

    def _shock(self, kind: str | None) -> None:
        if kind:
            self.request("shock", kind)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"shock_menu", "next_round", "debrief"}:
            return self.facilitator
        if action == "ready":
            return not self.facilitator
        return True


def roleplay_main(folder: Path, facilitator: bool = False) -> None:
    """Open a team's screen (or the facilitator's) on the role-play world running in `folder`."""
    import sys

    from sim.workshop.shared import ADDRESS

    if not (folder / ADDRESS).is_file():
        print(
            f"error: {folder}: no role-play world there (sandbox serve --roleplay)", file=sys.stderr
        )
        raise SystemExit(2)
    RolePlayApp(folder, facilitator=facilitator).run()
