"""Validation: the KYC review queue reduced to M/M/c and M/M/c+M matches queueing theory."""

from __future__ import annotations

import math

import pytest

from sim import load_scenario, run
from sim.summary import estimate
from tests.conftest import CONFIGS

REPLICATIONS = 8


def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue of M/M/c (Erlang C)."""
    a = lam / mu
    rho = a / c
    head = sum(a**k / math.factorial(k) for k in range(c))
    tail = a**c / math.factorial(c) / (1 - rho)
    return tail / (head + tail) / (c * mu - lam)


def erlang_a(lam: float, mu: float, c: int, theta: float, cap: int = 400) -> tuple[float, float]:
    """(P(abandon), mean wait in queue of all arrivals) of M/M/c+M from its birth-death chain."""
    weights = [1.0]
    for n in range(1, cap):
        weights.append(weights[-1] * lam / (min(n, c) * mu + max(n - c, 0) * theta))
    total = sum(weights)
    queue = sum(max(n - c, 0) * w for n, w in enumerate(weights)) / total
    return theta * queue / lam, queue / lam


def _queue_estimates(path: str, overrides: list[str] | None = None) -> dict[str, object]:
    scenario = load_scenario(CONFIGS / "validation" / path, overrides or [])
    result = run(scenario, replications=REPLICATIONS, workers=2)
    assert result.status == "ok", result.error
    diagnostics = [r.diagnostics for r in result.replications]
    return {name: estimate([d[name] for d in diagnostics]) for name in diagnostics[0]}


def _inside(value: float, est: object) -> bool:
    low, high = est.ci95  # type: ignore[attr-defined]
    return low <= value <= high


@pytest.mark.slow
def test_mmc_mean_wait_matches_erlang_c_within_the_95_ci() -> None:
    found = _queue_estimates("mmc.yaml")
    theory = erlang_c_wait(lam=3.0, mu=1.0, c=4)
    assert _inside(theory, found["queue_wait_mean_h"]), (theory, found["queue_wait_mean_h"])


@pytest.mark.slow
def test_mmc_with_three_analysts_still_matches_erlang_c() -> None:
    found = _queue_estimates("mmc.yaml", ["population.arrivals_per_day=48", "kyc.reviewers=3"])
    theory = erlang_c_wait(lam=2.0, mu=1.0, c=3)
    assert _inside(theory, found["queue_wait_mean_h"]), (theory, found["queue_wait_mean_h"])


@pytest.mark.slow
def test_mmc_abandon_share_and_mean_wait_match_erlang_a_within_the_95_ci() -> None:
    found = _queue_estimates("mmc_abandon.yaml")
    abandon, wait = erlang_a(lam=4.0, mu=1.0, c=4, theta=0.5)
    assert _inside(abandon, found["queue_abandon_share"]), (abandon, found["queue_abandon_share"])
    assert _inside(wait, found["queue_wait_mean_h"]), (wait, found["queue_wait_mean_h"])


def test_littles_law_holds_for_the_review_queue() -> None:
    scenario = load_scenario(CONFIGS / "validation" / "mmc_abandon.yaml", ["run.days=300"])
    (replication,) = run(scenario, replications=1).replications
    d = replication.diagnostics
    assert d["queue_length_mean"] == pytest.approx(
        d["queue_arrival_rate_h"] * d["queue_wait_mean_h"], rel=0.01
    )


def test_analytic_formulas_agree_with_each_other_without_abandonment() -> None:
    # Erlang A with (almost) infinite patience is Erlang C: a check on the test's own oracle.
    _, wait = erlang_a(lam=3.0, mu=1.0, c=4, theta=1e-9)
    assert wait == pytest.approx(erlang_c_wait(3.0, 1.0, 4), rel=1e-4)
