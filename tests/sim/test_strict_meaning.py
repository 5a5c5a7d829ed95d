"""Strict meaning: counts are whole numbers, switches are true or false, references exist, and a
dated rule changes only what can change mid-run; each problem is one line naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.loader import ScenarioError, load_scenario
from tests.conftest import BASELINE

runner = CliRunner()
SMALL = ["population.scale_factor=2000"]


def scenario(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(f"extends: {BASELINE}\n{body}")
    return path


def problems(path: Path, overrides: list[str] | None = None) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, overrides or [])
    return caught.value.problems


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("kyc:\n  reviewers: true\n", "kyc.reviewers: expected a whole number, got true"),
        ("kyc:\n  reviewers: 2.0\n", "kyc.reviewers: expected a whole number, got 2.0"),
        ("kyc:\n  reviewers: '3'\n", "kyc.reviewers: expected a whole number, got '3'"),
        (
            "exchanges:\n  caps_enabled: 1\n",
            "exchanges.caps_enabled: expected true or false, got 1",
        ),
        ("exchanges:\n  fee: true\n", "exchanges.fee: expected a number, got true"),
    ],
)
def test_a_count_is_a_whole_number_and_a_switch_is_true_or_false(
    tmp_path: Path, body: str, expected: str
) -> None:
    (problem,) = problems(scenario(tmp_path, body))
    assert problem.startswith(f"{expected} (") and problem.endswith("s.yaml line 3)"), problem


def test_limits_and_kinds_are_the_same_on_the_command_line_as_in_files() -> None:
    for args, expected in (
        (["--set", "kyc.reviewers=true"], "kyc.reviewers: expected a whole number, got true"),
        (["--days", "3651"], "run.days: must be <= 3650, got 3651"),
        (["-r", "1001"], "run.replications: must be <= 1000, got 1001"),
    ):
        result = runner.invoke(app, ["run", str(BASELINE), *args, "--out", "o"])
        assert result.exit_code == 2, result.output
        where = " ".join(args) if args[0] != "--set" else f"--set {args[1]}"
        assert result.output.strip().splitlines() == [f"error: {expected} ({where})"]


def test_a_shock_on_an_exchange_the_scenario_can_never_have_is_an_error(tmp_path: Path) -> None:
    path = scenario(
        tmp_path,
        "regulator:\n  applications_per_year: 0\n"
        "shocks:\n  - {date: 2022-09-01, kind: bank_exit, exchange: 999}\n"
        "  - {date: 2022-09-01, kind: bank_exit, exchange: 1}\n",
    )
    (problem,) = problems(path)
    assert problem.startswith("shocks.0.exchange: exchange 999 never exists by 2022-09-01")
    assert problem.endswith("s.yaml line 5)")


def test_a_shock_before_any_licence_can_be_granted_is_an_error(tmp_path: Path) -> None:
    path = scenario(
        tmp_path,
        "regulator:\n  applications_per_year: 50\n  review_time: 90d\n"
        "shocks:\n  - {date: 2022-08-01, kind: bank_exit, exchange: 999}\n",
    )
    (problem,) = problems(path)
    assert "exchange 999 never exists by 2022-08-01" in problem


def test_a_shock_on_an_exchange_not_licensed_by_its_date_is_a_warning_in_the_runs_record(
    tmp_path: Path,
) -> None:
    path = scenario(
        tmp_path,
        "regulator:\n  applications_per_year: 50\n  review_time: 5d\n"
        "shocks:\n  - {date: 2022-07-15, kind: bank_exit, exchange: 999}\n",
    )
    load_scenario(path)  # it might be licensed by then: not an error
    sets = [arg for s in [*SMALL, "run.days=20"] for arg in ("--set", s)]
    result = runner.invoke(app, ["run", str(path), *sets, "--out", "o"])
    assert result.exit_code == 0, result.output
    (warning,) = json.loads((tmp_path / "o" / "summary.json").read_text())["warnings"]
    assert warning.startswith("replication 0: shock bank_exit on 2022-07-15: exchange 999 was not")
    assert "nothing happened" in warning and "warning:" in result.output


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("population.scale_factor", 100),
        ("population.locale", "tk_TM"),
        ("run.seed", 3),
        ("run.start_date", "2023-01-01"),
        ("market.usd_kzt", 500),
    ],
)
def test_a_dated_rule_may_change_only_values_that_can_change_mid_run(
    tmp_path: Path, path: str, value: object
) -> None:
    body = f"rules:\n  - date: 2023-01-01\n    values: {{{path}: {json.dumps(value)}}}\n"
    (problem,) = problems(scenario(tmp_path, body))
    assert problem.startswith(f"{path} from 2023-01-01: cannot change mid-run; "), problem
    assert problem.endswith("s.yaml line 4)")


def test_a_schedule_on_a_value_fixed_at_the_start_is_refused_at_its_line(tmp_path: Path) -> None:
    body = "population:\n  scale_factor:\n    2022-01-01: 100\n    2023-01-01: 200\n"
    (problem,) = problems(scenario(tmp_path, body))
    assert problem.startswith("population.scale_factor from 2023-01-01: cannot change mid-run")
    assert problem.endswith("s.yaml line 5)")


def test_a_dated_rule_on_a_value_that_can_change_still_loads(tmp_path: Path) -> None:
    body = "rules:\n  - date: 2023-01-01\n    values: {kyc.reviewers: 9}\n"
    rules = load_scenario(scenario(tmp_path, body)).rules
    assert {"kyc.reviewers": 9} in [rule.values for rule in rules]
