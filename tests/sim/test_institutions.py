"""The institutional model: AML against ground truth, bank de-risking, dated rules, the regulator,
miners, the payments zone and the Turkmen regime."""

from __future__ import annotations

import pytest

from sim import Simulation, load_scenario
from sim.components.miners import progressive_fee
from sim.records import (
    Alert,
    BankAccess,
    CapApplied,
    LicenceEvent,
    MinerSale,
    PaymentsDay,
    Purchase,
    RuleApplied,
)
from tests.conftest import BASELINE, CONFIGS

QUIET = [
    "population.scale_factor=400",
    "aml.analysts=50",
    "aml.working_hours=null",
    "banks.termination_per_year=0",
    "banks.risk_appetite=1000000",
    "exchanges.roster=[]",
    "exchanges.licensed=6",
    "exchanges.integrated=6",
]
SIGNATURE = {
    "structuring": "structuring",
    "mule_fan_in": "offshore",
    "mule_fan_out": "rapid_in_out",
    "round_trip": "rapid_in_out",
    "exchange_hops": "rapid_in_out",
    "offshore_layering": "offshore",
    "synthetic_identity": "rapid_in_out",
}
TYPOLOGY = (
    "{{kind: {kind}, cases: 3200, members: 2, amount: {amount}, transactions: 3, period: 20d}}"
)
AMOUNT = {"mule_fan_in": "2_000_000 KZT"}
"""Mules move small sums each; the others move sums at the amount threshold."""


def _run(*overrides: str, path=BASELINE, records: bool = True) -> Simulation:
    simulation = Simulation(load_scenario(path, list(overrides)), keep_records=records)
    simulation.run()
    return simulation


def _typology(kind: str, *extra: str) -> Simulation:
    overrides = [
        *QUIET,
        "run.days=150",
        f"aml.typologies=[{TYPOLOGY.format(kind=kind, amount=AMOUNT.get(kind, '5_500_000 KZT'))}]",
    ]
    if kind == "synthetic_identity":
        overrides += ["kyc.manual_false_accept_rate=1", "kyc.auto_false_accept_rate=1"]
        overrides += ["population.patience_mean=inf", "kyc.retry_abandon_prob=0"]
    return _run(*overrides, *extra)


@pytest.mark.parametrize("kind", sorted(SIGNATURE))
def test_each_typology_is_detected_by_its_rule_when_analysts_see_every_case(kind: str) -> None:
    simulation = _typology(kind, "aml.detection_prob=1")
    kpis = simulation.kpis()
    rules = {r.rule for r in simulation.recorder.records if isinstance(r, Alert) and r.case >= 0}
    assert SIGNATURE[kind] in rules
    assert kpis["laundering_detected_share"] > 0.7
    (row,) = [row for row in simulation.result().scorecard if row.typology == kind]
    assert row.recall == kpis["laundering_detected_share"] and row.analyst_hours > 0


@pytest.mark.parametrize("kind", sorted(SIGNATURE))
def test_a_rule_switched_off_raises_nothing_of_its_kind(kind: str) -> None:
    rule = SIGNATURE[kind]
    simulation = _typology(kind, f"aml.rules.{rule}=false")
    assert not any(isinstance(r, Alert) and r.rule == rule for r in simulation.recorder.records)


def test_analysts_who_never_recognise_a_case_detect_nothing() -> None:
    simulation = _typology("round_trip", "aml.detection_prob=0")
    assert simulation.kpis()["laundering_detected_share"] == 0
    assert simulation.kpis()["aml_alerts"] > 0


def test_a_bank_closing_an_exchange_account_cuts_its_fiat_access_and_licensed_share() -> None:
    world = [
        *QUIET,
        "exchanges.licensed=1",
        "exchanges.integrated=1",
        "banks.partner_banks=1",
        "channel.licensed_awareness=0.6",
        "run.days=90",
        "regulator.applications_per_year=0",
    ]
    calm = _run(*world)
    shocked = _run(*world, "shocks=[{date: 2022-07-15, kind: bank_exit, exchange: 0}]")
    assert shocked.kpis()["exchange_days_without_bank"] > calm.kpis()["exchange_days_without_bank"]
    assert shocked.kpis()["licensed_share"] < calm.kpis()["licensed_share"]
    closed = [r for r in shocked.recorder.records if isinstance(r, BankAccess) and not r.access]
    assert closed and closed[0].reason.startswith("shock on 2022-07-15")


def test_a_dated_cap_change_alters_behaviour_from_its_date_not_before() -> None:
    base = ["run.days=60", "channel.licensed_awareness=1", *QUIET]
    change_day = 30
    rule = "rules=[{date: 2022-07-31, values: {exchanges.unverified_monthly_cap: 0}}]"
    before_after = _run(*base, rule), _run(*base)
    cut = change_day * 24.0

    def licensed(sim: Simulation, after: bool) -> list[Purchase]:
        return [
            r
            for r in sim.recorder.records
            if isinstance(r, Purchase) and r.channel == "licensed" and (r.t >= cut) == after
        ]

    ruled, plain = before_after
    assert licensed(ruled, after=False) == licensed(plain, after=False)
    assert sum(p.amount_kzt for p in licensed(ruled, True)) < sum(
        p.amount_kzt for p in licensed(plain, True)
    )
    applied = [r for r in ruled.recorder.records if isinstance(r, RuleApplied)]
    assert [r.t for r in applied] == [cut]
    late_caps = [r for r in ruled.recorder.records if isinstance(r, CapApplied) and r.t >= cut]
    assert any("(since 2022-07-31)" in r.reason for r in late_caps)


def test_a_schedule_in_the_file_becomes_dated_rules() -> None:
    scenario = load_scenario(BASELINE)
    assert scenario.miners.fee_schedule == "flat"
    dated = {(r.date.isoformat(), path) for r in scenario.rules for path in r.values}
    assert ("2023-01-01", "miners.fee_schedule") in dated
    assert ("2024-01-01", "miners.sale_share") in dated


def test_licences_expire_unless_extended_and_applications_add_exchanges() -> None:
    expiring = _run(
        "run.days=120",
        "regulator.licence_term=30d",
        "regulator.extension_share=0",
        "regulator.applications_per_year=0",
        *QUIET,
        records=True,
    )
    assert expiring.kpis()["licensed_exchanges"] == 0
    assert any(
        isinstance(r, LicenceEvent) and r.event == "expired" for r in expiring.recorder.records
    )
    growing = _run(
        "run.days=365",
        "regulator.applications_per_year=12",
        "regulator.approval_share=1",
        "regulator.licence_term=inf",
        *QUIET,
    )
    assert growing.kpis()["licensed_exchanges"] > 6
    assert growing.kpis()["state_receipts_kzt"] > 0


def test_miners_sell_on_licensed_exchanges_only_once_the_sale_rule_applies() -> None:
    simulation = _run("run.days=200", "miners.sale_share={2022-01-01: 0, 2022-10-01: 0.75}", *QUIET)
    sales = [r for r in simulation.recorder.records if isinstance(r, MinerSale)]
    start_of_rule = 92 * 24.0  # 2022-10-01 is day 92
    assert sales and all(r.t > start_of_rule for r in sales)
    assert simulation.kpis()["mining_fee_kzt"] > 0


def test_progressive_mining_fee_falls_as_the_power_price_rises() -> None:
    assert progressive_fee(30) == progressive_fee(24) == 1.0
    assert progressive_fee(5) == progressive_fee(10) == 25.0
    assert progressive_fee(12) > progressive_fee(18) > progressive_fee(23)


def test_the_payments_zone_grows_merchant_uptake_and_volume() -> None:
    simulation = _run(*QUIET, "run.days=120", path=CONFIGS / "kz_cryptocity.yaml")
    kpis = simulation.kpis()
    assert kpis["payments_volume_kzt"] > 0
    assert kpis["merchant_uptake"] > simulation.scenario.payments.initial_uptake


def test_turkmenistan_has_no_payment_volume_because_banks_offer_no_crypto_services() -> None:
    simulation = _run("run.days=90", "payments.enabled=true", path=CONFIGS / "tm_2026.yaml")
    assert simulation.scenario.banks.crypto_card is False
    assert simulation.kpis()["payments_volume_kzt"] == 0
    days = [r for r in simulation.recorder.records if isinstance(r, PaymentsDay)]
    assert days and all(r.payments == 0 for r in days)
    name = simulation.world.population.name(0)
    assert any(ch in name for ch in "ÄäÖöÜüÝýÇçŞşŇňŽž") or name.split()[0].endswith(
        ("ew", "ow", "ewa", "owa")
    )


def test_dated_rule_with_an_unknown_path_is_refused_with_a_suggestion(tmp_path) -> None:
    from sim.loader import ScenarioError

    path = tmp_path / "bad.yaml"
    path.write_text(
        f"extends: {BASELINE}\nrules:\n  - date: 2023-01-01\n    values: {{kyc.reviewrs: 4}}\n"
    )
    with pytest.raises(ScenarioError, match=r"did you mean 'kyc\.reviewers'"):
        load_scenario(path)
