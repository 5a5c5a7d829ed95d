"""Role-play: one shared world in its own process, teams holding their institution's levers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input, OptionList, Static
from typer.testing import CliRunner

from sim import ScenarioError, load_scenario
from sim.cli import app
from sim.loader import dump_yaml
from sim.people import timeline
from sim.records import PaymentBlocked
from sim.workshop.roleplay import MOVES, ROLES, RolePlay, replay, replay_folder
from sim.workshop.roleplay_debrief import write_debrief as write_roleplay_debrief
from sim.workshop.shared import WorldClient, start_world
from tests.tui.conftest import BASELINE, wait_for
from tui.workshop.roleplay import RolePlayApp, RoleScreen
from tui.workshop.shocks import ShockScreen

TINY = ["run.days=15", "population.scale_factor=200", "name=tiny"]


@pytest.fixture
def room(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "room"
    process = start_world(folder, load_scenario(BASELINE, TINY), round_days=5)
    yield folder
    process.terminate()
    process.join(5)


def _text(app: RolePlayApp, selector: str) -> str:
    return str(app.query_one(selector, Static).render())


async def _join(pilot: Any, app: RolePlayApp, team: str, role: str) -> None:
    await wait_for(pilot, lambda: isinstance(app.screen, RoleScreen))
    app.screen.query_one(Input).value = team
    await pilot.press("enter")
    options = app.screen.query_one(OptionList)
    options.highlighted = [o.id for o in options.options].index(role)
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.team == team and bool(app.query("#lever-0")))


async def _move(pilot: Any, app: RolePlayApp, path: str, value: str) -> None:
    assert app.view is not None
    index = [lever[0] for lever in app.view["levers"]].index(path)
    box = app.query_one(f"#lever-{index}", Input)
    box.focus()
    box.value = value
    await pilot.press("enter")
    await wait_for(pilot, lambda: any(path in m for m in app.view["moves"]))  # type: ignore[index]


async def test_two_teams_play_three_rounds_in_one_shared_world(room: Path) -> None:
    regulator, exchange = RolePlayApp(room, blink=False), RolePlayApp(room, blink=False)
    facilitator = RolePlayApp(room, facilitator=True, blink=False)
    async with (
        regulator.run_test(size=(140, 44)) as one,
        exchange.run_test(size=(140, 44)) as two,
        facilitator.run_test(size=(140, 44)) as host,
    ):
        await _join(one, regulator, "Watchdog", "regulator")
        await _join(two, exchange, "Coinhall", "exchange")
        # Each team holds only its institution's levers and sees its own KPIs.
        assert [v[0] for v in regulator.view["levers"]] == [
            v.path for v in ROLES["regulator"].levers
        ]
        assert [v[0] for v in exchange.view["levers"]] == [v.path for v in ROLES["exchange"].levers]
        assert regulator.view["kpis"] != exchange.view["kpis"]
        moves = {1: ("kyc.reviewers", "100"), 2: ("unlicensed.shutdowns_per_year", "60")}
        for round_ in (1, 2, 3):
            await wait_for(one, lambda r=round_: regulator.view["round"] == r)
            if round_ == 1:
                await _move(two, exchange, *moves[1])
            if round_ == 2:
                await _move(one, regulator, *moves[2])
                await host.press("f4")  # the facilitator fires a shock into the world
                await wait_for(host, lambda: isinstance(facilitator.screen, ShockScreen))
                options = facilitator.screen.query_one(OptionList)
                options.highlighted = [o.id for o in options.options].index("btc_crash")
                await host.press("enter")
                await wait_for(host, lambda: any("BTC" in m for m in facilitator.view["moves"]))
            await one.press("f3")  # ready: the world waits for the other team
            await wait_for(two, lambda: ("Watchdog", "regulator", True) in exchange.view["teams"])
            assert exchange.view["round"] == round_
            await two.press("f3")
            await wait_for(one, lambda r=round_: regulator.view["day"] == 5 * r)
        await wait_for(host, lambda: facilitator.view["day"] == 15)
        assert "Round 3 of 3" in _text(facilitator, "#rp-status")
        assert "last day" in _text(facilitator, "#rp-status")
        # Every move is on every screen with its round and team, and in the world's event log.
        moves_text = _text(exchange, "#rp-moves")
        assert "round 1: Coinhall (exchange) set kyc.reviewers 50 → 100" in moves_text
        assert "round 2: Watchdog (regulator) set unlicensed.shutdowns_per_year" in moves_text
        assert "round 2: facilitator fired a shock: BTC crash" in moves_text
        events = _text(facilitator, "#rp-events")
        assert "round 1: Coinhall (an exchange) moved" in events and "BTC crash" in events
        assert facilitator.query_one("#rp-kpis", DataTable).row_count == len(
            facilitator.view["kpis"]
        )
        await host.press("d")  # the facilitator writes the debrief from the live world
        await wait_for(host, lambda: (room / "debrief.html").is_file())
    log = json.loads((room / MOVES).read_text(encoding="utf-8"))
    assert [(e["round"], e["team"], e["kind"]) for e in log["entries"]] == [
        (1, "Coinhall", "move"),
        (2, "Watchdog", "move"),
        (2, "facilitator", "shock"),
    ]
    assert log["rounds_played"] == 3


def _session(scenario: Any) -> RolePlay:
    play = RolePlay(scenario, round_days=5)
    play.join("Bank", "bank")
    play.join("Watchdog", "regulator")
    play.move("Bank", "banks.unlicensed_block_prob", 0.9)
    play.advance()
    play.fire_shock("enforcement_sweep")
    play.move("Watchdog", "exchanges.unverified_monthly_cap", "200 USD")
    play.advance()
    play.advance()
    return play


def test_the_same_scenario_seed_and_moves_give_the_same_numbers(tmp_path: Path) -> None:
    scenario = load_scenario(BASELINE, TINY)
    played = _session(scenario)
    played.save(tmp_path)
    again = replay_folder(tmp_path)
    assert again.sim.day == played.sim.day == 15
    assert again.sim.kpis() == played.sim.kpis()
    assert again.sim.rows == played.sim.rows
    untouched = replay(scenario, {**played.log(), "entries": []})
    assert untouched.sim.kpis() != played.sim.kpis()  # the moves did change the world


def test_a_team_holds_only_its_own_levers(tmp_path: Path) -> None:
    play = RolePlay(load_scenario(BASELINE, TINY), round_days=5)
    play.join("Bank", "bank")
    with pytest.raises(ScenarioError, match="not a lever of a partner bank"):
        play.move("Bank", "kyc.reviewers", 10)
    with pytest.raises(ScenarioError, match="risk_appetite"):
        play.move("Bank", "banks.risk_appetite", -3)
    with pytest.raises(ScenarioError, match="no team"):
        play.move("Nobody", "banks.risk_appetite", 3)
    assert play.entries == []


def test_the_world_advances_only_when_every_team_is_ready(room: Path) -> None:
    bank, exchange = WorldClient(room), WorldClient(room)
    bank.join("Bank", "bank")
    exchange.join("Coinhall", "exchange")
    assert bank.call("ready", True)["day"] == 0
    assert exchange.call("ready", True)["day"] == 5
    assert bank.view()["teams"] == [("Bank", "bank", False), ("Coinhall", "exchange", False)]
    facilitator = WorldClient(room)
    assert facilitator.call("advance")["day"] == 10  # the facilitator need not wait


def test_only_the_facilitator_plays_a_round_fires_a_shock_or_writes_the_debrief(room: Path) -> None:
    """The world process itself refuses a team's request to play the round, fire a shock or
    write the debrief: a team's only say over the clock is being ready."""
    bank = WorldClient(room)
    bank.join("Bank", "bank")
    for kind, args in (("advance", ()), ("shock", ("btc_crash",)), ("debrief", ())):
        with pytest.raises(ScenarioError, match="only the facilitator can"):
            bank.call(kind, *args)
    assert bank.view()["day"] == 0 and not list(room.glob("debrief*"))
    assert WorldClient(room).call("advance")["day"] == 5


def test_the_reason_trail_names_the_team_and_round_behind_a_move(tmp_path: Path) -> None:
    play = RolePlay(load_scenario(BASELINE, TINY), round_days=5)
    play.join("Halyk", "bank")
    play.advance()
    play.move("Halyk", "banks.unlicensed_block_prob", 0.9)
    why = play.sim.world.why("banks.unlicensed_block_prob")
    assert "set by Halyk (a partner bank) in round 2" in why, why
    play.advance()
    assert play.sim.recorder is not None
    records = [*play.sim.recorder.records, *play.sim.pending_records()]
    people = {r.person for r in records if isinstance(r, PaymentBlocked) and r.t >= 5 * 24}
    blocked = [
        step.reason
        for pid in sorted(people)
        for step in timeline(play.sim, pid)
        if step.reason and "banks.unlicensed_block_prob" in step.reason and step.t >= 5 * 24
    ]
    assert blocked and all("set by Halyk (a partner bank) in round 2" in r for r in blocked)


def test_serve_roleplay_starts_one_world_and_serves_every_tab_a_team_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim.workshop import shared
    from tui.workshop import serve

    started: list[tuple[Path, int]] = []
    served: list[str] = []
    monkeypatch.setattr(shared, "start_world", lambda f, s, d: started.append((f, d)))
    monkeypatch.setattr(serve.SandboxServer, "serve", lambda self: served.append(self.command))
    scenario = tmp_path / "world.yaml"
    scenario.write_text(dump_yaml(load_scenario(BASELINE, TINY)), encoding="utf-8")
    room = tmp_path / "room"
    result = CliRunner().invoke(
        app, ["serve", "--roleplay", str(scenario), "--workshop", str(room), "--round-days", "7"]
    )
    assert result.exit_code == 0, result.output
    assert started == [(room, 7)]
    assert served[0].endswith(f"-m tui --roleplay {room.resolve()}")
    result = CliRunner().invoke(app, ["serve", "--facilitator", "--workshop", str(room)])
    assert served[1].endswith(f"--facilitator --workshop {room.resolve()}")


def test_bad_roleplay_options_are_one_line_each_and_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["serve", "--roleplay", str(tmp_path / "nope.yaml"), "--lesson", "1"]
    )
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 2
    assert all(line.startswith("error: ") for line in lines) and "Traceback" not in result.output
    result = CliRunner().invoke(app, ["tui", "--roleplay", str(tmp_path)])
    assert result.exit_code == 2 and "no role-play world there" in result.output
    result = CliRunner().invoke(app, ["tui", "--facilitator"])
    assert result.exit_code == 2 and "--workshop" in result.output


def test_the_debrief_of_a_roleplay_replays_its_moves_to_the_same_numbers(tmp_path: Path) -> None:
    played = _session(load_scenario(BASELINE, TINY))
    room = tmp_path / "room"
    played.save(room)
    live = write_roleplay_debrief(played, tmp_path / "live", "room")[0].read_text("utf-8")
    result = CliRunner().invoke(app, ["debrief", str(room)])
    assert result.exit_code == 0, result.output
    replayed = (room / "debrief.md").read_text(encoding="utf-8")
    assert replayed == live  # same moves, same days, same numbers
    assert "| 1 | 2022-07-06 | Bank (bank) set banks.unlicensed_block_prob 0.3 → 0.9 |" in live
    assert "Watchdog (regulator) set exchanges.unverified_monthly_cap" in live
    assert "| Bank | a partner bank |" in live and "## What the regulator saw" in live


async def test_a_team_types_letters_into_a_lever_without_triggering_the_facilitators_keys(
    room: Path,
) -> None:
    team = RolePlayApp(room, blink=False)
    async with team.run_test(size=(140, 44)) as pilot:
        await _join(pilot, team, "Coinhall", "exchange")
        box = team.query_one("#lever-1", Input)
        box.focus()
        await pilot.press(*"3d", "enter")  # a duration: three days per review
        await wait_for(pilot, lambda: any("kyc.review_time_mean" in m for m in team.view["moves"]))
        assert "→ 3d" in team.view["moves"][-1] and not (room / "debrief.md").exists()


async def test_a_name_then_enter_twice_typed_at_once_joins_as_the_highlighted_institution(
    room: Path,
) -> None:
    from textual import events

    team = RolePlayApp(room, blink=False)
    async with team.run_test(size=(140, 44)) as pilot:
        await wait_for(pilot, lambda: isinstance(team.screen, RoleScreen))
        team.screen.query_one(Input).value = "Quick"
        for _ in range(2):  # both queued before either is handled, as a browser under load sends
            team.post_message(events.Key("enter", "\r"))
        await wait_for(pilot, lambda: team.team == "Quick")
        assert team.view is not None and team.view["role"] == "regulator"


async def test_arrows_typed_ahead_in_the_name_box_choose_the_institution(room: Path) -> None:
    from textual import events

    team = RolePlayApp(room, blink=False)
    async with team.run_test(size=(140, 44)) as pilot:
        await wait_for(pilot, lambda: isinstance(team.screen, RoleScreen))
        team.screen.query_one(Input).value = "Ahead"
        for key in ("enter", "down", "down", "enter"):  # all queued before any is handled
            team.post_message(events.Key(key, "\r" if key == "enter" else None))
        await wait_for(pilot, lambda: team.team == "Ahead")
        assert team.view is not None and team.view["role"] == "exchange"


def test_a_roleplay_world_too_big_for_this_machine_is_refused_before_it_starts(
    tmp_path: Path,
) -> None:
    big = tmp_path / "big.yaml"
    big.write_text(
        f"extends: {BASELINE}\nname: big\npopulation: {{scale_factor: 1}}\nrun: {{days: 3650}}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        app, ["serve", "--roleplay", str(big), "--workshop", str(tmp_path / "room")]
    )
    assert result.exit_code == 2, result.output
    assert "raise population.scale_factor to" in result.output
    assert not (tmp_path / "room" / "moves.json").exists()
