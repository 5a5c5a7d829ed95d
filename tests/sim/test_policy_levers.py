"""The levers policy staff pull move the world the way the model says they should."""

from __future__ import annotations

from sim import Simulation, compare, load_scenario
from sim.records import CapApplied, KycDecided, PaymentBlocked
from tests.conftest import BASELINE, SMALL


def _run(*overrides: str, records: bool = False) -> Simulation:
    simulation = Simulation(load_scenario(BASELINE, [*SMALL, *overrides]), keep_records=records)
    simulation.run()
    return simulation


def test_identical_scenarios_compare_to_exactly_zero_change() -> None:
    scenario = load_scenario(BASELINE, SMALL)
    comparison = compare(scenario, scenario, replications=2, workers=1)
    for name, change in comparison.changes.items():
        defined = change.difference.mean == change.difference.mean  # NaN when undefined
        assert not defined or change.difference.mean == 0, name


def test_more_awareness_raises_the_licensed_share_significantly() -> None:
    base = load_scenario(BASELINE, SMALL)
    reform = load_scenario(BASELINE, [*SMALL, "channel.licensed_awareness=0.5"])
    change = compare(base, reform, replications=3, workers=1).changes["licensed_share"]
    assert change.significant and change.difference.mean > 0


def test_no_partner_bank_means_no_licensed_purchases() -> None:
    simulation = _run("banks.partner_banks=0", records=True)
    assert simulation.kpis()["licensed_volume_kzt"] == 0
    reasons = {r.reason for r in simulation.recorder.records if isinstance(r, PaymentBlocked)}
    assert any(reason.startswith("banks.partner_banks=0") for reason in reasons)


def test_retail_caps_bind_and_lifting_them_raises_licensed_volume() -> None:
    capped = _run("channel.licensed_awareness=1", records=True)
    free = _run("channel.licensed_awareness=1", "exchanges.caps_enabled=false", records=True)
    assert any(isinstance(r, CapApplied) for r in capped.recorder.records)
    assert not any(isinstance(r, CapApplied) for r in free.recorder.records)
    assert free.kpis()["licensed_volume_kzt"] > capped.kpis()["licensed_volume_kzt"]


def test_blocking_unlicensed_payments_lowers_capital_outflow() -> None:
    open_door = _run("banks.unlicensed_block_prob=0")
    blocked = _run("banks.unlicensed_block_prob=1", "unlicensed.p2p_workaround_share=0")
    assert blocked.kpis()["capital_outflow_kzt"] < 0.2 * open_door.kpis()["capital_outflow_kzt"]


def test_without_analysts_every_manual_review_case_abandons() -> None:
    simulation = _run("kyc.reviewers=0", "channel.licensed_awareness=1", records=True)
    manual = [
        r
        for r in simulation.recorder.records
        if isinstance(r, KycDecided) and r.stage in {"manual", "queue"}
    ]
    assert manual and all(r.outcome == "abandoned" for r in manual)


def test_more_analysts_shorten_kyc_waits_under_load() -> None:
    heavy = (
        "channel.licensed_awareness=1",
        "kyc.manual_review_share=0.6",
        "kyc.review_time_mean=6h",
        "population.scale_factor=60",
    )
    few, many = _run(*heavy, "kyc.reviewers=2"), _run(*heavy, "kyc.reviewers=8")
    # Waits of everyone who queued (decided or not): the decided alone flatter a short team.
    assert (
        many.result().diagnostics["queue_wait_mean_h"]
        < few.result().diagnostics["queue_wait_mean_h"]
    )
    assert many.kpis()["kyc_abandoned"] < few.kpis()["kyc_abandoned"]


def test_every_kyc_decision_carries_the_rule_that_decided_it() -> None:
    simulation = _run("channel.licensed_awareness=1", records=True)
    decisions = [r for r in simulation.recorder.records if isinstance(r, KycDecided)]
    assert decisions and all(r.reason for r in decisions)
    assert {r.outcome for r in decisions} == {"passed", "rejected", "abandoned"}


def test_scale_factor_scales_counts_back_to_real_people() -> None:
    # Enough applicants to compare: the baseline's calibrated awareness leaves few at k = 500.
    aware = "channel.licensed_awareness=0.3"
    coarse = _run("population.scale_factor=500", aware).kpis()["applicants"]
    fine = _run("population.scale_factor=125", aware).kpis()["applicants"]
    assert 0.6 < coarse / fine < 1.6
