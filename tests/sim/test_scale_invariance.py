"""`population.scale_factor` is a sampling knob: one real world at two scales gives one answer.

Teams, risk weights and typology counts are given in real units; people (and what they cause) are
sampled 1 in k and scaled back up; the sampled team keeps the real team's capacity against its
work (`sim.components.team`). So changing k alone may move a KPI only within its noise.
"""

from __future__ import annotations

from pathlib import Path

from sim import Simulation, load_scenario
from sim.components.population import RECRUITS, PeopleTable, Person
from sim.components.team import erlang_c, pooling_note, sampled_team
from sim.experiment import run
from sim.summary import scorecard

BASELINE = Path(__file__).resolve().parents[2] / "configs" / "aifc_pilot_2022.yaml"

METAMORPHIC = (
    "applicants",
    "kyc_wait_mean_h",
    "kyc_abandoned",
    "kyc_reviewer_utilisation",
    "licensed_volume_kzt",
    "unlicensed_volume_kzt",
    "capital_outflow_kzt",
    "aml_alerts",
    "str_filed",
    "bank_freezes",
    "exchange_days_without_bank",
    "state_receipts_kzt",
)
"""The KPIs issue 7 §1 names (and utilisation, which a team in sampled units used to double)."""


def test_the_baseline_at_two_scale_factors_gives_the_same_real_world_within_noise() -> None:
    results = [
        run(load_scenario(BASELINE, ["run.days=150", f"population.scale_factor={k}"]), 4).kpis
        for k in (50, 25)
    ]
    moved = {
        name: (results[0][name].mean, results[1][name].mean)
        for name in METAMORPHIC
        if not results[0][name].agrees_with(results[1][name], slack=0.05)
    }
    assert not moved, f"moved with the scale factor alone (k = 50, k = 25): {moved}"


def test_a_day_volume_counts_a_sampled_client_for_k_people_and_a_full_size_one_once() -> None:
    """The volume-spike signal compares an exchange's day with its average: a miners' sale or a
    laundering member's deposit (real size) must weigh against the sampled clients' deposits
    as in real life, not k times as much."""
    for k in (5, 25):
        simulation = Simulation(
            load_scenario(BASELINE, ["run.days=30", f"population.scale_factor={k}"])
        )
        simulation.run()  # an exchange is licensed and banked by now
        world = simulation.world
        exchange = next(iter(world.banks.accounts))
        volume = world.banks.day_volume
        for pid, weight in ((7, k), (RECRUITS + 7, 1)):  # sampled; a laundering case's member
            client = Person(pid, 0.0, True, False, -1, None, PeopleTable())
            before = volume.get(exchange, 0.0)
            world.exchanges.buy(client, exchange, 1_000.0)
            assert volume[exchange] - before == weight * 1_000.0


def test_the_sampled_team_keeps_the_real_teams_capacity_at_every_scale() -> None:
    for real in (1, 7, 21, 50, 64, 333):
        for scale in (1, 2.5, 3, 12.5, 25, 50, 200):
            team = sampled_team(real, scale)
            assert team.simulated >= 1
            # analysts per hour of a review's real length: exactly real / k
            assert abs(team.simulated / team.pace - real / scale) < 1e-9
    assert sampled_team(0, 25).simulated == 0  # nobody reviews at any scale
    assert sampled_team(50, 1).pace == 1.0  # at k = 1 nothing is sampled


def test_a_team_of_real_analysts_sees_the_same_utilisation_at_two_scales() -> None:
    busy = []
    for k in (100, 25):
        scenario = load_scenario(
            BASELINE,
            [
                "run.days=90",
                f"population.scale_factor={k}",
                "kyc.reviewers=30",  # 0.3 simulated analysts at k = 100: paced, not rounded away
                "channel.licensed_awareness=0.3",
            ],
        )
        busy.append(run(scenario, 3).kpis["kyc_reviewer_utilisation"])
    assert busy[0].agrees_with(busy[1], slack=0.1), busy


def test_a_run_says_when_its_sampled_team_queues_more_than_the_real_one_would() -> None:
    assert abs(erlang_c(2, 1.0) - 1 / 3) < 1e-12  # two servers, one Erlang: a textbook value
    assert 0 <= erlang_c(100_000, 90_000) < 1e-100  # a team of any size: no overflow
    one_for_fifty = sampled_team(50, 50)
    assert erlang_c(1, 0.9) > erlang_c(50, 45) + 0.5  # pooling: one analyst queues far more
    note = pooling_note("KYC manual review", one_for_fifty, 0.9)
    assert note is not None and "smaller population.scale_factor" in note
    assert pooling_note("KYC manual review", sampled_team(50, 25), 0.06) is None  # the baseline
    # a gate in working hours at light load queues overnight at any size: no note
    assert pooling_note("KYC manual review", one_for_fifty, 0.37) is None
    real_team = sampled_team(50, 1)  # k = 1: the real team itself
    assert pooling_note("KYC manual review", real_team, 0.9) is None


def test_laundering_cases_are_simulated_at_full_size_whatever_the_scale_factor() -> None:
    # The baseline's 76 real cases a year over a fifth of a year: 14 to 16 of them (each typology's
    # share is rounded at random), at any scale factor; the scorecard counts each once.
    for k in (25, 250):
        scenario = load_scenario(BASELINE, ["run.days=73", f"population.scale_factor={k}"])
        simulation = Simulation(scenario)
        simulation.run()
        started = simulation.world.laundering.cases
        assert 14 <= started <= 16, (k, started)
        rows = scorecard(simulation.tally, simulation.world)
        assert sum(row.cases for row in rows if row.typology != "legitimate") <= started
