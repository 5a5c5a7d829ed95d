"""Demand responds to the rules as they read: rolling caps, refused demand that moves offshore,
enforcement that takes one platform at a time, and awareness that the world moves."""

from __future__ import annotations

import bisect
import functools

import numpy as np
import pytest

from sim import Simulation, load_scenario
from sim.components.payments import WALLETS
from sim.components.population import HOURS_PER_YEAR, RECRUITS, People, PeopleTable, Person
from sim.experiment import Change, Comparison, RunResult, run
from sim.records import (
    DemandMoved,
    PaymentBlocked,
    PaymentsDay,
    PersonArrived,
    PlatformShut,
    Posted,
    Purchase,
)
from sim.targets import measure, targets_of
from tests.conftest import BASELINE, CONFIGS, SMALL


def _world(*overrides: str) -> Simulation:
    return Simulation(load_scenario(BASELINE, [*SMALL, *overrides]))


def _run(*overrides: str, records: bool = False) -> Simulation:
    simulation = Simulation(load_scenario(BASELINE, [*SMALL, *overrides]), keep_records=records)
    simulation.run()
    return simulation


def test_the_income_proven_cap_is_a_rolling_twelve_months_not_a_lifetime_cap() -> None:
    world = _world("population.proof_of_income_share=1", "exchanges.unverified_monthly_cap=0").world
    exchanges = world.exchanges
    person = world.population.arrive(0, 0.0)
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
    users = world.population.table.users
    sizes = sorted((len(users(p)) for p in world.unlicensed.active), reverse=True)
    assert len(sizes) >= 100
    assert sizes[0] > 10 * max(1, sizes[len(sizes) // 2])  # the largest dwarfs the median
    assert sum(sizes[:10]) > 0.3 * sum(sizes)


def test_a_shutdown_takes_one_platforms_users_and_no_one_elses() -> None:
    simulation = _world("unlicensed.shutdowns_per_year=0")
    simulation.advance(30)
    unlicensed, users = simulation.world.unlicensed, simulation.world.population.table.users
    before = {p: users(p) for p in unlicensed.active}
    victim = max(before, key=lambda p: len(before[p]))
    holders = [p for p in before[victim] if p.offshore]
    assert holders
    others = [person for p, people in before.items() if p != victim for person in people]
    coins = [person.offshore for person in others]
    unlicensed._shut(victim)
    assert all(p.offshore == 0 and p.platform == -1 for p in before[victim])
    assert users(victim) == []
    assert {p: users(p) for p in before if p != victim} == {
        p: people for p, people in before.items() if p != victim
    }
    assert [person.offshore for person in others] == coins


def test_the_people_table_keeps_everyones_row_as_it_grows() -> None:
    table = PeopleTable()
    people = [Person(n, 0.0, True, False, -1, None, table) for n in range(3000)]
    for person in people:
        person.platform, person.offshore, person.topups = person.id % 11, 7 * person.id, 5
    later = [Person(n, 0.0, True, False, -1, None, table) for n in range(3000, 5000)]
    assert [p.row for p in people + later] == list(range(5000))
    assert all((p.platform, p.offshore, p.topups) == (p.id % 11, 7 * p.id, 5) for p in people)
    assert all((p.platform, p.offshore, p.topups) == (-1, 0, 0) for p in later)  # a newcomer's


def test_the_people_table_finds_each_persons_row_by_id_however_they_were_made() -> None:
    table = PeopleTable()
    made = [Person(n, 0.0, True, False, -1, None, table) for n in range(5)]  # eventful arrivals
    made.append(Person(RECRUITS, 1.0, True, True, 0, None, table))  # a laundering member
    first = table.add_unlicensed(  # quiet arrivals, as rows only
        np.arange(5, 9), np.full(4, 2.0), np.ones(4, bool), np.zeros(4, bool)
    )
    made += [Person(9, 3.0, True, False, -1, None, table)]
    made += [Person(RECRUITS + 1, 3.0, True, True, 0, None, table)]
    assert first == 6
    ids = [0, 1, 2, 3, 4, RECRUITS, 5, 6, 7, 8, 9, RECRUITS + 1]
    assert list(People(table)) == ids
    assert [table.row_of(pid) for pid in ids] == list(range(12))
    people = People(table)
    assert [people[pid].id for pid in ids] == ids
    assert [p for p in made if people[p.id] is not p] == []  # the one made before, not another
    assert people[7].channel == "unlicensed" and people[7].t_arrival == 2.0
    with pytest.raises(KeyError):
        table.row_of(10)


def test_each_newcomer_joins_the_platform_their_own_pick_falls_on_by_size() -> None:
    world = _world().world
    unlicensed, cumulative = world.unlicensed, world.unlicensed._weights()
    people = [world.population.arrive(n, 0.0) for n in range(300)]
    rows = np.array([p.row for p in people])
    joined = unlicensed._attach_many(rows, np.array([p.id for p in people])).tolist()
    for person, platform in zip(people, joined, strict=True):
        share = unlicensed._pick.u(person.id, 0) * cumulative[-1]  # their first pick
        slot = min(bisect.bisect_right(cumulative, share), len(cumulative) - 1)
        assert platform == person.platform == unlicensed.slots[slot]
    assert len(set(joined)) > 10  # the long tail is reached


def test_joining_in_a_batch_or_one_by_one_gives_the_same_platforms() -> None:
    together, alone = _world().world, _world().world
    for world in (together, alone):
        for n in range(200):
            world.population.arrive(n, 0.0)
    people = together.population.table.people
    together.unlicensed._attach_many(
        np.array([p.row for p in people]), np.array([p.id for p in people])
    )
    for person in alone.population.table.people:
        alone.unlicensed._attach(person)
    assert [p.platform for p in people] == [p.platform for p in alone.population.table.people]


def test_a_shut_platforms_user_joins_another_with_their_next_pick() -> None:
    simulation = _world("unlicensed.shutdowns_per_year=0")
    simulation.advance(30)
    world = simulation.world
    unlicensed, table = world.unlicensed, world.population.table
    victim = max(unlicensed.active, key=lambda p: len(table.users(p)))
    person = table.users(victim)[0]
    picks = int(table.picks[person.row])
    unlicensed._shut(victim)
    unlicensed.buy(person, 10_000.0, 0.0, 99)
    share = unlicensed._pick.u(person.id, picks) * unlicensed._weights()[-1]
    slot = min(bisect.bisect_right(unlicensed._weights(), share), len(unlicensed.slots) - 1)
    assert person.platform == unlicensed.slots[slot] != victim
    assert table.picks[person.row] == picks + 1


def test_a_days_booked_purchases_add_up_in_each_buyers_wallet() -> None:
    simulation = _world("unlicensed.fraud_prob=0")
    world = simulation.world
    people = [world.population.arrive(n, 0.0) for n in range(3)]
    rows = np.array([people[i].row for i in (0, 1, 0, 2, 0)])
    pids = np.array([people[i].id for i in (0, 1, 0, 2, 0)])
    world.unlicensed.buy_many(
        rows, pids, np.arange(5), np.full(5, 1.0), np.full(5, 50_000.0), np.zeros(5)
    )
    one = people[1].offshore
    assert one > 0
    assert people[0].offshore == 3 * one and people[2].offshore == one  # the same price and size
    assert len({p.platform for p in people} - set(world.unlicensed.active)) == 0


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


# --- demand that responds to policy ---------------------------------------------------------------

DIRECTIONAL = ["run.days=180", "population.scale_factor=100"]
"""Paired comparisons of 4 replications over 180 days (the directions issue 7 asks for); 1 in 100
sampled, enough licensed buyers for the licensed side to stand out of its noise."""


@functools.cache
def _baseline() -> RunResult:
    return run(load_scenario(BASELINE, DIRECTIONAL), replications=4, workers=1)


@functools.cache
def _comparison(*reform: str) -> Comparison:
    """The baseline and a reform, paired (same seed, replication k with k), 4 replications over
    180 days; the baseline's runs are shared between tests, as `compare` would make them."""
    changed = run(load_scenario(BASELINE, [*DIRECTIONAL, *reform]), replications=4, workers=1)
    return Comparison(_baseline(), changed)


def _change(kpi: str, *reform: str) -> Change:
    return _comparison(*reform).changes[kpi]


def _lower_bound(change: Change) -> float:
    ci = change.difference.ci95
    assert ci is not None
    return ci[0]


def test_awareness_gives_the_published_2024_five_percent_on_licensed_venues() -> None:
    # ~5% of Kazakh crypto investors use AIFC platforms: an official estimate of 2024-25 (facts §4
    # [C]), the target licensed_share_of_investors_2024 (configs/targets/kz.yaml). Measured as
    # `sandbox targets` measures it, on the timeline scenario through 2024 (coarse scale, one
    # replication); and the share grows towards it from the pilot's first year, when the licensed
    # venues were new and few knew them.
    scenario = load_scenario(
        CONFIGS / "kz_2022_2026.yaml", ["population.scale_factor=100", "run.days=915"]
    )
    (target,) = [
        t for t in targets_of(scenario).targets if t.name == "licensed_share_of_investors_2024"
    ]
    result = run(scenario, 1).replications[0]
    share_2024 = measure(target, scenario, result)
    low, high = target.range
    assert isinstance(low, float) and isinstance(high, float)
    assert low <= share_2024 <= high
    first_year = [r for r in result.rows if r["date"] < "2023-07-01"]
    applicants = sum(float(r["applicants"]) for r in first_year)
    share_first_year = applicants / sum(float(r["arrivals"]) for r in first_year)
    assert share_first_year < share_2024


def test_awareness_grows_by_word_of_mouth_and_venues_and_drops_when_a_venue_fails() -> None:
    simulation = _world("channel.awareness_per_venue=0.5")
    channel = simulation.world.channel
    start = channel.awareness
    simulation.advance(10)
    grown = channel.awareness
    assert grown > start
    serving = sorted(channel._serving or ())
    simulation.world.banks.close(serving[0], "a shock")
    channel.update_awareness()
    assert channel.awareness < grown


def test_an_information_campaign_raises_awareness_and_the_licensed_share() -> None:
    for kpi in ("licensed_awareness", "licensed_share"):
        assert _lower_bound(_change(kpi, "channel.campaign_per_year=1.0")) > 0, kpi


def test_nobody_proving_income_never_raises_licensed_volume_or_the_licensed_share() -> None:
    # Proof unlocks a higher limit, never a lower one (it raised the licensed share by ~10%
    # when the proven cap was a lifetime cap that could be below the monthly one).
    for kpi in ("licensed_volume_kzt", "licensed_share"):
        change = _change(kpi, "population.proof_of_income_share=0")
        assert change.difference.mean <= 0.01 * change.baseline.mean, kpi


def test_a_lower_bank_risk_appetite_freezes_more_accounts_and_raises_capital_outflow() -> None:
    reform = "banks.risk_appetite=2"
    assert _lower_bound(_change("bank_freezes", reform)) > 0
    assert _change("capital_outflow_kzt", reform).difference.mean > 0
    assert _change("licensed_volume_kzt", reform).difference.mean < 0


def test_blocking_unlicensed_payments_raises_licensed_volume() -> None:
    assert _lower_bound(_change("licensed_volume_kzt", "banks.unlicensed_block_prob=0.9")) > 0


def test_banks_blocking_90_percent_of_unlicensed_payments_cuts_outflow_by_a_fifth_or_so() -> None:
    # The question a policy analyst would ask: the baseline blocks 30%, P2P works around 70%.
    reform = "banks.unlicensed_block_prob=0.9"
    outflow = _change("capital_outflow_kzt", reform)
    relative = outflow.difference.mean / outflow.baseline.mean
    assert -0.4 < relative < -0.1  # measured: -23% [-26%, -20%] at 4 replications
    share = _change("licensed_share", reform)
    assert _lower_bound(share) > 0 and share.reform.mean < 0.2  # still a minority


def test_removing_kyc_false_accepts_onboards_fewer_bad_actors_and_detects_no_less() -> None:
    reform = ("kyc.manual_false_accept_rate=0", "kyc.auto_false_accept_rate=0")
    assert _change("bad_actors_onboarded", *reform).difference.mean < 0
    detected = _change("laundering_detected_share", *reform).difference.ci95
    assert detected is None or detected[1] >= 0  # not significantly lower


def test_more_licensed_venues_raise_awareness_and_the_licensed_share() -> None:
    reform = ("exchanges.licensed=12", "exchanges.integrated=12")
    for kpi in ("licensed_awareness", "licensed_share"):
        assert _lower_bound(_change(kpi, *reform)) > 0, kpi


def test_in_the_payments_zone_people_spend_crypto_and_merchants_convert_most_to_tenge() -> None:
    scenario = load_scenario(CONFIGS / "kz_cryptocity.yaml", ["run.days=60"])
    simulation = Simulation(scenario, keep_records=True, trace_postings=True)
    simulation.run()
    postings = [r for r in simulation.recorder.records if isinstance(r, Posted)]
    spent = sum(p.amount for p in postings if (p.debit, p.credit) == (WALLETS, "merchants"))
    sold = sum(
        p.amount for p in postings if p.debit == "merchants" and p.credit.endswith(":custody")
    )
    assert spent > 0 and all(p.asset == "BTC" for p in postings if p.debit == WALLETS)
    share = scenario.payments.merchant_conversion_share
    assert sold == pytest.approx(share * spent, rel=0.01)
    paid_out = sum(p.amount for p in postings if p.credit == "merchants" and p.asset == "KZT")
    converted = sum(
        r.converted_kzt for r in simulation.recorder.records if isinstance(r, PaymentsDay)
    )
    assert paid_out / 100 == pytest.approx(converted, rel=1e-6)
