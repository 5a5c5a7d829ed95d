"""The People screen's rows say where each synthetic person stands now (`sim.people`)."""

from __future__ import annotations

from sim import Simulation, load_scenario
from sim.people import people_rows
from sim.records import Purchase, Sale
from tests.conftest import BASELINE


def test_an_unlicensed_buyers_outcome_says_whether_they_still_hold_coins() -> None:
    scenario = load_scenario(BASELINE, ["run.days=240", "population.scale_factor=250"])
    simulation = Simulation(scenario, keep_records=True)
    simulation.run()
    assert simulation.recorder is not None
    last: dict[int, str] = {}  # each person's last purchase or sale
    for record in simulation.recorder.records:
        if isinstance(record, Purchase | Sale):
            last[record.person] = type(record).__name__
    people = simulation.world.population.people
    rows = people_rows(simulation, 0, len(people))
    # (one who tried a licensed exchange's KYC and came back shows its outcome instead)
    unlicensed = [r for r in rows if r.channel == "unlicensed" and not people[r.id].kyc_outcome]
    sold = [row for row in unlicensed if last.get(row.id) == "Sale"]
    bought = [row for row in unlicensed if last.get(row.id) == "Purchase"]
    assert len(sold) > 20 and len(bought) > 100
    assert {row.outcome for row in sold} == {"none held"}
    # after a purchase a buyer holds coins unless their platform lost them since
    assert sum(row.outcome == "holding" for row in bought) > 0.9 * len(bought)
    assert {row.outcome for row in unlicensed} <= {"holding", "none held", "no top-up"}
