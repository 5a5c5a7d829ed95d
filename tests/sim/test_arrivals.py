"""A day's arrivals told apart ahead (`sim.components.arrivals`): the quiet ones, made without an
event of their own, are the same people with the same records as one event per arrival, whatever
changes in the middle of a day."""

from __future__ import annotations

import datetime as dt

import pytest

from sim import Simulation, load_scenario
from sim.components.arrivals import Arrivals
from sim.components.population import RECRUITS
from sim.rules import apply_values
from sim.scenario import DatedRule, Scenario
from tests.conftest import BASELINE

SMALL_YEAR = ["run.days=120", "population.scale_factor=100"]

MID_DAY_CHANGES = {
    # more people, then none for a while (the next arrival is looked for a day later), then back
    "arrival rate": [
        {"population.arrivals_per_day": 20000},
        {"population.arrivals_per_day": 0},
        {"population.arrivals_per_day": 4384},
    ],
    # most arrivals now know the licensed option: they weigh it at their own hour
    "awareness": [{"channel.licensed_awareness": 0.6}, {"channel.licensed_awareness": 0.01}],
    # everyone must go licensed, then may choose again
    "channel mode": [{"channel.mode": "licensed_only"}, {"channel.mode": "choice"}],
    # who sells decides who is woken after their last top-up
    "sellers": [{"population.sell_share": 1.0}, {"population.sell_share": 0.0}],
}


def _run_with_changes(
    scenario: Scenario, changes: list[dict[str, object]], batched: bool
) -> Simulation:
    """The scenario with each change made at 13:37 of days 30, 45, 60, …: in the middle of a day,
    as a role-play team's move or a live lever may land."""
    simulation = Simulation(scenario, keep_records=True, batched=batched)
    for k, values in enumerate(changes):
        day = 30 + 15 * k
        simulation.advance(day - simulation.day)
        world = simulation.world
        world.env.run(until=day * 24.0 + 13.6167)
        date = scenario.run.start_date + dt.timedelta(days=day)
        world.apply(apply_values(world.scenario, values), DatedRule(date=date, values=values))
    simulation.run()
    return simulation


@pytest.mark.parametrize("change", sorted(MID_DAY_CHANGES))
def test_a_change_in_the_middle_of_a_day_meets_the_same_people_as_one_event_per_arrival(
    change: str,
) -> None:
    scenario = load_scenario(BASELINE, SMALL_YEAR)
    events = _run_with_changes(scenario, MID_DAY_CHANGES[change], batched=False)
    ahead = _run_with_changes(scenario, MID_DAY_CHANGES[change], batched=True)
    assert events.recorder is not None and ahead.recorder is not None
    arrived = [r for r in events.recorder.records if type(r).__name__ == "PersonArrived"]
    assert len(arrived) > 1000, "enough people should come to compare"
    assert ahead.recorder.records == events.recorder.records
    assert ahead.world.ledger.balances == events.world.ledger.balances


def test_most_of_a_days_arrivals_need_no_event_of_their_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The point of telling them apart: the baseline's unaware majority is made in a loop."""
    one_by_one: list[int] = []
    start = Arrivals._start
    monkeypatch.setattr(
        Arrivals, "_start", lambda self, pid: (one_by_one.append(pid), start(self, pid))
    )
    simulation = Simulation(load_scenario(BASELINE, SMALL_YEAR))
    simulation.run()
    arrived = [pid for pid in simulation.world.population.people if pid < RECRUITS]
    assert len(arrived) > 1000
    assert len(one_by_one) < len(arrived) / 3
    assert arrived == list(range(len(arrived)))  # every arrival made, once, in order


def test_people_are_listed_in_the_order_they_came_recruits_among_them() -> None:
    """The People screen pages through `population.people` "in arrival order": the quiet
    arrivals made late, in a loop, must not come after those who arrived after them (a
    laundering case's recruits, the eventful arrivals)."""
    simulation = Simulation(load_scenario(BASELINE, SMALL_YEAR))
    simulation.run()
    people = list(simulation.world.population.people.values())
    assert any(person.id >= RECRUITS for person in people), "the baseline's cases recruit"
    hours = [person.t_arrival for person in people]
    assert hours == sorted(hours)
