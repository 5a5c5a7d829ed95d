"""Money is conserved: every tenge and satoshi posting balances, in every scenario."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import Simulation, load_scenario
from sim.ledger import Ledger
from sim.library import NOT_SCENARIOS
from tests.conftest import BASELINE, CONFIGS, SMALL

SHIPPED = sorted(
    p for p in CONFIGS.rglob("*.yaml") if not {"validation", *NOT_SCENARIOS} & set(p.parts)
)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_ledger_imbalance_is_exactly_zero_in_every_shipped_scenario(path: Path) -> None:
    simulation = Simulation(load_scenario(path, SMALL))
    simulation.run()
    assert simulation.kpis()["ledger_imbalance_kzt"] == 0.0
    assert simulation.kpis()["custody_mismatch_btc"] == 0.0
    assert simulation.world.ledger.imbalance("BTC") == 0
    assert simulation.world.ledger.postings > 0


@pytest.mark.parametrize("name", ["mmc.yaml", "mmc_abandon.yaml"])
def test_validation_worlds_move_no_money(name: str) -> None:
    simulation = Simulation(load_scenario(CONFIGS / "validation" / name, ["run.days=5"]))
    simulation.run()
    assert simulation.world.ledger.postings == 0


worlds = st.fixed_dictionaries(
    {
        "channel.licensed_awareness": st.floats(0, 1),
        "exchanges.licensed": st.integers(0, 3),
        "exchanges.caps_enabled": st.booleans(),
        "exchanges.fee": st.floats(0, 0.05),
        "banks.partner_banks": st.integers(0, 3),
        "banks.unlicensed_block_prob": st.floats(0, 1),
        "banks.monthly_cap_per_person": st.sampled_from(["null", "100000 KZT", "500 USD"]),
        "unlicensed.platforms": st.integers(0, 4),
        "unlicensed.fraud_prob": st.floats(0, 0.5),
        "unlicensed.shutdowns_per_year": st.floats(0, 200),
        "unlicensed.outflow_share": st.floats(0, 1),
        "population.sell_share": st.floats(0, 1),
        "market.btc_volatility_per_year": st.floats(0, 2),
        "run.seed": st.integers(0, 10_000),
    }
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds)
def test_ledger_balances_for_random_scenarios(values: dict[str, object]) -> None:
    overrides = ["run.days=40", "population.scale_factor=400"]
    overrides += [f"{path}={value}" for path, value in values.items()]
    simulation = Simulation(load_scenario(BASELINE, overrides))
    simulation.run()
    assert simulation.kpis()["ledger_imbalance_kzt"] == 0.0
    assert simulation.world.ledger.imbalance("BTC") == 0


def test_a_posting_moves_money_without_creating_it() -> None:
    ledger = Ledger()
    ledger.post(0.0, "households", "exchange:0:client_money", 12_345)
    assert ledger.balance("households") == -12_345
    assert ledger.balance("exchange:0:client_money") == 12_345
    assert ledger.imbalance() == 0
    with pytest.raises(ValueError, match="must be >= 0"):
        ledger.post(0.0, "a", "b", -1)


def test_posting_from_one_account_to_many_at_once_is_posting_one_by_one() -> None:
    credits = ["a", "b", "a", "c", "d"]
    amounts = [5, 0, 7, 2**52, 1]
    one_by_one, at_once = Ledger(), Ledger()
    for credit, amount in zip(credits, amounts, strict=True):
        one_by_one.post(3.0, "households", credit, amount, "BTC")
    at_once.post_many(3.0, "households", credits, amounts, "BTC")
    assert at_once.balances == one_by_one.balances  # no account made for a nought
    assert at_once.postings == one_by_one.postings == 4
    with pytest.raises(ValueError, match=">= 0"):
        at_once.post_many(4.0, "households", ["a", "b"], [1, -1])


def test_sums_posted_at_once_show_in_every_balance_read_after() -> None:
    """Without a trace, `post_many`'s sums wait until a balance they touch is read: every read
    between, of one account or of all, must see them."""
    one_by_one, at_once = Ledger(), Ledger()
    accounts = ("platform:0", "platform:1", "platform:2")
    for day, amounts in enumerate([[3, 0, 4], [0, 0, 0], [1, 2**40, 0]]):
        for credit, amount in zip(accounts, amounts, strict=True):
            one_by_one.post(day, "households", credit, amount)
        at_once.post_many(day, "households", accounts, np.array(amounts))
        assert at_once.balance("platform:0") == one_by_one.balance("platform:0")
        for ledger in (one_by_one, at_once):  # a posting in between, from a summed account
            ledger.post(day, "platform:2", "abroad", 1)
        assert at_once.balance("households") == one_by_one.balance("households")
    assert at_once.balance("abroad") == one_by_one.balance("abroad") == 3
    assert at_once.balances == one_by_one.balances
    assert at_once.postings == one_by_one.postings
    assert at_once.imbalance() == 0
