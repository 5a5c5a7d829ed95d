"""The facilitator's view: the room ranked on the lesson's goal, live; room shocks; debrief."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, OptionList

from sim import compare
from sim.workshop import claim_space
from sim.workshop.broadcast import announced
from tests.tui.conftest import wait_for
from tests.workshop.test_debrief import LESSON, SHORT, room_of_two
from tui.app import SandboxApp
from tui.exports import keep_for_debrief
from tui.workshop import facilitator as facilitator_module
from tui.workshop.facilitator import FacilitatorApp
from tui.workshop.join import JoinScreen
from tui.workshop.shocks import ShockScreen


def _board(app: FacilitatorApp) -> list[list[str]]:
    table = app.query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_the_facilitator_sees_every_latest_whatif_ranked_and_refreshed_as_runs_finish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(facilitator_module, "REFRESH", 0.3)
    room = tmp_path / "room"
    room_of_two(room)
    app = FacilitatorApp(room, LESSON)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: len(_board(app)) == 2)
        board = _board(app)
        assert [row[:3] for row in board] == [
            ["1", "Aida", "Aida-whatif"],
            ["2", "Bek", "Bek-whatif"],
        ]
        assert all(row[4] for row in board)  # headline changes beside each
        # Cem finishes a comparison while the facilitator watches: the board picks it up.
        space = claim_space(room, "Cem")
        base = LESSON.scenario(SHORT)
        reform = LESSON.scenario([*SHORT, "kyc.reviewers=400", "name=Cem-whatif"])
        keep_for_debrief(compare(base, reform, 2, 1), space.root / "runs")
        space.release()
        await wait_for(pilot, lambda: len(_board(app)) == 3)
        assert _board(app)[0][1] == "Cem"  # eight times the reviewers: fewest give up
        assert "3 participants, 3 with a comparison" in str(app.query_one("#fac-status").render())


async def test_the_facilitator_writes_the_debrief_with_a_key(tmp_path: Path) -> None:
    room = tmp_path / "room"
    room_of_two(room)
    app = FacilitatorApp(room, LESSON)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: len(_board(app)) == 2)
        await pilot.press("d")
        await wait_for(pilot, lambda: (room / "debrief.html").is_file())
    assert "### Aida" in (room / "debrief.md").read_text(encoding="utf-8")


async def test_a_shock_the_facilitator_fires_lands_in_a_participants_running_simulation(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    room = tmp_path / "room"
    participant = SandboxApp(tiny, blink=False, workshop=room, max_runs=1, start_mode="dashboard")
    host = FacilitatorApp(room, LESSON)
    async with participant.run_test(size=(160, 48)) as one, host.run_test(size=(160, 40)) as two:
        await wait_for(one, lambda: isinstance(participant.screen, JoinScreen))
        await one.press(*"Dana", "enter")
        await wait_for(one, lambda: participant.room.space is not None)
        participant.action_step()  # a run held at day 0, then one day
        await wait_for(
            one, lambda: participant.snapshot is not None and participant.snapshot.day >= 1
        )
        await two.press("f4")
        await wait_for(two, lambda: isinstance(host.screen, ShockScreen))
        options = host.screen.query_one(OptionList)
        options.highlighted = [o.id for o in options.options].index("enforcement_sweep")
        await two.press("enter")
        assert [s["kind"] for s in announced(room)] == ["enforcement_sweep"]
        told = "enforcement sweep: fired into your run by the facilitator"
        await wait_for(one, lambda: any(n.message == told for n in participant._notifications))
        day = participant.snapshot.day
        participant.action_step()
        await wait_for(one, lambda: "enforcement sweep" in participant.shock_marks.values())
        assert min(participant.shock_marks) >= day
        await wait_for(
            two, lambda: "enforcement sweep" in str(host.query_one("#fac-shocks").render())
        )
