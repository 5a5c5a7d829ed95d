"""`sandbox targets`: published figures as data, checked against a run, with exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.loader import ScenarioError
from sim.targets import load_targets
from tests.conftest import BASELINE

runner = CliRunner()
FAST = ["--set", "population.scale_factor=250", "--set", "run.days=40", "-r", "2"]

MET = """
  - name: six_exchanges_in_july
    measure: at
    of: licensed_exchanges
    date: 2022-07-10
    range: [0, 20]
    source: facts §1 [B]
    note: any count a small world can have
"""
MISSED = """
  - name: impossible_applicants
    measure: sum
    of: applicants
    period: [2022-07-01, 2022-07-31]
    range: [1.0e12, 2.0e12]
    source: facts §7 [C]
    note: deliberately out of reach
"""


def _world(tmp_path: Path, targets: str) -> Path:
    (tmp_path / "t.yaml").write_text(f"regime: test\ntargets:{targets}", encoding="utf-8")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"extends: {BASELINE}\nname: s\ntargets: t.yaml\n", encoding="utf-8")
    return scenario


def test_all_targets_inside_exits_0_with_a_verdict_table(tmp_path: Path) -> None:
    result = runner.invoke(app, ["targets", str(_world(tmp_path, MET)), *FAST])
    assert result.exit_code == 0, result.output
    assert "six_exchanges_in_july" in result.output and "inside" in result.output


def test_a_target_outside_its_range_exits_1_and_is_named(tmp_path: Path) -> None:
    result = runner.invoke(app, ["targets", str(_world(tmp_path, MET + MISSED)), *FAST])
    assert result.exit_code == 1
    assert "missed impossible_applicants" in result.output
    assert "six_exchanges_in_july" not in result.output.split("missed")[-1]


def test_json_lists_name_range_mean_ci_verdict_and_source(tmp_path: Path) -> None:
    result = runner.invoke(app, ["targets", str(_world(tmp_path, MET + MISSED)), *FAST, "--json"])
    assert result.exit_code == 1
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows] == ["six_exchanges_in_july", "impossible_applicants"]
    for row in rows:
        assert {"name", "low", "high", "mean", "ci95", "inside", "source"} <= set(row)
        assert len(row["ci95"]) == 2 and row["ci95"][0] <= row["mean"] <= row["ci95"][1]
    assert [r["inside"] for r in rows] == [True, False]


def test_a_scenario_without_a_target_file_is_bad_input(tmp_path: Path) -> None:
    result = runner.invoke(app, ["targets", str(BASELINE), *FAST, "--set", "targets=null"])
    assert result.exit_code == 2
    assert "names no target file" in result.output


def test_targets_outside_the_run_are_skipped_and_none_left_is_bad_input(tmp_path: Path) -> None:
    late = MET.replace("2022-07-10", "2030-01-01")
    result = runner.invoke(app, ["targets", str(_world(tmp_path, late)), *FAST])
    assert result.exit_code == 2
    assert "no target" in result.output and "not checked" in result.output


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (MET.replace("facts §1 [B]", "facts §4 [U]"), "grade U figures are not targets"),
        (MET.replace("measure: at", "measure: total"), "must be one of"),
        (MET.replace("date: 2022-07-10", "period: [2022-07-01, 2022-07-09]"), "date: required"),
        (MET + MET, "unique"),
        (MET.replace("range: [0, 20]", "range: [20, 0]"), "above high"),
    ],
)
def test_invalid_target_files_name_each_problem_with_its_line(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(f"regime: test\ntargets:{text}", encoding="utf-8")
    with pytest.raises(ScenarioError) as error:
        load_targets(path)
    assert problem in str(error.value) and "t.yaml" in str(error.value)
    result = runner.invoke(app, ["targets", str(_world(tmp_path, text)), *FAST])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_the_verdict_table_keeps_every_column_whole_in_a_pipe_or_a_file(tmp_path: Path) -> None:
    # a pipe has no width: at Rich's 80 columns the library's targets cut "verdict" to "…"
    long = MET.replace("six_exchanges_in_july", "licensed_exchanges_in_the_first_july_of_the_pilot")
    result = runner.invoke(app, ["targets", str(_world(tmp_path, long + MISSED)), *FAST])
    header = next(line for line in result.output.splitlines() if "target" in line and "┃" in line)
    assert [cell.strip() for cell in header.strip("┃ ").split("┃")] == [
        "target", "range", "model mean", "95% CI", "verdict", "source"
    ]  # fmt: skip
    assert "licensed_exchanges_in_the_first_july_of_the_pilot" in result.output
