"""Demand responds to the rules as they read: rolling caps, refused demand that moves offshore,
enforcement that takes one platform at a time, and awareness that the world moves."""

from __future__ import annotations

from sim import Simulation, load_scenario
from sim.components.population import HOURS_PER_YEAR
from sim.records import DemandMoved, PaymentBlocked, PersonArrived, PlatformShut, Purchase
from tests.conftest import BASELINE, SMALL


def _world(*overrides: str) -> Simulation:
    return Simulation(load_scenario(BASELINE, [*SMALL, *overrides]))


def _run(*overrides: str, records: bool = False) -> Simulation:
    simulation = Simulation(load_scenario(BASELINE, [*SMALL, *overrides]), keep_records=records)
    simulation.run()
    return simulation


def test_the_income_proven_cap_is_a_rolling_twelve_months_not_a_lifetime_cap() -> None:
    world = _world("population.proof_of_income_share=1").world
    exchanges = world.exchanges
    person = world.population.arrive(0.0)
    cap, _ = exchanges.cap_room(person, 0.0)
    assert 0 < cap < float("inf")
    exchanges.record_spend(person, 0.0, cap)
    assert exchanges.cap_room(person, 24.0)[0] == 0  # used up for now...
    assert exchanges.cap_room(person, HOURS_PER_YEAR - 24.0)[0] == 0  # ...for the whole year...
    later, _ = exchanges.cap_room(person, HOURS_PER_YEAR + 24.0)
    assert later == cap  # ...and whole again once the purchase is 12 months old


def test_licensed_purchases_a_bank_refuses_partly_move_unlicensed_with_their_reason() -> None:
    refusing = ("channel.licensed_awareness=1", "banks.licensed_friction_prob=1")
    stays = _run(*refusing, "channel.refused_spillover_unlicensed=0")
    moves = _run(*refusing, "channel.refused_spillover_unlicensed=0.5", records=True)
    assert moves.kpis()["unlicensed_volume_kzt"] > stays.kpis()["unlicensed_volume_kzt"]
    records = moves.recorder.records
    prefix = "channel.refused_spillover_unlicensed=0.5 (since 2022-07-01): banks."
    moved = [r for r in records if isinstance(r, DemandMoved) and r.reason.startswith(prefix)]
    refused = [r for r in records if isinstance(r, PaymentBlocked) and r.channel == "licensed"]
    assert moved and 0.35 < len(moved) / len(refused) < 0.65
    rules = ("channel.refused_spillover_unlicensed=", "channel.cap_spillover_unlicensed=")
    assert all(r.reason.startswith(rules) for r in records if isinstance(r, DemandMoved))


def test_unlicensed_platforms_are_many_small_and_a_few_large() -> None:
    world = _run().world
    sizes = sorted((len(users) for users in world.unlicensed.users.values()), reverse=True)
    assert len(sizes) >= 100
    assert sizes[0] > 10 * max(1, sizes[len(sizes) // 2])  # the largest dwarfs the median
    assert sum(sizes[:10]) > 0.3 * sum(sizes)


def test_a_shutdown_takes_one_platforms_users_and_no_one_elses() -> None:
    simulation = _world("unlicensed.shutdowns_per_year=0")
    simulation.advance(30)
    unlicensed = simulation.world.unlicensed
    before = {p: set(users) for p, users in unlicensed.users.items()}
    victim = max(before, key=lambda p: len(before[p]))
    holders = [p for p in before[victim] if p.offshore]
    assert holders
    unlicensed._shut(victim)
    assert all(p.offshore == 0 and p.platform == -1 for p in before[victim])
    assert {p: unlicensed.users[p] for p in before if p != victim} == {
        p: users for p, users in before.items() if p != victim
    }


def test_a_high_shutdown_rate_never_empties_the_unlicensed_market() -> None:
    simulation = _run("unlicensed.platforms=5", "unlicensed.shutdowns_per_year=400", records=True)
    records = simulation.recorder.records
    assert sum(isinstance(r, PlatformShut) for r in records) > 20
    arrivals = [r for r in records if isinstance(r, PersonArrived)]
    assert not any(r.reason == "only licensed exchanges are open" for r in arrivals)
    weeks = {
        int(r.t // 168) for r in records if isinstance(r, Purchase) and r.channel == "unlicensed"
    }
    assert weeks == set(range(45 // 7 + 1))


def test_enforcement_seizes_about_what_was_published_per_shutdown() -> None:
    # 2.5 bn KZT confiscated from 36 shut exchanges in 2024; USD 16.7M from 130 in 2025: both
    # about 70M KZT a shutdown (facts §3 [A]). The 2024 rate, a year, two seeds.
    seized = shutdowns = 0.0
    for seed in (1, 2):
        scenario = load_scenario(
            BASELINE,
            [f"run.seed={seed}", "population.scale_factor=100", "unlicensed.shutdowns_per_year=36"],
        )
        simulation = Simulation(scenario, keep_records=True)
        simulation.run()
        seized += simulation.kpis()["receipts_seized_kzt"]
        shutdowns += sum(isinstance(r, PlatformShut) for r in simulation.recorder.records)
    assert 70e6 / 3 < seized / shutdowns < 70e6 * 3
