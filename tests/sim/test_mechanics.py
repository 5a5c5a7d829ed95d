"""Mechanics a policy answer depends on: the analysts' busy share and the KYC wait people expect."""

from __future__ import annotations

import math

import pytest

from sim import Simulation, load_scenario
from sim.components.miners import MINERS
from sim.records import Alert, MinerSale, Record
from tests.conftest import BASELINE, SMALL


def _run(*overrides: str) -> Simulation:
    simulation = Simulation(load_scenario(BASELINE, [*SMALL, *overrides]))
    simulation.run()
    return simulation


def test_the_kyc_wait_people_expect_includes_those_who_gave_up() -> None:
    # Nobody reviews: every manual case waits until its patience (200 h on average) runs out, and
    # people hear of it; counting only decisions, the expected wait would stay near a day.
    simulation = _run(
        "kyc.reviewers=0",
        "kyc.manual_review_share=1",
        "population.patience_mean=200h",
        "population.scale_factor=25",
        "run.days=30",
    )
    assert simulation.world.kyc.expected_wait_h > 48.0


@pytest.mark.parametrize("reviewers", [2500, 875])  # 10 simulated at k = 250; 3.5, paced as 4
def test_reviewer_utilisation_never_exceeds_one_even_when_reviews_run_past_closing(
    reviewers: int,
) -> None:
    # Overloaded, with reviews of many hours: cases started before closing end in overtime.
    simulation = _run(
        "channel.licensed_awareness=1",
        "kyc.manual_review_share=1",
        "kyc.review_time_mean=8h",
        f"kyc.reviewers={reviewers}",
        "population.patience_mean=inf",
        "run.days=21",
    )
    assert 0.8 < simulation.kpis()["kyc_reviewer_utilisation"] <= 1.0


def test_reviewer_utilisation_counts_the_team_at_its_size_at_the_time() -> None:
    # The team doubles halfway: the hours it had are 10 analysts' for 15 days, then 20's (2,500
    # and 5,000 real analysts at k = 250).
    scenario = load_scenario(
        BASELINE,
        [
            *SMALL,
            "run.days=30",
            "kyc.reviewers={2022-07-01: 2500, 2022-07-16: 5000}",
        ],
    )
    simulation = Simulation(scenario)
    simulation.run()
    kyc, calendar = simulation.world.kyc, simulation.world.calendar
    hours = scenario.kyc.working_hours
    expected = 10 * calendar.open_hours(0, 15 * 24, hours) + 20 * calendar.open_hours(
        15 * 24, 30 * 24, hours
    )
    assert kyc.available_hours(30 * 24) == expected


SYNTHETIC_ONLY = (
    "aml.typologies=[{kind: synthetic_identity, cases: 5000, members: 2, transactions: 2, "
    "period: 10d}]"
)


def test_laundering_stopped_at_the_kyc_gate_is_prevented_not_missed() -> None:
    caught_at_the_gate = _run(
        SYNTHETIC_ONLY,
        "kyc.auto_false_accept_rate=0",
        "kyc.manual_false_accept_rate=0",
        "population.bad_actor_invalid_iin_share=0",
    ).kpis()
    assert caught_at_the_gate["laundering_prevented_kzt"] > 0
    assert caught_at_the_gate["laundering_detected_kzt"] == 0
    assert caught_at_the_gate["laundering_undetected_kzt"] == 0
    assert math.isnan(caught_at_the_gate["laundering_detected_share"])  # nothing moved


def test_the_detected_share_is_over_the_laundering_that_moved() -> None:
    kpis = _run(SYNTHETIC_ONLY, "kyc.auto_false_accept_rate=1").kpis()
    moved = kpis["laundering_detected_kzt"] + kpis["laundering_undetected_kzt"]
    assert moved > 0 and kpis["laundering_prevented_kzt"] > 0
    assert kpis["laundering_detected_share"] == pytest.approx(
        kpis["laundering_detected_kzt"] / moved
    )


def _miners_only(*overrides: str) -> tuple[Simulation, list[Record]]:
    """60 days in which nobody but the miners trades, and the records of it."""
    only = ["population.arrivals_per_day=0", "aml.typologies=[]", "miners.sale_share=0.75"]
    scenario = load_scenario(BASELINE, [*SMALL, *overrides, *only, "run.days=60"])
    simulation = Simulation(scenario, keep_records=True)
    simulation.run()
    return simulation, simulation.recorder.records  # type: ignore[union-attr]


def test_miners_sales_pass_through_aml_screening_and_the_banks_volume_signal() -> None:
    # Nobody else trades: every alert and every tenge of volume the banks see is the miners'.
    simulation, records = _miners_only()
    sales = [r for r in records if isinstance(r, MinerSale)]
    alerts = [r for r in records if isinstance(r, Alert)]
    assert sales and alerts and all(r.person == MINERS for r in alerts)
    assert any(v > 0 for v in simulation.world.banks.average_volume.values())


@pytest.mark.parametrize("scale_factor", [1, 25])
def test_miners_sales_alerts_are_counted_once_whatever_the_scale_factor(scale_factor: int) -> None:
    # The miners are one client simulated at full size: each alert on their sales is one real
    # alert, not `scale_factor` of them (as each simulated person's is), so a large scale factor
    # must not multiply them in the alert count or dilute the true alerts' share.
    simulation, records = _miners_only(f"population.scale_factor={scale_factor}")
    alerts = [r for r in records if isinstance(r, Alert)]
    assert alerts and all(r.person == MINERS for r in alerts)
    assert simulation.kpis()["aml_alerts"] == len(alerts)


def test_the_funnels_applicants_are_those_who_chose_licensed_and_those_a_block_sent() -> None:
    # "applied for KYC" exceeds "chose a licensed exchange" once banks block: the funnel says
    # why. A laundering case's synthetic identity is one real applicant, not a sampled agent's
    # scale-factor many (the baseline has such cases).
    simulation = _run("run.days=120", "banks.unlicensed_block_prob=0.9")
    funnel, tally = simulation.snapshot().funnel, simulation.tally
    assert funnel["redirected"] > 0.1 * funnel["chose_licensed"] and tally.identities > 0
    assert funnel["applied"] == pytest.approx(funnel["chose_licensed"] + funnel["redirected"])
    arrivals = sum(row["arrivals"] for row in simulation.rows)
    k = simulation.scenario.population.scale_factor
    assert funnel["arrived"] == arrivals == tally.arrivals * k + tally.identities
    assert list(funnel)[1:4] == ["chose_licensed", "redirected", "applied"]
