"""A served room: every participant works in a space of their own, and runs share a cap."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import threading
import time
from pathlib import Path

import pytest

from sim import ScenarioError, load_scenario
from sim.loader import dump_yaml
from sim.workshop import RunSlots, claim_space, participant_name, spaces

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    baseline = REPO / "configs" / "aifc_pilot_2022.yaml"
    scenario = load_scenario(baseline, ["run.days=20", "population.scale_factor=200", "name=tiny"])
    path = tmp_path / "tiny.yaml"
    path.write_text(dump_yaml(scenario), encoding="utf-8")
    return path


def test_participant_names_become_plain_folder_names() -> None:
    assert participant_name("  Aigerim Nurlanovna ") == "aigerim-nurlanovna"
    assert participant_name("../../etc/passwd") == "etc-passwd"
    assert participant_name("/") == ""
    assert "/" not in participant_name("a/b\\c") and ".." not in participant_name("a..b")


def test_a_second_tab_with_the_same_name_gets_its_own_space(tmp_path: Path) -> None:
    first = claim_space(tmp_path, "Alice")
    second = claim_space(tmp_path, "alice")
    assert (first.name, second.name) == ("alice", "alice-2")
    first.release()
    again = claim_space(tmp_path, "Alice")  # after a reload the space is theirs again
    assert again.name == "alice"
    assert {s.display for s in spaces(tmp_path)} == {"Alice", "alice"}


def test_a_space_never_follows_a_link_out_of_the_workshop(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "room").mkdir()
    (tmp_path / "room" / "mallory").symlink_to(outside)
    space = claim_space(tmp_path / "room", "Mallory")
    assert space.name == "mallory-2" and not list(outside.iterdir())


def test_runs_beyond_the_cap_wait_for_a_free_slot(tmp_path: Path) -> None:
    slots = RunSlots(tmp_path, cap=1)
    held = slots.try_acquire()
    assert held is not None and slots.busy() == 1
    told: list[int] = []
    got: list[object] = []
    waiter = threading.Thread(target=lambda: got.append(slots.acquire(told.append, poll=0.02)))
    waiter.start()
    time.sleep(0.3)
    assert not got and told == [1]  # queued, and told the room is full
    held.release()
    waiter.join(5)
    assert got and got[0] is not None


def test_a_cancelled_wait_gives_up_without_a_slot(tmp_path: Path) -> None:
    slots = RunSlots(tmp_path, cap=1)
    held = slots.try_acquire()
    assert held is not None
    assert slots.acquire(cancelled=lambda: True) is None


def test_a_participant_reads_only_their_space_the_rooms_scenario_and_the_library(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui import session as session_module
    from tui.session import Session
    from tui.workshop.room import Room

    monkeypatch.chdir(tmp_path)  # joining moves into the space; the test moves back after
    monkeypatch.setattr(session_module, "ROOM_READS", [])
    room = Room(tmp_path / "room", 1, "", tiny)
    bob = claim_space(tmp_path / "room", "Bob")
    (bob.root / "notes.yaml").write_text(tiny.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "secret.yaml").write_text(tiny.read_text(encoding="utf-8"), encoding="utf-8")
    space = room.join("Alice")

    def whatif(name: str, extends: str) -> Path:
        path = space.root / "whatifs" / f"{name}.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"extends: {extends}\nname: {name}\nkyc: {{reviewers: 7}}\n", "utf-8")
        return path

    mine = Session.open(whatif("mine", "../../../tiny.yaml"))  # as a save writes it
    assert mine.is_whatif and mine.edits == {"kyc.reviewers": "7"}
    assert Session.open(whatif("library", str(REPO / "configs" / "aifc_pilot_2022.yaml")))
    for name, extends in (
        ("bobs", "../../bob/notes.yaml"),
        ("absolute", str(tmp_path / "secret.yaml")),
        ("up", "../../../secret.yaml"),
    ):
        with pytest.raises(ScenarioError, match="outside the folders a scenario may read"):
            Session.open(whatif(name, extends))
    space.release()
    bob.release()


# --- two participants at once, each in their own app process ------------------------------------


def _participant(workshop: str, scenario: str, name: str, results: multiprocessing.Queue) -> None:
    results.put(asyncio.run(_drive(Path(workshop), Path(scenario), name)))


def _exported() -> bool:
    """The export has landed: a JSON file under runs/, outside the hidden temporary folder it is
    written to first (renamed when complete, so it may vanish while we look)."""
    try:
        return any(
            not p.relative_to("runs").parts[0].startswith(".") for p in Path("runs").rglob("*.json")
        )
    except FileNotFoundError:
        return False


async def _drive(workshop: Path, scenario: Path, name: str) -> dict[str, object]:
    from tests.tui.conftest import wait_for
    from tui.app import SandboxApp
    from tui.screens.scenarios import saved_whatifs
    from tui.workshop.join import JoinScreen

    app = SandboxApp(scenario, blink=False, workshop=workshop, max_runs=1)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, JoinScreen))
        await pilot.press(*name, "enter")
        await wait_for(pilot, lambda: app.room.space is not None)
        app.edit("kyc.reviewers", "7")
        await wait_for(pilot, lambda: not app.validating and app.session.valid)
        default = app.session.default_name()
        app.action_save_as()
        await pilot.pause(0.2)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.session.saved_to is not None)
        app.action_run_start()
        await wait_for(pilot, lambda: app.runner.status == "finished", timeout=120)
        app.action_export_results()
        await wait_for(pilot, _exported)
        assert app.room.space is not None
        return {
            "name": name,
            "default": default,
            "cwd": str(Path.cwd()),
            "files": sorted(str(p) for p in Path.cwd().rglob("*") if p.is_file()),
            "visible": [e.name for e in saved_whatifs()],
        }


def test_two_participants_at_once_never_see_each_others_files(tiny: Path, tmp_path: Path) -> None:
    room = tmp_path / "room"
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue = context.Queue()
    people = [
        context.Process(target=_participant, args=(str(room), str(tiny), name, results))
        for name in ("Alice", "Bob")
    ]
    for process in people:
        process.start()
    found = {r["name"]: r for r in (results.get(timeout=240) for _ in people)}
    for process in people:
        process.join(30)
    assert [process.exitcode for process in people] == [0, 0]  # ended, their processes with them
    alice, bob = found["Alice"], found["Bob"]
    assert alice["cwd"] == str((room / "alice").resolve())
    assert bob["cwd"] == str((room / "bob").resolve())
    assert "alice" in str(alice["default"]) and "bob" in str(bob["default"])
    for me, other in ((alice, bob), (bob, alice)):
        assert all(f.startswith(str(me["cwd"])) for f in me["files"])  # type: ignore[union-attr]
        assert not any(str(other["name"]).lower() in f for f in me["visible"])  # type: ignore[union-attr]
        assert any(f.endswith(".yaml") and "/whatifs/" in f for f in me["files"])  # type: ignore[union-attr]
        assert any("/runs/" in f for f in me["files"])  # type: ignore[union-attr]
    assert {p.name for p in room.iterdir()} == {"alice", "bob", ".slots"}  # nothing else written
    info = json.loads((room / "alice" / "participant.json").read_text(encoding="utf-8"))
    assert info["name"] == "Alice"
