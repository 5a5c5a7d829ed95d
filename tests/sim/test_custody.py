"""Custody is real: each licensed exchange holds exactly its clients' coins, every simulated day,
and when a licence ends the clients' coins move with them (to another exchange, or home)."""

from __future__ import annotations

import pytest

from sim import Simulation, load_scenario
from sim.components.channel import LICENSED
from sim.components.exchange import CustodyMismatch
from sim.components.kyc import PASSED
from sim.engine import run_replication
from sim.records import ChannelSwitched, CryptoTransfer, KycDecided
from tests.conftest import BASELINE, SMALL

LAPSING = [
    *SMALL,
    "channel.licensed_awareness=0.5",
    "exchanges.licensed_since=2022-07-01",
    "regulator.licence_term=60d",
    "run.days=120",
]
"""Licences that last 60 days: clients must move while they trade."""
NO_NEW_LICENCES = ["regulator.extension_share=0", "regulator.applications_per_year=0"]


def _transfers(simulation: Simulation, where: str) -> list[CryptoTransfer]:
    return [
        r
        for r in simulation.recorder.records  # type: ignore[union-attr]
        if isinstance(r, CryptoTransfer) and r.destination.startswith(where)
    ]


def test_when_a_licence_ends_the_clients_coins_move_to_another_exchange() -> None:
    simulation = Simulation(
        load_scenario(BASELINE, [*LAPSING, "regulator.extension_share=0.5"]), keep_records=True
    )
    simulation.run()
    assert _transfers(simulation, "exchange:"), "no client moved with their coins"
    assert simulation.kpis()["custody_mismatch_btc"] == 0.0
    assert simulation.kpis()["ledger_imbalance_kzt"] == 0.0


def test_when_no_licensed_exchange_is_left_the_clients_take_their_coins_home() -> None:
    simulation = Simulation(
        load_scenario(BASELINE, [*LAPSING, *NO_NEW_LICENCES]), keep_records=True
    )
    simulation.run()
    assert _transfers(simulation, "self_hosted")
    assert simulation.kpis()["licensed_exchanges"] == 0
    assert simulation.kpis()["custody_mismatch_btc"] == 0.0


def test_a_custody_that_no_longer_matches_the_clients_fails_the_run_loudly() -> None:
    scenario = load_scenario(BASELINE, [*SMALL, "run.days=20"])
    simulation = Simulation(scenario)
    simulation.advance(10)
    simulation.world.ledger.post(240.0, "world_market", "exchange:0:custody", 1, "BTC")
    with pytest.raises(CustodyMismatch, match="exchange 0"):
        simulation.advance(1)
    assert run_replication(scenario).status == "ok"


def test_an_applicant_who_fails_kyc_is_no_exchanges_client() -> None:
    # both ways into KYC: arriving licensed, and sent there by a bank block (`_try_licensed`)
    scenario = load_scenario(BASELINE, [*SMALL, "run.days=120", "banks.unlicensed_block_prob=0.9"])
    simulation = Simulation(scenario, keep_records=True)
    simulation.run()
    records = simulation.recorder.records  # type: ignore[union-attr]
    redirected = {
        r.person for r in records if isinstance(r, ChannelSwitched) and r.channel == LICENSED
    }
    failed = {r.person for r in records if isinstance(r, KycDecided) and r.outcome != PASSED}
    assert failed - redirected and failed & redirected, "both ways must be exercised"
    people = simulation.world.population.people
    assert {pid: people[pid].exchange for pid in failed} == dict.fromkeys(failed, -1)
    assert simulation.kpis()["custody_mismatch_btc"] == 0.0
