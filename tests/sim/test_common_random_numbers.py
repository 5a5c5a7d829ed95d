"""Common random numbers: every draw is keyed to its entity, so a reform that changes one path
shifts no other path's draws, and a person is the same person whatever the run's length."""

from __future__ import annotations

import math

import numpy as np

from sim import Simulation, load_scenario
from sim.rng import Streams
from tests.conftest import BASELINE

SHORT = ["population.scale_factor=100"]


def _run(days: int, *overrides: str) -> Simulation:
    simulation = Simulation(load_scenario(BASELINE, [f"run.days={days}", *SHORT, *overrides]))
    simulation.run()
    return simulation


def test_keyed_draws_depend_only_on_their_key() -> None:
    streams = Streams(5)
    first = streams.keyed("topup_gap")
    before = [first.u(417, n) for n in range(3)]
    for name in ("other", "topup_size", "fraud"):  # other families drawn in between
        streams.keyed(name).u(417)
    assert [Streams(5).keyed("topup_gap").u(417, n) for n in range(3)] == before
    assert len(set(before)) == 3 and all(0.0 < u < 1.0 for u in before)
    assert Streams(5, replication=1).keyed("topup_gap").u(417) != before[0]
    many = first.uniforms(np.arange(50_000))
    assert float(many[417]) == before[0]
    assert abs(float(many.mean()) - 0.5) < 0.01 and abs(float(many.var()) - 1 / 12) < 0.005


def test_a_person_is_the_same_person_in_a_30_day_and_a_90_day_run() -> None:
    short, long = _run(30), _run(90)
    ids = list(short.world.population.people)[400:420]
    assert ids, "the 30-day run has people"
    for pid in ids:
        a, b = short.world.population.people[pid], long.world.population.people[pid]
        assert (a.t_arrival, a.resident, a.bad_actor, a.channel, a.exchange) == (
            b.t_arrival,
            b.resident,
            b.bad_actor,
            b.channel,
            b.exchange,
        )
        pa, pb = short.world.population, long.world.population
        assert (pa.name(pid), pa.iin(pid), pa.income_month(pid)) == (
            pb.name(pid),
            pb.iin(pid),
            pb.income_month(pid),
        )


def test_two_seconds_more_card_latency_moves_no_kpi_by_more_than_2_percent() -> None:
    card = load_scenario(BASELINE).banks.card_latency
    base, reform = _run(120), _run(120, f"banks.card_latency={card + 2 / 3600}")
    for name, before in base.kpis().items():
        after = reform.kpis()[name]
        if math.isnan(before):
            assert math.isnan(after), name
            continue
        assert abs(after - before) <= 0.02 * abs(before) + 1e-9, (name, before, after)
