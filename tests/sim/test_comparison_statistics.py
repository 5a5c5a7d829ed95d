"""Honest statistics in comparisons: FDR-controlled significance, pinned answers, undefined KPIs,
readable numbers, and comparisons that refuse to mix horizons."""

from __future__ import annotations

import concurrent.futures.process as futures_process
import json
import math
import os
import random
from pathlib import Path

import pytest
from scipy import stats
from typer.testing import CliRunner

from sim import compare, load_scenario
from sim.cli import app
from sim.engine import Cancelled, ReplicationResult
from sim.experiment import Comparison, NotComparable, RunResult, run_many
from sim.fields import describe_changes
from sim.formatting import COUNT_UNITS, format_change, format_interval, format_value, label
from sim.report import comparison_document, comparison_markdown, plain_summary
from sim.stats import benjamini_hochberg, paired_p_value
from sim.summary import KPIS
from tests.conftest import BASELINE, SMALL, WorkerNiceness

COUNTS = [k.name for k in KPIS if k.unit in COUNT_UNITS]


def _fake(scenario_overrides: list[str], per_rep: list[dict[str, float]]) -> RunResult:
    scenario = load_scenario(BASELINE, [*SMALL, *scenario_overrides])
    reps = [
        ReplicationResult(i, scenario.run.seed, "ok", None, 45, 0.0, kpis, {}, [])
        for i, kpis in enumerate(per_rep)
    ]
    return RunResult(scenario, reps, 0.0)


def _comparison(
    base: list[dict[str, float]],
    reform: list[dict[str, float]],
    reform_set: list[str] | None = None,
    pinned: tuple[str, ...] = (),
) -> Comparison:
    return Comparison(_fake([], base), _fake(reform_set or [], reform), pinned)


def test_benjamini_hochberg_gives_the_textbook_q_values() -> None:
    p = {"a": 0.01, "b": 0.04, "c": 0.03, "d": 0.005, "e": 0.2}
    q = benjamini_hochberg(p)
    assert q == pytest.approx({"a": 0.025, "b": 0.05, "c": 0.05, "d": 0.025, "e": 0.2})
    expected = stats.false_discovery_control(list(p.values()), method="bh")
    assert list(q.values()) == pytest.approx(list(expected))


def test_benjamini_hochberg_leaves_undefined_and_untouched_kpis_out_of_the_family() -> None:
    p = {"a": 0.01, "b": 0.04, "c": 0.03}
    with_undefined = benjamini_hochberg({**p, "undefined": None})
    assert with_undefined["undefined"] is None
    assert {k: with_undefined[k] for k in p} == benjamini_hochberg(p)
    untouched = benjamini_hochberg({**p, "same": 1.0}, untested=["same"])
    assert untouched == {**benjamini_hochberg(p), "same": 1.0}


def test_paired_p_value_is_the_paired_t_test() -> None:
    rng = random.Random(7)
    a = [rng.gauss(10, 2) for _ in range(6)]
    b = [x + rng.gauss(0.8, 1) for x in a]
    expected = stats.ttest_rel(b, a).pvalue
    assert paired_p_value([y - x for x, y in zip(a, b, strict=True)]) == pytest.approx(expected)
    assert paired_p_value([0.0, 0.0, 0.0]) == 1.0
    assert paired_p_value([2.0, 2.0, 2.0]) == 0.0
    assert paired_p_value([1.0, math.nan]) is None


def test_a_change_significant_alone_but_not_after_fdr_is_not_called_significant() -> None:
    # 20 KPIs: one with p around 0.01 (significant on its own), 19 unchanged.
    base = [{f"k{i}": 10.0 for i in range(20)} for _ in range(4)]
    reform = [dict(rep) for rep in base]
    for rep, delta in zip(reform, [1.0, 1.3, 0.6, 1.5], strict=True):
        rep["k0"] += delta
    for rep, delta in zip(reform, [0.3, -0.2, 0.1, 0.2], strict=True):
        for i in range(1, 20):
            rep[f"k{i}"] += delta
    change = _comparison(base, reform).changes["k0"]
    assert change.p_value is not None and change.p_value < 0.05
    assert change.q_value is not None and change.q_value > 0.05
    assert not change.significant
    assert difference_ci_excludes_zero(change.difference.ci95)


def difference_ci_excludes_zero(ci: tuple[float, float] | None) -> bool:
    return ci is not None and (ci[0] > 0 or ci[1] < 0)


def test_a_pinned_kpi_is_answered_even_without_a_significant_change() -> None:
    base = [{"kyc_wait_mean_h": w, "capital_outflow_kzt": 1e9} for w in (2.0, 2.5, 3.0, 2.2)]
    reform = [
        {"kyc_wait_mean_h": w, "capital_outflow_kzt": 1e9}
        for w in (1.90, 2.52, 2.93, 2.19)  # −0.04 h on average, noisy
    ]
    comparison = _comparison(base, reform, pinned=("kyc_wait_mean_h",))
    assert not comparison.changes["kyc_wait_mean_h"].significant
    sentences = plain_summary(comparison)
    assert sentences[0].startswith("KYC wait, mean: no significant change, −0.04 h [")
    assert sentences[1].startswith("No other KPI") or sentences[1].startswith("No KPI")
    assert comparison_document(comparison)["pinned"] == ["kyc_wait_mean_h"]


def test_the_summary_never_calls_a_change_significant_that_fails_the_fdr_test() -> None:
    comparison = compare(
        load_scenario(BASELINE, SMALL),
        load_scenario(BASELINE, [*SMALL, "kyc.reviewers=8"]),
        replications=3,
        workers=1,
    )
    text = " ".join(plain_summary(comparison, limit=50))
    for name, change in comparison.changes.items():
        if not change.significant:
            assert f"{label(name).rsplit(' (', 1)[0]} rose" not in text
            assert f"{label(name).rsplit(' (', 1)[0]} fell" not in text


def test_identical_worlds_compare_to_exactly_zero_and_flag_nothing() -> None:
    scenario = load_scenario(BASELINE, SMALL)
    comparison = compare(scenario, scenario, replications=2, workers=1)
    for name, change in comparison.changes.items():
        assert not change.significant, name
        if change.defined:
            assert change.difference.mean == 0.0, name
            assert change.difference.ci95 == (0.0, 0.0), name
            assert change.p_value == 1.0
    assert plain_summary(comparison)[0].startswith("No KPI changed significantly")


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """The baseline as a small, fast scenario file (same name)."""
    path = tmp_path / "small.yaml"
    path.write_text(f"extends: {BASELINE}\nrun:\n  days: 45\npopulation:\n  scale_factor: 250\n")
    return path


def test_an_inert_set_flags_nothing(tmp_path: Path, small: Path) -> None:
    out = tmp_path / "cmp"
    args = ["--set", "payments.merchants=9000", "-r", "2", "--workers", "1", "--out", str(out)]
    result = CliRunner().invoke(app, ["compare", str(small), str(small), *args])
    assert result.exit_code == 0, result.output
    document = json.loads((out / "comparison.json").read_text())
    assert not [n for n, k in document["kpis"].items() if k["significant"]]
    assert all(k["change"] in (0.0, None) for k in document["kpis"].values())


def test_a_tiny_change_flags_nothing() -> None:
    base = load_scenario(BASELINE, SMALL)
    tiny = load_scenario(BASELINE, [*SMALL, "banks.card_latency=62s"])  # 2 seconds more
    comparison = compare(base, tiny, replications=3, workers=1)
    assert not [n for n, c in comparison.changes.items() if c.significant]


def test_an_undefined_kpi_is_null_and_left_out_of_the_comparison() -> None:
    nan = math.nan
    base = [
        {"laundering_detected_share": nan, "aml_alerts": a, "str_filed": s}
        for a, s in ((10, 5), (12, 6), (11, 4))
    ]
    reform = [
        {"laundering_detected_share": nan, "aml_alerts": a, "str_filed": s}
        for a, s in ((15, 5), (18, 6), (16, 5))
    ]
    comparison = _comparison(base, reform)
    change = comparison.changes["laundering_detected_share"]
    assert not change.defined and change.q_value is None and not change.significant
    document = comparison_document(comparison)
    entry = document["kpis"]["laundering_detected_share"]  # type: ignore[index]
    assert entry["baseline"] is None and entry["change"] is None and entry["p_value"] is None
    family = {n: c.p_value for n, c in comparison.changes.items() if c.defined}
    assert set(family) == {"aml_alerts", "str_filed"}
    assert comparison.changes["aml_alerts"].q_value == benjamini_hochberg(family)["aml_alerts"]
    row = next(r for r in comparison_markdown(comparison).splitlines() if "Laundered" in r)
    assert "0.000" not in row and "—" in row
    assert "undefined" in " ".join(plain_summary(comparison, pinned=["laundering_detected_share"]))


def test_counts_are_whole_numbers_and_every_value_has_its_unit() -> None:
    assert format_value("aml_alerts", 7605.25) == "7,605"
    assert format_value("aml_alerts", 7605.25, with_unit=True) == "7,605 alerts"
    for name in COUNTS:
        assert "." not in format_value(name, 1234.5678), name
    assert format_value("capital_outflow_kzt", 2.5e9, with_unit=True) == "2.50 bn KZT"
    assert format_change("kyc_wait_mean_h", -0.04, 2.0) == "−0.04 (−2.0%)"
    assert format_interval("kyc_wait_mean_h", (-0.08, 0.01)) == "[−0.08, +0.01]"
    assert format_value("licensed_share", math.nan) == "—"


def test_every_kpi_has_a_plain_label_with_its_unit() -> None:
    readable = {"0-1": "share"}
    for kpi in KPIS:
        assert kpi.unit in {*COUNT_UNITS, "KZT", "BTC", "h", "days", "0-1"}, f"{kpi.name}: how?"
        assert kpi.label and kpi.label != kpi.name and not kpi.label.startswith(kpi.name)
        assert kpi.label.endswith(f"({readable.get(kpi.unit, kpi.unit)})"), kpi.label


def test_the_report_shows_scenario_changes_in_plain_text_not_reprs() -> None:
    reform_set = [
        "rules=[{date: 2023-01-01, values: {banks.unlicensed_block_prob: 0.9}}]",
        "kyc.reviewers=8",
        "population.patience_mean=3d",
    ]
    base = [{"aml_alerts": 1.0}, {"aml_alerts": 2.0}]
    comparison = _comparison(base, base, reform_set)
    lines = describe_changes(comparison.baseline.scenario, comparison.reform.scenario)
    assert any(
        line.startswith("banks.unlicensed_block_prob: ") and "0.3 → 0.9 from 2023-01-01" in line
        for line in lines
    )
    assert any(line.startswith("kyc.reviewers: ") and line.endswith(" → 8") for line in lines)
    assert "population.patience_mean: 8h → 3d" in lines
    report = comparison_markdown(comparison)
    assert "0.3 → 0.9 from 2023-01-01" in report
    for repr_text in ("DatedRule(", "datetime.date", "Shock("):
        assert repr_text not in report


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_compare_of_a_with_itself_plus_a_set_is_labelled_by_its_changes(
    tmp_path: Path, small: Path
) -> None:
    code, output = _cli(
        "compare",
        str(small),
        str(small),
        "--set",
        "kyc.reviewers=9",
        "-r",
        "2",
        "--workers",
        "1",
        "--seed",
        "11",
        "--out",
        str(tmp_path),
    )
    assert code == 0, output
    document = json.loads((tmp_path / "comparison.json").read_text())
    assert "aifc_pilot_2022 + " in document["label"] and "kyc.reviewers=9" in document["label"]
    assert document["label"].endswith(" vs aifc_pilot_2022")
    assert "aifc_pilot_2022 vs aifc_pilot_2022" not in output
    # and so is its report, which says what changed
    code, written = _cli("report", str(tmp_path))
    assert code == 0, written
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert report.startswith(f"# {document['label']}\n")
    assert "What changed: kyc.reviewers: " in report and " vs aifc_pilot_2022:" in report
    assert document["seed"] == 11  # --seed applies to both sides
    assert "unit" in output and "alerts" in output  # a unit column


def test_compare_refuses_different_horizons_with_one_line(tmp_path: Path, small: Path) -> None:
    longer = load_scenario(BASELINE, [*SMALL, "run.days=60"])
    with pytest.raises(NotComparable, match=r"run\.days differs: baseline 45, what-if 60"):
        compare(load_scenario(BASELINE, SMALL), longer, replications=2, workers=1)
    reform = tmp_path / "longer.yaml"
    reform.write_text(f"extends: {small}\nname: longer\nrun:\n  days: 60\n")
    code, output = _cli("compare", str(small), str(reform), "-r", "2")
    assert code == 2 and "run.days differs" in output and "Traceback" not in output
    code, output = _cli("compare", str(small), str(reform), "--days", "20", "-r", "2")
    assert code == 0, output  # --days aligns both sides


def test_compare_refuses_two_sampling_scales_because_the_scale_is_not_a_policy(
    small: Path,
) -> None:
    finer = load_scenario(BASELINE, [*SMALL, "population.scale_factor=500"])
    with pytest.raises(
        NotComparable, match=r"population\.scale_factor differs: baseline 250, what-if 500"
    ):
        compare(load_scenario(BASELINE, SMALL), finer, replications=2, workers=1)
    priors = BASELINE.parent / "priors" / "kz.yaml"
    for extra in ([], ["--priors", str(priors), "--samples", "2"]):
        code, output = _cli(
            "compare", str(small), str(small), "--set", "population.scale_factor=500", *extra
        )
        assert code == 2 and "scale_factor differs" in output and "Traceback" not in output


def test_parallel_progress_advances_by_simulated_day() -> None:
    # about a second per replication (a year; 90 days, a quarter of a second since the engine
    # got faster, could end before the first 0.2 s poll): several polls fall inside it
    scenario = load_scenario(BASELINE, ["run.days=365"])
    seen: list[tuple[float, str]] = []
    run_many([(scenario, 0), (scenario, 1)], workers=2, progress=lambda f, n: seen.append((f, n)))
    before_any_finished = [f for f, note in seen if "0/2 replications done" in note and f > 0]
    assert before_any_finished, seen
    assert seen[-1][0] == 1.0 and "730/730 simulated days" in seen[-1][1]


def test_a_stopped_pools_manager_thread_has_ended_when_the_runs_return() -> None:
    """CPython 3.11's exit hook races with a pool's manager thread still closing its pipes and
    can print "OSError: Bad file descriptor" after a Ctrl-C: the thread is waited for first."""
    scenario = load_scenario(BASELINE, ["run.days=3650"])
    with pytest.raises(Cancelled):
        run_many([(scenario, 0), (scenario, 1)], workers=2, should_stop=lambda: True)
    assert not [thread for thread in list(futures_process._threads_wakeups) if thread.is_alive()]


@pytest.mark.skipif(os.nice(0) > 16, reason="this process already runs at a low priority")
def test_comparison_workers_run_at_the_callers_priority_unless_asked_lower() -> None:
    # first as `sandbox compare` calls it (its workers compete as equals), then as the TUI does
    scenario = load_scenario(BASELINE, ["run.days=60"])
    for niceness in (0, 3):
        workers = WorkerNiceness()
        compare(scenario, scenario, 1, workers=2, progress=workers.look, niceness=niceness)
        assert len(workers.seen) == 2
        assert set(workers.seen.values()) == {os.nice(0) + niceness}


def test_a_kpi_with_nothing_to_measure_is_null_in_json_and_a_dash_on_screen(
    tmp_path: Path, small: Path
) -> None:
    for extra in ("aml.typologies=[]", "exchanges.licensed=0"):
        out = tmp_path / extra.split("=")[0]
        code, output = _cli("run", str(small), "--set", extra, "--out", str(out), "-r", "1")
        assert code == 0, output
        kpis = json.loads((out / "summary.json").read_text())["kpis"]
        assert kpis["laundering_detected_share"]["mean"] is None, extra
        assert kpis["aml_precision"]["mean"] is None, extra
        row = next(line for line in output.splitlines() if "laundering_detected_share" in line)
        assert "—" in row and "0.000" not in row
