"""The facilitator's view of a served room: every participant's latest what-if, ranked, live.

It reads the workshop folder as the scoreboard and the debrief do (`sim.workshop.debrief`), every
few seconds, so a participant's comparison shows up as soon as it is finished. From here the
facilitator fires a shock into every running simulation of the room (f4) and writes the debrief (d).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, Label, Static

from sim.errors import ScenarioError
from sim.formatting import format_value, label
from sim.shocks import TITLES
from sim.workshop.broadcast import announce, announced
from sim.workshop.debrief import (
    Participant,
    headlines,
    lesson_of,
    read_room,
    scoreboard,
    write_debrief,
)
from sim.workshop.lessons import Lesson
from tui.widgets.scrolling import DataTable, Footer, VerticalScroll
from tui.widgets.toasts import TOAST_STRIP_CSS, strip_toasts
from tui.workshop.shocks import ShockScreen

REFRESH = 3.0
"""Seconds between two readings of the room."""
CHANGES = 3
"""Headline changes shown per participant, after the goal's KPI."""


def _changes(document: dict[str, Any], lesson: Lesson | None) -> str:
    """The headline changes of a comparison in a few words: `KYC wait, mean (h) −12.40*`
    (* marks a change significant at 95%)."""
    kpis = document.get("kpis", {})
    goal = lesson.goal if lesson else None
    shown = [k for k in headlines(document, goal) if not goal or k != goal.kpi][:CHANGES]
    words = []
    for kpi in shown:
        entry = kpis[kpi]
        mark = "*" if entry.get("significant") else ""
        words.append(f"{label(kpi)} {format_value(kpi, entry.get('change'), signed=True)}{mark}")
    return "; ".join(words) or "no significant change"


def board_rows(room: list[Participant], lesson: Lesson | None) -> list[tuple[str, ...]]:
    """One row per participant: rank, name, latest what-if, goal value, headline changes."""
    if lesson is None:
        ranked: list[tuple[int | None, Participant, str]] = [
            (None, p, "no lesson: ranked on nothing") for p in room
        ]
    else:
        ranked = scoreboard(room, lesson.goal)
    rows: list[tuple[str, ...]] = []
    for rank, person, why in ranked:
        latest = person.latest
        what_if = str(latest.get("reform") or latest.get("label") or "") if latest else "—"
        changes = _changes(latest, lesson) if latest else "no comparison yet"
        entry = latest.get("kpis", {}).get(lesson.goal.kpi) if latest and lesson else None
        if rank is not None and lesson is not None and isinstance(entry, dict):
            change = format_value(lesson.goal.kpi, entry.get("change"), signed=True)
            why += f" ({change}{'*' if entry.get('significant') else ''})"
        rows.append((str(rank or "-"), person.name, what_if, why, changes))
    return rows


class FacilitatorApp(App[None]):
    """The room's scoreboard, refreshed as participants finish comparisons; shocks; the debrief."""

    TITLE = "Exchange Sandbox: facilitator"
    CSS = TOAST_STRIP_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f4", "shock_menu", "Shock the room", id="facilitator.shock"),
        Binding("d", "debrief", "Debrief", id="facilitator.debrief"),
        Binding("r", "refresh", "Refresh", id="facilitator.refresh"),
        Binding("ctrl+q", "quit", "Quit", id="facilitator.quit"),
    ]
    DEFAULT_CSS = """
    #fac-status { height: auto; padding: 0 1; background: $boost; }
    #fac-board { height: auto; max-height: 70%; }
    .fac-heading { text-style: bold; margin-top: 1; padding: 0 1; }
    #fac-shocks { padding: 0 1; }
    """

    def __init__(self, workshop: Path, lesson: Lesson | None = None) -> None:
        super().__init__()
        self.workshop, self.lesson = workshop, lesson
        self.rows: list[tuple[str, ...]] = []
        self.refreshed: dt.datetime | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("reading the room…", id="fac-status")
        with VerticalScroll():
            yield DataTable(id="fac-board", zebra_stripes=True, cursor_type="row")
            yield Label("Shocks fired into the room", classes="fac-heading")
            yield Static("none yet", id="fac-shocks")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("rank", "participant", "latest what-if", "goal", "headline changes")
        self.sub_title = str(self.workshop)
        strip_toasts(self.screen)
        self.set_interval(REFRESH, self.action_refresh)
        self.action_refresh()

    @work(thread=True, exclusive=True, group="room", exit_on_error=False)
    def action_refresh(self) -> None:
        """Read the room again (in a thread: a room of twenty is a few hundred small files)."""
        try:
            room = read_room(self.workshop)
            lesson = self.lesson or lesson_of(room, None)
        except (OSError, ScenarioError) as error:
            self.call_from_thread(self.notify, str(error), severity="error")
            return
        shocks = announced(self.workshop)
        self.call_from_thread(self.show, room, lesson, shocks)

    def show(
        self, room: list[Participant], lesson: Lesson | None, shocks: list[dict[str, Any]]
    ) -> None:
        self.lesson = lesson
        self.refreshed = dt.datetime.now()
        rows = board_rows(room, lesson)
        if rows != self.rows:
            self.rows = rows
            table = self.query_one(DataTable)
            table.clear()
            for row in rows:
                table.add_row(*row)
        goal = f"{lesson.title}: {lesson.goal.describe()}" if lesson else "no lesson (--lesson)"
        done = sum(1 for person in room if person.latest)
        self.query_one("#fac-status", Static).update(
            f"{len(room)} participants, {done} with a comparison · {goal} · "
            f"read at {self.refreshed:%H:%M:%S}"
        )
        self.query_one("#fac-shocks", Static).update(
            "\n".join(f"{s['at']}: {TITLES[s['kind']]} ({s['by']})" for s in shocks) or "none yet"
        )

    def action_shock_menu(self) -> None:
        self.push_screen(ShockScreen(), self._shock)

    def _shock(self, kind: str | None) -> None:
        if not kind:
            return
        announce(self.workshop, kind)
        self.notify(
            f"{TITLES[kind]}: fired into every participant's running simulation", title="Shock"
        )
        self.action_refresh()

    @work(thread=True, exclusive=True, group="debrief", exit_on_error=False)
    def action_debrief(self) -> None:
        """Write debrief.md and debrief.html into the workshop folder."""
        try:
            name = self.lesson.name if self.lesson else None
            written = write_debrief(self.workshop, name)
        except (OSError, ScenarioError) as error:
            self.call_from_thread(self.notify, str(error), severity="error")
            return
        self.call_from_thread(
            self.notify, "\n".join(str(p) for p in written), title="Debrief written"
        )


def facilitator_main(workshop: Path, lesson: str | None = None) -> None:
    """Open the facilitator's view of `workshop`: the role-play's world if one runs there."""
    import sys

    from sim.workshop.lessons import find_lesson
    from sim.workshop.shared import ADDRESS
    from tui.workshop.roleplay import RolePlayApp

    if not workshop.is_dir():
        print(f"error: {workshop}: no such workshop folder", file=sys.stderr)
        raise SystemExit(2)
    if (workshop / ADDRESS).is_file():
        RolePlayApp(workshop, facilitator=True).run()
        return
    try:
        found = find_lesson(lesson) if lesson else None
    except ScenarioError as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        raise SystemExit(2) from None
    FacilitatorApp(workshop, found).run()
