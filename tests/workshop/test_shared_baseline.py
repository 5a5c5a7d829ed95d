"""A workshop room runs the lesson's baseline once: the next participant's comparison takes the
baseline's replications from the room and runs only their own what-if."""

from __future__ import annotations

from pathlib import Path

from tests.tui.conftest import wait_for
from tui.app import SandboxApp
from tui.workshop.join import JoinScreen


async def _compare(room: Path, scenario: Path, name: str, path: str, value: str) -> int:
    """Join as `name`, compare a what-if against the room's baseline; how many replications
    were remembered rather than run."""
    app = SandboxApp(scenario, blink=False, workshop=room, replications=2)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, JoinScreen))
        await pilot.press(*name, "enter")
        await wait_for(pilot, lambda: app.room.space is not None)
        app.edit(path, value)
        await wait_for(pilot, lambda: not app.validating and app.session.valid)
        app.action_compare()
        await wait_for(pilot, lambda: app.comparison is not None and app.compare_job is None)
        assert app.compare_error is None
        assert len(app.comparison.baseline.replications) == 2
        return app.comparison.remembered


async def test_the_second_participant_compares_against_the_baseline_the_first_one_ran(
    tiny: Path, tmp_path: Path
) -> None:
    room = tmp_path / "room"
    assert await _compare(room, tiny, "Alice", "kyc.reviewers", "7") == 0
    assert await _compare(room, tiny, "Bob", "channel.licensed_awareness", "0.6") == 2
    shared = list((room / ".replications").rglob("*.json"))
    assert len(shared) == 2  # the baseline's; each participant's what-if stays their own


async def test_a_participant_does_not_run_the_baseline_ahead_on_the_rooms_shared_cores(
    tiny: Path, tmp_path: Path
) -> None:
    app = SandboxApp(tiny, blink=False, workshop=tmp_path / "room", run_ahead=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, JoinScreen))
        assert not app.runs_ahead and app.ahead is None
