"""Calibration: the baseline, run over three years, sits near the published figures it is
calibrated to, within the tolerances stated in docs/calibration.md."""

from __future__ import annotations

import pytest

from sim import Simulation, load_scenario
from tests.conftest import BASELINE

USD_KZT = 470.0


@pytest.fixture(scope="module")
def three_years() -> Simulation:
    scenario = load_scenario(BASELINE, ["run.days=1096", "population.scale_factor=250"])
    simulation = Simulation(scenario)
    simulation.run()
    return simulation


def _on(simulation: Simulation, date: str) -> dict[str, object]:
    return next(row for row in simulation.rows if row["date"] == date)


@pytest.mark.parametrize(
    ("date", "published"),
    [("2022-12-31", 6), ("2023-12-31", 7), ("2024-12-31", 10), ("2025-06-30", 11)],
)
def test_licensed_exchange_counts_follow_the_published_ones(
    three_years: Simulation, date: str, published: int
) -> None:
    assert abs(_on(three_years, date)["licensed_exchanges"] - published) <= 3


def test_mining_fee_receipts_over_three_years_are_near_usd_34_6m(three_years: Simulation) -> None:
    usd = three_years.kpis()["mining_fee_kzt"] / USD_KZT
    assert 34.6e6 * 0.65 <= usd <= 34.6e6 * 1.35


def test_few_investors_use_licensed_platforms(three_years: Simulation) -> None:
    k = three_years.scenario.population.scale_factor
    share = three_years.kpis()["applicants"] / (three_years.tally.arrivals * k)
    assert 0.02 <= share <= 0.12  # the official estimate is about 5%


def test_unlicensed_outflow_is_on_the_scale_of_the_published_estimates(
    three_years: Simulation,
) -> None:
    first_year = sum(row["capital_outflow_kzt"] for row in three_years.rows[:365]) / USD_KZT
    assert 4.1e9 * 0.5 <= first_year <= 15e9
