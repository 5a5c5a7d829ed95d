"""Scenario files: strict, line-accurate errors; human units; extends and --set overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.library import NOT_SCENARIOS
from sim.loader import ScenarioError, load_scenario
from sim.units import Money, parse_duration, parse_money
from tests.conftest import BASELINE, CONFIGS

runner = CliRunner()


def write(tmp_path: Path, text: str, name: str = "x.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path, overrides: list[str] | None = None) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, overrides or [])
    return caught.value.problems


def test_every_shipped_scenario_validates() -> None:
    paths = sorted(str(p) for p in CONFIGS.rglob("*.yaml") if not NOT_SCENARIOS & set(p.parts))
    result = runner.invoke(app, ["validate", *paths])
    assert result.exit_code == 0, result.output


def test_unknown_key_names_file_line_and_the_closest_valid_key(tmp_path: Path) -> None:
    path = write(tmp_path, "name: x\nkyc:\n  reviewrs: 4\n")
    (message,) = problems(path)
    assert (
        message
        == f"kyc.reviewrs: unknown key 'reviewrs'; did you mean 'reviewers'? ({path} line 3)"
    )


def test_negative_count_is_refused_with_its_bound(tmp_path: Path) -> None:
    path = write(tmp_path, "kyc:\n  reviewers: -3\n")
    assert problems(path) == [f"kyc.reviewers: must be >= 0, got -3 ({path} line 2)"]


def test_share_above_one_and_wrong_type_are_all_reported_together(tmp_path: Path) -> None:
    path = write(tmp_path, "banks:\n  unlicensed_block_prob: 1.5\nexchanges:\n  licensed: two\n")
    found = problems(path)
    assert found == [
        f"banks.unlicensed_block_prob: must be <= 1.0, got 1.5 ({path} line 2)",
        f"exchanges.licensed: expected a whole number, got 'two' ({path} line 4)",
    ]


def test_negative_rate_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "unlicensed:\n  shutdowns_per_year: -1\n")
    assert "must be >= 0.0, got -1" in problems(path)[0]


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "name: [unclosed\nkyc: 1\n")
    (message,) = problems(path)
    assert message.startswith("YAML syntax error:") and message.endswith(f"({path} line 2)")


def test_missing_file_is_one_clear_line(tmp_path: Path) -> None:
    assert problems(tmp_path / "nope.yaml") == [f"{tmp_path / 'nope.yaml'}: no such scenario file"]


def test_unknown_set_path_suggests_the_closest_valid_path() -> None:
    (message,) = problems(BASELINE, ["kyc.reviewrs=3"])
    assert (
        message
        == "--set kyc.reviewrs=3: unknown path 'kyc.reviewrs'; did you mean 'kyc.reviewers'?"
    )


def test_set_values_are_typed_and_validated_like_the_file() -> None:
    scenario = load_scenario(BASELINE, ["kyc.reviewers=7", "kyc.review_time_mean=2h"])
    assert scenario.kyc.reviewers == 7 and scenario.kyc.review_time_mean == 2.0
    (message,) = problems(BASELINE, ["kyc.reviewers=-1"])
    assert message == "kyc.reviewers: must be >= 0, got -1 (--set kyc.reviewers=-1)"


def test_extends_overrides_only_what_it_names(tmp_path: Path) -> None:
    path = write(tmp_path, f"extends: {BASELINE}\nname: reform\nkyc:\n  reviewers: 9\n")
    base, reform = load_scenario(BASELINE), load_scenario(path)
    assert reform.kyc.reviewers == 9 and reform.name == "reform"
    assert reform.kyc.model_copy(update={"reviewers": base.kyc.reviewers}) == base.kyc
    assert reform.banks == base.banks


def test_extends_cycle_is_an_error_not_a_hang(tmp_path: Path) -> None:
    write(tmp_path, "extends: b.yaml\n", "a.yaml")
    write(tmp_path, "extends: a.yaml\n", "b.yaml")
    assert "cycle" in problems(tmp_path / "a.yaml")[0]


def test_errors_in_an_extended_file_point_into_that_file(tmp_path: Path) -> None:
    parent = write(tmp_path, "kyc:\n  reviewers: -2\n", "parent.yaml")
    child = write(tmp_path, "extends: parent.yaml\nname: child\n", "child.yaml")
    assert problems(child) == [f"kyc.reviewers: must be >= 0, got -2 ({parent} line 2)"]


@pytest.mark.parametrize(
    ("text", "hours"), [("30m", 0.5), ("2h", 2.0), ("3d", 72.0), ("1w", 168.0), (5, 5.0)]
)
def test_durations_read_as_people_write_them(text: str | int, hours: float) -> None:
    assert parse_duration(text) == hours


def test_money_reads_tenge_and_dollars() -> None:
    assert parse_money("1000 USD") == Money(1000, "USD")
    assert parse_money("2.5M KZT") == Money(2_500_000, "KZT")
    assert parse_money(500_000) == Money(500_000, "KZT")
    assert parse_money("1000 USD").kzt(500) == 500_000


def test_resolved_scenario_loads_back_to_the_same_scenario(tmp_path: Path) -> None:
    from sim.loader import dump_yaml

    scenario = load_scenario(BASELINE)
    path = write(tmp_path, dump_yaml(scenario), "resolved.yaml")
    assert load_scenario(path) == scenario


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("kyc:\n  reviewrs: 4\n", "did you mean 'reviewers'"),
        ("kyc:\n  reviewers: -3\n", "kyc.reviewers: must be >= 0"),
        ("name: [oops\n", "YAML syntax error"),
    ],
)
def test_cli_prints_one_clear_message_and_exits_2_without_traceback(
    tmp_path: Path, body: str, fragment: str
) -> None:
    path = write(tmp_path, body)
    result = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert fragment in result.output and "Traceback" not in result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["status"] == "failed" and fragment in summary["error"]


def test_cli_unknown_set_path_and_missing_file_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", str(BASELINE), "--set", "kyc.reviewrs=3"])
    assert result.exit_code == 2 and "did you mean 'kyc.reviewers'" in result.output
    result = runner.invoke(app, ["validate", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 2 and "no such scenario file" in result.output


def test_schema_is_json_schema_with_every_section() -> None:
    result = runner.invoke(app, ["schema"])
    schema = json.loads(result.output)
    assert {"kyc", "banks", "exchanges", "extends"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False


def test_an_impossible_date_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, "run:\n  start_date: 2022-13-01\n")
    assert problems(path) == [
        f"run.start_date: not a date (YYYY-MM-DD), got '2022-13-01' ({path} line 2)"
    ]
    result = runner.invoke(app, ["run", str(BASELINE), "--set", "run.start_date=2022-02-30"])
    assert result.exit_code == 2 and "not a date" in result.output
    assert "Traceback" not in result.output
