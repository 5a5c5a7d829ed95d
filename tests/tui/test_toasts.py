"""Toasts (notifications) never cover what a participant is reading, on any screen or size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets._toast import Toast, ToastRack
from textual.widgets._tooltip import Tooltip

from tests.tui.conftest import wait_for
from tui.app import SandboxApp

SIZES = [(80, 24), (88, 33), (142, 44)]
"""The smallest terminal, and the served app in a browser window of 800×600 and of 1280×800."""

SCREENS = "1234567"

WROTE = [
    Path("runs/tiny") / n for n in ("summary.json", "timeseries.csv", "scenario.resolved.yaml")
]


def ids(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


def content(app: App[Any]) -> list[Widget]:
    """What the screen shows besides toasts: its own children (nav bar, body, key bar)."""
    return [
        child
        for child in app.screen.children
        if child.display and not isinstance(child, (ToastRack, Tooltip))
    ]


async def toasts_shown(pilot: Any, count: int) -> list[Region]:
    app = pilot.app
    await wait_for(pilot, lambda: len([t for t in app.screen.query(Toast) if t.region]) == count)
    await pilot.pause(0.1)
    return [toast.region for toast in app.screen.query(Toast)]


def covered(app: App[Any], toasts: list[Region]) -> list[str]:
    return [
        f"{type(app.screen).__name__}: a toast at {toast} covers {widget!r} at {widget.region}"
        for toast in toasts
        for widget in content(app)
        if toast.overlaps(widget.region)
    ]


@pytest.mark.parametrize("size", SIZES, ids=ids)
async def test_a_toast_covers_no_content_on_any_screen(tiny: Path, size: tuple[int, int]) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=size, notifications=True) as pilot:
        problems: list[str] = []
        for key in SCREENS:
            await pilot.press(key)
            await pilot.pause(0.1)
            app._written("the run's results", WROTE)  # the toast of `e`, two rows or more
            problems += covered(app, await toasts_shown(pilot, 1))
            app.clear_notifications()
            await wait_for(pilot, lambda: not app.screen.query(Toast))
        assert problems == []


async def test_stacked_and_long_toasts_cover_no_content_and_leave_most_of_the_screen(
    tiny: Path,
) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(88, 33), notifications=True) as pilot:
        await pilot.press("3")
        problems = "\n".join(f"problem {n}: a value is out of its range" for n in range(5))
        app.notify(problems, title="Cannot open what-if.yaml", severity="error")
        app.notify("Start a run first: shocks are fired into a running simulation.")
        app._written("the run's results", WROTE)
        toasts = await toasts_shown(pilot, 3)
        assert covered(app, toasts) == []
        rack = app.screen.query_one(ToastRack)
        assert rack.region.height <= 33 // 3


async def test_the_content_gets_its_rows_back_when_the_toast_goes(tiny: Path) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(88, 33), notifications=True) as pilot:
        await pilot.press("3")
        await pilot.pause(0.1)
        before = {id(w): w.region for w in content(app)}
        app.notify("Saved the what-if to whatifs/x.yaml", title="Saved", timeout=0.5)
        await toasts_shown(pilot, 1)
        await wait_for(pilot, lambda: not app.screen.query(Toast))
        await pilot.pause(0.1)
        assert {id(w): w.region for w in content(app)} == before


@pytest.mark.parametrize("kind", ["facilitator", "roleplay"])
async def test_a_toast_covers_nothing_in_the_facilitators_view_or_a_role_play_team(
    tmp_path: Path, kind: str
) -> None:
    from tui.workshop.facilitator import FacilitatorApp
    from tui.workshop.roleplay import RolePlayApp

    app = FacilitatorApp(tmp_path) if kind == "facilitator" else RolePlayApp(tmp_path, blink=False)
    async with app.run_test(size=(88, 33), notifications=True) as pilot:
        await pilot.pause(0.2)
        app.notify("fired into every participant's running simulation", title="Shock")
        toasts = await toasts_shown(pilot, 1)
        assert covered(app, toasts) == []


async def test_the_field_being_typed_in_stays_in_sight_when_a_toast_shows(tiny: Path) -> None:
    from textual.widgets import Input

    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause(0.3)
        field = [i for i in app.screen.query(Input) if i.region][-1]  # the form's last row
        field.focus()
        await pilot.pause(0.2)
        form = next(a for a in field.ancestors if str(a.id).startswith("form-"))
        assert isinstance(form, Widget)
        app.notify("Fix the values marked ✗ before saving.", severity="warning")
        await toasts_shown(pilot, 1)
        assert form.region.contains_region(field.region)
