"""`sandbox run` writes the output contract of PRODUCT.md, and a failed run still says why."""

from __future__ import annotations

import csv
import inspect
import json
import re
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

import sim.checks
from sim.cli import app
from sim.summary import KPIS
from tests.conftest import BANKED, BASELINE

runner = CliRunner()
SMALL_ARGS = ["--set", "population.scale_factor=250", "--days", "30"]
SMALL_ARGS += [arg for item in BANKED for arg in ("--set", item)]
SUMMARY_KEYS = {
    "scenario",
    "seed",
    "replications",
    "days",
    "version",
    "config_hash",
    "status",
    "error",
    "warnings",
    "wall_seconds",
    "kpis",
}


def test_run_writes_summary_resolved_scenario_and_timeseries(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(BASELINE), *SMALL_ARGS, "-r", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary) == SUMMARY_KEYS
    assert summary["status"] == "ok" and summary["error"] is None
    assert summary["replications"] == 2 and summary["days"] == 30
    assert set(summary["kpis"]) == {k.name for k in KPIS}
    applicants = summary["kpis"]["applicants"]
    assert applicants["unit"] == "people" and applicants["ci95"][0] <= applicants["mean"]
    assert "kyc:" in (out / "scenario.resolved.yaml").read_text()
    with (out / "timeseries.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:2] == ["replication", "day"]
    assert len(rows) == 2 * 30
    assert not (out / "events.csv").exists()
    assert "licensed_share" in result.output


def test_one_replication_has_no_confidence_interval(tmp_path: Path) -> None:
    runner.invoke(app, ["run", str(BASELINE), *SMALL_ARGS, "--out", str(tmp_path / "out")])
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert all(kpi["ci95"] is None for kpi in summary["kpis"].values())


def test_resolved_scenario_reproduces_the_run(tmp_path: Path) -> None:
    runner.invoke(app, ["run", str(BASELINE), *SMALL_ARGS, "--out", str(tmp_path / "a")])
    resolved = tmp_path / "a" / "scenario.resolved.yaml"
    runner.invoke(app, ["run", str(resolved), "--out", str(tmp_path / "b")])
    first, second = (json.loads((tmp_path / d / "summary.json").read_text()) for d in "ab")
    assert first["kpis"] == second["kpis"] and first["config_hash"] == second["config_hash"]


def test_trace_writes_one_row_per_event(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(BASELINE), *SMALL_ARGS, "--trace", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with (out / "events.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    kinds = {row["kind"] for row in rows}
    assert {"PersonArrived", "KycDecided", "Purchase", "Posted"} <= kinds
    assert all(json.loads(row["fields"]) is not None for row in rows[:50])


def test_a_run_that_fails_still_writes_its_summary_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the price file is checked when the scenario loads: here as if it were cut short after
    monkeypatch.setattr(sim.checks, "check_prices", lambda *_: [])
    prices = tmp_path / "prices.csv"
    prices.write_text("date,price_usd\n2022-07-01,20000\n2022-07-02,20100\n")
    scenario = tmp_path / "short.yaml"
    scenario.write_text(f"extends: {BASELINE}\nmarket:\n  btc_model: csv\n  btc_csv: prices.csv\n")
    result = runner.invoke(
        app, ["run", str(scenario), "--days", "10", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["status"] == "failed"
    assert "btc_csv" in summary["error"] and "the run needs 11" in summary["error"]


def test_a_replayed_price_series_drives_the_market(tmp_path: Path) -> None:
    prices = tmp_path / "prices.csv"
    rows = "".join(f"2022-07-{d + 1:02d},{30000 + 100 * d}\n" for d in range(31))
    prices.write_text("date,price_usd\n" + rows)
    scenario = tmp_path / "replay.yaml"
    scenario.write_text(f"extends: {BASELINE}\nmarket:\n  btc_model: csv\n  btc_csv: prices.csv\n")
    result = runner.invoke(app, ["run", str(scenario), *SMALL_ARGS, "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    with (tmp_path / "o" / "timeseries.csv").open() as handle:
        prices_seen = [float(row["btc_usd"]) for row in csv.DictReader(handle)]
    assert prices_seen[:3] == [30000.0, 30100.0, 30200.0]


def test_scenarios_lists_the_library(tmp_path: Path) -> None:
    result = runner.invoke(app, ["scenarios"])
    assert result.exit_code == 0 and "aifc_pilot_2022" in result.output


def test_explain_tells_a_persons_journey_with_the_rules_behind_it(tmp_path: Path) -> None:
    args = ["--set", "channel.licensed_awareness=1", "--set", "aml.typologies=[]", "--trace"]
    out = tmp_path / "out"
    args += ["--out", str(out)]
    assert runner.invoke(app, ["run", str(BASELINE), *SMALL_ARGS, *args]).exit_code == 0
    result = runner.invoke(app, ["explain", str(out), "--person", "0"])
    assert result.exit_code == 0, result.output
    assert "arrived; chose licensed" in result.output
    assert "because" in result.output and "(since 2022-07-01)" in result.output
    result = runner.invoke(app, ["explain", str(out), "--exchange", "0"])
    assert result.exit_code == 0 and "account opened" in result.output


def test_explain_without_a_trace_says_how_to_get_one(tmp_path: Path) -> None:
    out = tmp_path / "out"
    runner.invoke(app, ["run", str(BASELINE), *SMALL_ARGS, "--out", str(out)])
    result = runner.invoke(app, ["explain", str(out), "--person", "0"])
    assert result.exit_code == 2 and "run with --trace" in result.output


def test_a_scenario_with_typologies_writes_the_scorecard(tmp_path: Path) -> None:
    # 180 days: tenge trading starts on day 89, and the legitimate row needs alerts (11 here;
    # 120 days gave 2, or none once the expected KYC wait counted those who gave up).
    result = runner.invoke(
        app,
        [
            "run",
            str(BASELINE),
            "--days",
            "180",
            "--set",
            "population.scale_factor=25",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    with (tmp_path / "scorecard.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {"typology", "recall", "precision", "analyst_hours"} <= set(rows[0])
    assert "legitimate" in {row["typology"] for row in rows}


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """Every command and sub-command of a (Typer) group, by its names, with the command."""
    found = []
    for name, command in group.commands.items():
        found.append(((*prefix, name), command))
        if hasattr(command, "commands"):
            found += _commands(command, (*prefix, name))
    return found


def _words(text: str) -> list[str]:
    return re.sub(r"[│╭╮╰╯─*\s]+", " ", text.replace("`", "")).split()


def test_every_commands_help_reads_as_its_text_reflowed_to_the_terminal() -> None:
    # `--help` renders the docstrings as Markdown: paragraphs reflow to the width (no line broken
    # where the source was), and no word is lost (`<regime>` read as an HTML tag vanished)
    commands = _commands(typer.main.get_command(app))
    assert len(commands) > 20
    for names, command in commands:
        output = runner.invoke(app, [*names, "--help"], env={"COLUMNS": "100"}).output
        said = iter(_words(output))
        for text in [command.help or "", *(getattr(p, "help", "") or "" for p in command.params)]:
            text = inspect.cleandoc(text).partition("\f")[0]
            missing = [word for word in _words(text) if word not in said]
            assert not missing, (names, missing[:5])
    output = runner.invoke(app, ["compare", "--help"], env={"COLUMNS": "80"}).output
    assert "significant (★) when it passes" in output  # was "significant\n(★) when"
