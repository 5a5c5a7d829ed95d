"""Named shocks: each takes effect on its date, is in the reason trail, disturbs nothing else."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sim import Simulation, load_scenario
from sim.checks import check_scenario
from sim.loader import dump_yaml
from sim.records import CaseStarted, PlatformShut, ShockFired
from sim.shocks import DEFAULT_SIZE
from tests.conftest import BANKED, BASELINE

SHORT = ["run.days=40", "population.scale_factor=200", *BANKED]
DATE = dt.date(2022, 7, 21)  # day 20 of the baseline


def simulate(*shocks: dict[str, object], extra: tuple[str, ...] = ()) -> Simulation:
    scenario = load_scenario(BASELINE, [*SHORT, *extra])
    listed = tuple({"date": DATE, **s} for s in shocks)
    scenario = scenario.model_validate({**scenario.model_dump(), "shocks": listed})
    simulation = Simulation(scenario, keep_records=True)
    simulation.run()
    return simulation


def records(simulation: Simulation, kind: type) -> list:  # type: ignore[type-arg]
    assert simulation.recorder is not None
    return [r for r in simulation.recorder.records if isinstance(r, kind)]


@pytest.mark.parametrize("kind", sorted(DEFAULT_SIZE))
def test_every_named_shock_fires_on_its_date_with_a_reason_and_keeps_money_balanced(
    kind: str,
) -> None:
    simulation = simulate({"kind": kind, "note": "fired by the facilitator"})
    (fired,) = records(simulation, ShockFired)
    assert fired.kind == kind and fired.t == 20 * 24.0
    assert str(DATE) in fired.reason and "fired by the facilitator" in fired.reason
    assert simulation.kpis()["ledger_imbalance_kzt"] == 0.0


def test_a_btc_crash_lowers_every_later_price_by_its_size() -> None:
    calm, crash = simulate(), simulate({"kind": "btc_crash", "size": 0.6})
    before, after = calm.world.market.btc_usd, crash.world.market.btc_usd
    assert before[:20] == after[:20]
    assert all(abs(a - 0.4 * b) < 1e-6 * b for a, b in zip(after[20:], before[20:], strict=True))


def test_an_enforcement_sweep_shuts_platforms_at_once() -> None:
    swept = simulate({"kind": "enforcement_sweep", "size": 4})
    on_the_day = [r for r in records(swept, PlatformShut) if r.t == 20 * 24.0]
    assert len(on_the_day) == 4 and all("sweep" in r.reason for r in on_the_day)


def test_a_sweep_shuts_distinct_platforms_and_successors_take_every_slot() -> None:
    swept = simulate({"kind": "enforcement_sweep", "size": 400})  # more than the 300 platforms
    channel, platforms = swept.world.unlicensed, swept.scenario.unlicensed.platforms
    shut = [r.platform for r in records(swept, PlatformShut) if "sweep" in r.reason]
    assert len(shut) == len(set(shut)) == platforms
    assert len(channel.slots) == platforms and not set(shut) & set(channel.slots)


def test_only_shocks_that_hit_an_exchange_need_one_to_exist() -> None:
    no_exchanges = ["exchanges.licensed=0", "exchanges.integrated=0"]
    scenario = load_scenario(BASELINE, [*SHORT, *no_exchanges, "regulator.applications_per_year=0"])

    def problems(kind: str) -> list[str]:
        listed = ({"date": DATE, "kind": kind},)
        return check_scenario(
            scenario.model_validate({**scenario.model_dump(), "shocks": listed}), {}
        )

    assert problems("btc_crash") == problems("enforcement_sweep") == []
    assert problems("bank_exit")[0].startswith("shocks.0.exchange: exchange 0 never exists")


def test_a_structuring_surge_starts_more_structuring_cases() -> None:
    calm = simulate()
    surge = simulate({"kind": "structuring_surge", "size": 2000})

    def count(simulation: Simulation) -> int:
        return sum(r.typology == "structuring" for r in records(simulation, CaseStarted))

    assert count(surge) >= count(calm) + 5


def test_a_sanctions_update_sends_more_applicants_to_manual_review() -> None:
    updated = simulate({"kind": "sanctions_update", "size": 0.3})
    baseline_share = load_scenario(BASELINE).kyc.manual_review_share
    assert updated.world.scenario.kyc.manual_review_share == pytest.approx(baseline_share + 0.3)


def test_an_exchange_hack_costs_the_exchange_its_bank_and_the_licensed_venues_trust() -> None:
    calm, hacked = simulate(), simulate({"kind": "exchange_hack", "exchange": 1})
    assert hacked.world.scenario.channel.licensed_bias == calm.scenario.channel.licensed_bias - 1
    assert not hacked.world.banks.has_fiat(1) or hacked.kpis()["exchange_days_without_bank"] > 0
    assert hacked.kpis()["licensed_share"] < calm.kpis()["licensed_share"]


def test_a_shock_draws_from_its_own_stream_so_arrivals_are_unchanged() -> None:
    calm = simulate()
    swept = simulate({"kind": "enforcement_sweep"}, {"kind": "structuring_surge"})
    assert swept.tally.arrivals == calm.tally.arrivals
    assert swept.world.market.btc_usd == calm.world.market.btc_usd


def test_a_shock_fired_live_takes_effect_on_the_current_day() -> None:
    simulation = Simulation(load_scenario(BASELINE, SHORT), keep_records=True)
    simulation.advance(10)
    simulation.fire_shock("btc_crash", note="live")
    simulation.advance(1)
    (fired,) = records(simulation, ShockFired)
    assert fired.t == 10 * 24.0 and "live" in fired.reason
    with pytest.raises(ValueError):
        simulation.fire_shock("alien_invasion")


@pytest.mark.parametrize("kind", sorted(DEFAULT_SIZE))
def test_a_run_with_a_live_shock_gives_the_same_numbers_from_its_resolved_scenario(
    kind: str, tmp_path: Path
) -> None:
    live = Simulation(load_scenario(BASELINE, [*SHORT, "run.days=25"]), keep_records=True)
    live.advance(10)
    live.fire_shock(kind, note="fired live by alice", exchange=1)
    live.run()
    resolved = tmp_path / "scenario.resolved.yaml"
    resolved.write_text(dump_yaml(live.scenario), encoding="utf-8")
    again = Simulation(load_scenario(resolved), keep_records=True)
    again.run()
    assert again.scenario.shocks[-1].note == "fired live by alice"
    assert [r.detail for r in records(again, ShockFired)] == [
        r.detail for r in records(live, ShockFired)
    ]
    assert again.kpis() == live.kpis()
