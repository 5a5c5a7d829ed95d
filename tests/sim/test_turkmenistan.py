"""Turkmenistan as its own regime: manat, Turkmen identities, a KYC team that keeps up."""

from __future__ import annotations

import pytest

from sim import Simulation, load_scenario
from sim.identities import is_valid_iin, is_valid_tm_passport
from sim.loader import ScenarioError
from sim.people import people_rows
from sim.units import Money
from tests.conftest import CONFIGS

TM = CONFIGS / "tm_2026.yaml"


def test_the_turkmen_file_extends_no_kazakh_one() -> None:
    assert "extends:" not in TM.read_text(encoding="utf-8")


def test_manat_amounts_become_dollars_at_the_manat_rate() -> None:
    base = load_scenario(TM)
    dearer = load_scenario(TM, ["market.usd_tmt=7.0"])
    income = base.population.income_median_month
    assert income.currency == "USD" and income.amount == pytest.approx(2500 / 3.5, abs=0.005)
    assert dearer.population.income_median_month.amount == pytest.approx(2500 / 7.0, abs=0.005)


def test_a_manat_amount_never_reaches_the_engine_unconverted() -> None:
    with pytest.raises(ValueError, match="manat"):
        Money(1.0, "TMT").kzt(520.0)


def test_a_bad_currency_is_one_line_of_bad_input() -> None:
    with pytest.raises(ScenarioError, match=r"market\.currency"):
        load_scenario(TM, ["market.currency=EUR"])


def test_turkmen_kyc_team_keeps_utilisation_below_one_with_everyone_reviewed() -> None:
    # Every application approved: the claim is about the KYC team, not the licensing lottery (at 4
    # applications a year, half approved, a seed may licence nobody in the first 300 days).
    simulation = Simulation(load_scenario(TM, ["run.days=300", "regulator.approval_share=1"]))
    simulation.run()
    kpis = simulation.kpis()
    assert kpis["kyc_passed"] > 0
    assert kpis["kyc_passed_reviewed"] == kpis["kyc_passed"]
    assert 0 < kpis["kyc_reviewer_utilisation"] < 1
    rows = [r for r in people_rows(simulation, 0, 300) if r.resident and not r.bad_actor]
    assert rows and all(is_valid_tm_passport(r.iin) and not is_valid_iin(r.iin) for r in rows)
