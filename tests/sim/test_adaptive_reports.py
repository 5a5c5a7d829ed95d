"""Replications that stop when precise enough, and reports that open with no other file."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

from typer.testing import CliRunner

from sim.cli import app
from sim.experiments.adaptive import Target, compare_until, run_until
from sim.loader import load_scenario
from tests.conftest import BASELINE

SHORT = ["run.days=20", "population.scale_factor=250"]
runner = CliRunner()


def test_a_loose_target_stops_early_and_says_why() -> None:
    scenario = load_scenario(BASELINE, SHORT)
    result, stop = run_until(scenario, Target("licensed_exchanges", 0.05), 12, workers=1)
    assert stop.precise and stop.replications == len(result.replications) == 3
    assert "within" in stop.reason and "licensed_exchanges" in stop.reason


def test_an_unreachable_target_stops_at_the_maximum_and_says_so() -> None:
    scenario = load_scenario(BASELINE, SHORT)
    result, stop = run_until(scenario, Target("capital_outflow_kzt", 1e-9), 4, workers=1)
    assert not stop.precise and len(result.replications) == 4
    assert "--max-replications 4" in stop.reason


def test_identical_scenarios_compare_to_exactly_zero_and_stop_at_once() -> None:
    scenario = load_scenario(BASELINE, SHORT)
    comparison, stop = compare_until(scenario, scenario, Target("capital_outflow_kzt", 0.05), 20, 1)
    assert stop.precise and stop.replications == 3 and stop.half_width == 0.0
    assert comparison.changes["capital_outflow_kzt"].difference.mean == 0.0


def test_run_until_ci_from_the_command_line_records_why_it_stopped(tmp_path: Path) -> None:
    small = [x for s in SHORT for x in ("--set", s)]
    result = runner.invoke(
        app,
        ["run", str(BASELINE), *small, "--until-ci", "licensed_exchanges=0.05", "--out", "r"],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["stopped"].startswith("stopped after 3 replications")
    bad = runner.invoke(app, ["run", str(BASELINE), "--until-ci", "outflow=0.05"])
    assert bad.exit_code == 2 and "unknown KPI 'outflow'" in bad.output


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.external: list[str] = []
        self.images = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"src", "href"} and value and not value.startswith(("data:", "#")):
                self.external.append(f"{tag} {name}={value}")
        self.images += tag == "img"


def _self_contained(path: Path) -> int:
    parser = _Links()
    text = path.read_text(encoding="utf-8")
    parser.feed(text)
    assert parser.external == [], parser.external
    assert "url(" not in text and "@import" not in text
    return parser.images


def test_reports_of_a_run_and_a_sweep_open_with_no_external_file(tmp_path: Path) -> None:
    small = [x for s in SHORT for x in ("--set", s)]
    assert runner.invoke(app, ["run", str(BASELINE), *small, "--out", "run"]).exit_code == 0
    sweep = [
        "sweep",
        str(BASELINE),
        *small,
        "--vary",
        "kyc.reviewers=1,3",
        "--vary",
        "banks.unlicensed_block_prob=0.2,0.8",
        "--out",
        "grid",
    ]
    assert runner.invoke(app, sweep).exit_code == 0
    by_id = runner.invoke(app, ["report", "1"])
    assert by_id.exit_code == 0, by_id.output
    assert runner.invoke(app, ["report", "grid"]).exit_code == 0
    assert _self_contained(tmp_path / "run" / "report.html") >= 1
    assert _self_contained(tmp_path / "grid" / "report.html") >= 1
    run_html = (tmp_path / "run" / "report.html").read_text()
    assert "seed 1" in run_html and "Reproduce" in run_html
    markdown = (tmp_path / "grid" / "report.md").read_text()
    assert markdown.startswith("# Sweep") and "(report-1.png)" in markdown
    assert (tmp_path / "grid" / "report-1.png").read_bytes()[:4] == b"\x89PNG"


def test_report_of_something_else_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["report", "empty"])
    assert result.exit_code == 2 and "no run, comparison or study here" in result.output
