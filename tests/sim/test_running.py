"""A scenario that validates does not fail inside the engine: what would is refused when the file
loads (one line naming the fields), a run too big is refused before it starts, and a run that
stops advancing fails with a reason instead of hanging."""

from __future__ import annotations

import os
import time
import weakref
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim import engine
from sim.cli import app
from sim.engine import Simulation, run_replication
from sim.loader import ScenarioError, load_scenario
from sim.size import check_size, estimate
from sim.workshop.roleplay import RolePlay
from tests.conftest import BASELINE, CONFIGS

runner = CliRunner()


def problems(overrides: list[str], body: str = "", tmp_path: Path | None = None) -> list[str]:
    path = BASELINE
    if body:
        assert tmp_path is not None
        path = tmp_path / "s.yaml"
        path.write_text(f"extends: {BASELINE}\n{body}")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, overrides)
    return caught.value.problems


def test_fees_and_premiums_of_one_or_more_are_refused_when_the_file_loads() -> None:
    (problem,) = problems(["unlicensed.fee=0.99", "unlicensed.p2p_premium=0.02"])
    assert problem.startswith("unlicensed.fee + unlicensed.p2p_premium: 0.99 + 0.02 = 1.01;")


def test_fees_raised_by_a_dated_rule_are_checked_from_its_date(tmp_path: Path) -> None:
    body = "rules:\n  - date: 2023-01-01\n    values: {unlicensed.p2p_premium: 1.0}\n"
    (problem,) = problems([], body, tmp_path)
    assert problem.startswith("unlicensed.fee + unlicensed.p2p_premium from 2023-01-01:")


def test_a_run_past_the_calendars_end_is_refused_when_the_file_loads() -> None:
    (problem,) = problems(["run.start_date=9999-12-01", "run.days=60"])
    assert problem.startswith("run.start_date, run.days: a run of 60 days from 9999-12-01")


def test_a_replayed_price_file_that_cannot_drive_the_run_is_refused_when_the_file_loads(
    tmp_path: Path,
) -> None:
    (tmp_path / "prices.csv").write_text("date,price_usd\n2022-07-01,20000\n2022-07-02,20100\n")
    (tmp_path / "bad.csv").write_text("date,price_usd\n2022-07-01,-3\n")
    replay = "market:\n  btc_model: csv\n  btc_csv: {}\n"
    where = f"({tmp_path / 's.yaml'} line 4)"
    assert problems(["run.days=10"], replay.format("prices.csv"), tmp_path) == [
        f"market.btc_csv: {tmp_path / 'prices.csv'} has 2 days of prices, the run needs 11 {where}"
    ]
    assert problems([], replay.format("bad.csv"), tmp_path) == [
        f"market.btc_csv: {tmp_path / 'bad.csv'} line 2: price_usd must be a number > 0, got "
        f"'-3' {where}"
    ]
    (problem,) = problems(["market.btc_model=csv"])
    assert problem.startswith("market.btc_csv: needed when market.btc_model is csv (--set")
    problems(["run.days=2"], replay.format("prices.csv"), tmp_path)  # 2 prices: 1 day short
    assert load_scenario(tmp_path / "s.yaml", ["run.days=1"]).run.days == 1  # enough


def test_shutdowns_and_licence_applications_a_year_are_bounded_in_files_and_role_play() -> None:
    # enforcement shutdowns and licence applications are simulated at full size, whatever the
    # scale factor: a billion a year stalled a run (a minute a simulated day), and the shared world
    # of a role-play, where the regulator's team holds the shutdowns lever
    assert problems(
        ["unlicensed.shutdowns_per_year=1e9", "regulator.applications_per_year=1e9"]
    ) == [
        "regulator.applications_per_year: must be <= 1000.0, got 1000000000.0 "
        "(--set regulator.applications_per_year=1e9)",
        "unlicensed.shutdowns_per_year: must be <= 10000.0, got 1000000000.0 "
        "(--set unlicensed.shutdowns_per_year=1e9)",
    ]
    world = RolePlay(load_scenario(BASELINE, ["run.days=60", "population.scale_factor=250"]))
    world.join("ministry", "regulator")
    with pytest.raises(ScenarioError, match="less than or equal to 10000"):
        world.move("ministry", "unlicensed.shutdowns_per_year", "1e9")
    assert world.move("ministry", "unlicensed.shutdowns_per_year", "10000").value == 10_000


def test_amounts_not_exact_to_the_tiyn_are_refused_when_the_file_loads() -> None:
    (problem,) = problems(["banks.edd_threshold=900000000000 USD", "market.usd_kzt=1000"])
    assert problem.startswith("banks.edd_threshold: 900_000_000_000 USD is 900,000,000,000,000 KZT")


def test_incomes_whose_largest_purchases_would_not_be_exact_are_refused() -> None:
    (problem,) = problems(["population.income_median_month=1e12", "population.income_sigma=3"])
    assert problem.startswith("population.income_median_month, income_sigma, topup_income_share:")


def test_prices_and_rates_too_small_to_carry_are_out_of_range() -> None:
    assert problems(["market.usd_kzt=1e-300"]) == [
        "market.usd_kzt: must be >= 0.01, got 1e-300 (--set market.usd_kzt=1e-300)"
    ]


def test_a_run_too_big_for_max_agents_is_refused_before_it_starts_saying_what_to_change() -> None:
    started = time.perf_counter()
    args = ["run", str(BASELINE), "--set", "population.scale_factor=1", "--days", "3650"]
    result = runner.invoke(app, [*args, "--out", "o"])
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert "more than --max-agents 2,000,000: raise population.scale_factor to 9 or more" in line
    assert time.perf_counter() - started < 10 and not Path("o").exists()


def test_a_typology_table_at_its_maximum_is_refused_before_it_starts(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(
        f"extends: {BASELINE}\naml:\n  typologies:\n"
        "    - {kind: structuring, cases: 10000000, members: 200, transactions: 500}\n"
    )
    result = runner.invoke(app, ["compare", str(BASELINE), str(path)])
    assert result.exit_code == 2
    assert "laundering-case members" in result.output and "transactions a replication" in (
        result.output
    )


@pytest.mark.parametrize(
    "command",
    [
        ["sweep", str(BASELINE), "--vary", "population.scale_factor=1,25"],
        ["uncertainty", str(BASELINE), "--samples", "2", "--set", "population.scale_factor=1"],
        [
            "sensitivity",
            str(BASELINE),
            "--kpi",
            "capital_outflow_kzt",
            "--samples",
            "2",
            "--set",
            "population.scale_factor=1",
        ],
        [
            "compare",
            str(BASELINE),
            str(BASELINE),
            "--priors",
            str(CONFIGS / "priors" / "kz.yaml"),
            "--samples",
            "2",
            "--set",
            "population.arrivals_per_day=110000",  # the reform's scale must be the baseline's
        ],
    ],
    ids=["sweep", "uncertainty", "sensitivity", "robust-compare"],
)
def test_a_study_with_a_cell_too_big_is_refused_before_any_job_runs(
    command: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "study"
    result = runner.invoke(app, [*command, "--days", "3650", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "more than --max-agents 2,000,000: raise population.scale_factor to" in result.output
    assert not list(out.rglob("cells.csv"))  # nothing ran
    assert "Traceback" not in result.output


def test_a_targets_check_too_big_is_refused_before_it_starts() -> None:
    args = ["targets", str(BASELINE), "--set", "population.scale_factor=1"]
    result = runner.invoke(app, [*args, "--set", "run.days=3650"])
    assert result.exit_code == 2
    assert "more than --max-agents 2,000,000: raise population.scale_factor to" in result.output


def test_max_agents_raises_the_limit() -> None:
    scenario = load_scenario(BASELINE, ["population.scale_factor=1", "run.days=3650"])
    assert check_size(scenario) and not check_size(scenario, max_agents=20_000_000)


def test_the_size_estimate_is_on_the_generous_side() -> None:
    scenario = load_scenario(BASELINE, ["population.scale_factor=500", "run.days=60"])
    simulation = Simulation(scenario)
    simulation.run()
    people = len(simulation.world.population.people)
    assert people <= estimate(scenario).agents <= 2 * people + 100


def test_a_run_that_stops_advancing_fails_with_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANDBOX_WATCHDOG_S", "0.2")
    scenario = load_scenario(BASELINE, ["population.scale_factor=2000", "run.days=10"])

    def stuck_on_day_three(day: int) -> None:
        until = time.monotonic() + 30
        while day == 3 and time.monotonic() < until:  # busy, as a model stuck in zero time
            pass

    started = time.monotonic()
    result = run_replication(scenario, 0, on_day=stuck_on_day_three)
    assert time.monotonic() - started < 10 * max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))
    assert result.status == "failed" and result.day_reached == 3
    assert "simulated day 4 did not finish within 0.2 s" in (result.error or "")


@pytest.mark.parametrize("path", ["miners.sale_every", "regulator.licence_term"])
def test_a_period_that_would_never_let_time_advance_is_refused(path: str) -> None:
    assert problems([f"{path}=0"]) == [
        f"{path}: must be at least 1h (it repeats), got 0h (--set {path}=0)"
    ]


def test_a_run_frees_the_worlds_earlier_runs_in_its_process_let_go(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A worker (a comparison's, a sweep's, Dask's) runs one replication after another: each
    # world it lets go must be freed, not kept for good (a baseline year's is about 30 MiB).
    scenario = load_scenario(BASELINE, ["run.days=20", "population.scale_factor=250"])
    first = Simulation(scenario)
    first.run()
    world = weakref.ref(first.world)
    del first
    assert world() is not None  # its cycles wait for a collection
    # this tiny world weighs enough to be collected (by default a baseline year's does)
    monkeypatch.setattr(engine, "COLLECT_AFTER_OBJECTS", 1)
    monkeypatch.setattr(engine, "_held", 0)
    Simulation(scenario, 1).run()
    assert world() is None
