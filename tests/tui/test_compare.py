"""Compare: paired baseline and what-if replications; changes with CIs, progress, stop, report."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import SimpleNamespace
from unittest.mock import patch

import pytest
from textual.widgets import DataTable, Static

from sim import Comparison, load_scenario
from sim.loader import dump_yaml
from sim.report import short_label
from tests.conftest import WorkerNiceness
from tests.tui.conftest import BASELINE, record_calls, wait_for
from tui.app import SandboxApp
from tui.comparer import NICENESS, ComparisonJob
from tui.messages import ComparisonFinished
from tui.screens.compare import time_left
from tui.screens.editor import EditorScreen
from tui.widgets.charts import SeriesChart


async def make_whatif(app: SandboxApp, pilot: object, path: str, text: str) -> None:
    screen = app.screen
    assert isinstance(screen, EditorScreen)
    editor = await screen.show_field(path)
    editor.query_one("Input").value = text  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: app.session.valid and path in app.session.changed())


async def test_comparison_shows_a_significant_change_with_its_ci(tiny: Path) -> None:
    app = SandboxApp(tiny, replications=3, blink=False)
    progress: list[float] = []
    async with app.run_test(size=(120, 36)) as pilot:
        await make_whatif(app, pilot, "channel.licensed_awareness", "0.6")
        app.compare_signal.subscribe(app, lambda _: progress.append(app.compare_progress[0]))
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: app.comparison is not None)
        await pilot.pause()
        table = app.screen.query_one("#compare-table", DataTable)
        row = [str(cell) for cell in table.get_row("applicants")]
        assert row[0].startswith("★")  # significant after the false-discovery-rate control
        assert "[" in row[-1]  # a 95% CI of the change (beside it, or under it when narrow)
        assert row[3].startswith("+")  # more people apply at licensed exchanges
        assert len(app.comparison.baseline.replications) == 3
        assert any(0 < f < 1 for f in progress) and progress[-1] == 1.0
        summary = str(app.screen.query_one("#compare-summary").render())
        assert "rose" in summary
        assert "Capital outflow" in summary and "KYC wait, mean" in summary  # always answered


async def test_a_second_what_if_against_the_same_baseline_runs_only_its_side_and_says_so(
    tiny: Path,
) -> None:
    app = SandboxApp(tiny, replications=2, blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await make_whatif(app, pilot, "kyc.reviewers", "100")
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: app.comparison is not None and app.compare_job is None)
        assert app.comparison.remembered == 0
        await pilot.press("2")
        await make_whatif(app, pilot, "channel.licensed_awareness", "0.6")
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: app.compare_job is None)
        await pilot.pause()
        assert app.comparison.remembered == 2  # the baseline's two, from the first comparison
        assert app.comparison.reform.scenario.channel.licensed_awareness == 0.6
        note = str(app.screen.query_one("#compare-note").render())
        assert "2 remembered from earlier" in note


async def test_the_baseline_runs_ahead_while_the_user_edits_and_the_comparison_runs_the_rest(
    tiny: Path,
) -> None:
    app = SandboxApp(tiny, replications=2, blink=False, run_ahead=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.ahead is None and app.ahead_ready == 2)
        await pilot.press("4")
        await pilot.pause()
        note = str(app.screen.query_one("#compare-note").render())
        assert "baseline's 2 replications are ready" in note
        await pilot.press("2")
        await make_whatif(app, pilot, "kyc.reviewers", "100")
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: app.comparison is not None and app.compare_job is None)
        assert app.comparison.remembered == 2  # only the what-if's two replications ran
        await pilot.press("plus")  # a third pair: the baseline's third runs ahead
        await wait_for(pilot, lambda: app.ahead is None and app.ahead_ready == 3)


async def test_a_comparison_stops_the_run_ahead_and_keeps_what_it_finished(tiny: Path) -> None:
    app = SandboxApp(tiny, replications=50, blink=False, run_ahead=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.ahead_ready >= 1)
        ahead = app.ahead
        assert ahead is not None
        await make_whatif(app, pilot, "kyc.reviewers", "100")
        notes: list[str] = []
        app.compare_signal.subscribe(app, lambda _: notes.append(app.compare_progress[1]))
        await pilot.press("ctrl+g")
        assert ahead.stopped and app.ahead is None
        await wait_for(pilot, lambda: any("more remembered, not run again" in n for n in notes))
        await pilot.press("x")


async def test_stopping_a_comparison_leaves_the_app_ready(tiny: Path) -> None:
    app = SandboxApp(tiny, replications=50, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await make_whatif(app, pilot, "kyc.reviewers", "100")
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: app.compare_progress[0] > 0)
        await pilot.press("x")
        assert app.compare_job is None
        await pilot.pause(0.5)
        kept = app.comparison  # only the pairs that finished before the stop
        assert kept is None or len(kept.baseline.replications) < 50
        assert app.check_action("compare", ()) is True


async def test_report_export_writes_markdown_in_words_and_says_where(
    tiny: Path, workdir: Path
) -> None:
    app = SandboxApp(tiny, replications=2, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await make_whatif(app, pilot, "kyc.reviewers", "100")
        await make_whatif(app, pilot, "banks.unlicensed_block_prob", "from 2023: 0.9")
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: app.comparison is not None)
        await pilot.press("m")
        await pilot.pause()
        report = workdir / "runs" / "tiny-whatif-vs-tiny" / "report.md"
        text = report.read_text(encoding="utf-8")
        assert text.startswith("# tiny-whatif vs tiny")
        assert "0.3 → 0.9 from 2023-01-01" in text  # a schedule in words, never a repr
        assert "DatedRule" not in text and "datetime" not in text and "Scheduled" not in text
        assert "| KYC abandoned | people |" in text  # plain KPI names with a unit column
        # Every KPI has its row, significant or not; the significant ones carry a ★.
        assert app.comparison is not None
        rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
        changes = app.comparison.changes
        assert len(rows) == 1 + len(changes)  # the header, then one row per KPI
        for name, change in changes.items():
            mark = " ★" if change.significant else ""
            assert any(row.startswith(f"| {short_label(name)}{mark} |") for row in rows), name
        # What changed answers the headline KPIs, significant or not, as the screen does.
        said = text.split("## What changed", 1)[1].split("## All KPIs", 1)[0]
        for name in ("licensed_share", "capital_outflow_kzt", "kyc_wait_mean_h"):
            assert f"- {short_label(name)}" in said, name
            assert f"{short_label(name)}" in str(app.screen.query_one("#compare-summary").render())
        assert any(str(report.relative_to(workdir)) in str(n.message) for n in app._notifications)


async def test_compare_charts_at_120x40_are_tall_with_a_legend_for_each_side(tiny: Path) -> None:
    app = SandboxApp(tiny, replications=2, blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await make_whatif(app, pilot, "channel.licensed_awareness", "0.6")
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: app.comparison is not None and app.compare_job is None)
        chart = app.screen.query_one("#cmp-outflow", SeriesChart)
        await wait_for(pilot, lambda: chart.drawn)
        assert chart.size.height >= 12  # was five rows at 120x40
        drawing = str(chart.render())
        assert "baseline" in drawing and "what-if" in drawing  # the legend
        assert "•" in drawing  # the what-if's line is dotted: it reads apart where they overlap


async def test_a_comparison_of_two_run_lengths_runs_both_over_the_whatifs_horizon(
    tiny: Path,
) -> None:
    app = SandboxApp(tiny, replications=2, blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await make_whatif(app, pilot, "run.days", "30")
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: app.comparison is not None)
        assert app.comparison.baseline.scenario.run.days == 30
        assert app.comparison.baseline.scenario.name == "tiny"
        assert app.comparison.reform.scenario.run.days == 30
        assert app.compare_aligned and "30 days" in app.compare_aligned
        assert any("30 days" in str(n.message) for n in app._notifications)
        change = app.comparison.changes["applicants"]
        assert change.difference.mean == 0  # the same world over the same days: no change


async def test_a_comparison_of_two_scales_runs_both_at_the_whatifs_scale(tiny: Path) -> None:
    app = SandboxApp(tiny, replications=2, blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        scale = app.session.baseline.population.scale_factor
        await make_whatif(app, pilot, "population.scale_factor", f"{scale * 2:g}")
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: app.comparison is not None)
        assert app.comparison.baseline.scenario.population.scale_factor == scale * 2
        assert app.compare_aligned and f"one agent for {scale * 2:g} people" in app.compare_aligned
        change = app.comparison.changes["applicants"]
        assert change.difference.mean == 0  # the scale is not a policy: the same world


async def test_compare_shows_the_change_so_far_as_pairs_finish_and_stop_keeps_them(
    tiny: Path,
) -> None:
    app = SandboxApp(tiny, replications=40, workers=1, blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await make_whatif(app, pilot, "channel.licensed_awareness", "0.6")
        await pilot.press("ctrl+g")
        job = app.compare_job
        assert job is not None
        await wait_for(
            pilot, lambda: job.partial is not None and len(job.partial.baseline.replications) >= 2
        )
        table = app.screen.query_one("#compare-table", DataTable)
        await wait_for(pilot, lambda: table.row_count > 0)  # before the comparison is done
        assert "[" in str(table.get_row("licensed_share")[-1])  # with a CI
        note = str(app.screen.query_one("#compare-note").render())
        assert "so far" in note and "x stops" in note
        await pilot.press("x")
        await pilot.pause()
        assert app.comparison is not None
        kept = len(app.comparison.baseline.replications)
        assert 2 <= kept < 40
        assert f"{kept} of 40" in str(app.screen.query_one("#compare-note").render())
        assert table.row_count > 0


def test_the_time_left_never_reads_about_nothing() -> None:
    assert time_left(None) == ""  # no estimate before a rate
    assert time_left(0.45) == ", almost done"  # it rounded to "about 0 s left"
    assert time_left(0.6) == ", about 1 s left"
    assert time_left(125) == ", about 2 min 05 s left"


def test_partial_comparisons_grow_pair_by_pair_and_end_as_the_whole() -> None:
    from sim import compare, load_scenario
    from tests.tui.conftest import BASELINE, TINY

    base = load_scenario(BASELINE, TINY)
    reform = load_scenario(BASELINE, [*TINY, "kyc.reviewers=100"])
    seen: list[int] = []
    whole = compare(
        base, reform, 3, workers=1, on_pairs=lambda c: seen.append(len(c.baseline.replications))
    )
    assert seen == [1, 2, 3]
    assert [r.replication for r in whole.baseline.replications] == [0, 1, 2]
    assert whole.reform.scenario.kyc.reviewers == 100


async def test_compare_table_names_kpis_in_plain_words_and_fits_80_columns(tiny: Path) -> None:
    app = SandboxApp(tiny, replications=2, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await make_whatif(app, pilot, "kyc.reviewers", "100")
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: app.comparison is not None and app.compare_job is None)
        table = app.screen.query_one("#compare-table", DataTable)
        await wait_for(pilot, lambda: "capital_outflow_kzt" in table.rows)
        assert str(table.get_row("capital_outflow_kzt")[0]).strip() == "Capital outflow (KZT)"
        assert str(table.get_row("kyc_abandoned")[1]).replace(",", "").isdigit()  # whole people
        width = sum(c.get_render_width(table) for c in table.columns.values())
        assert width <= table.size.width  # no column is cut off to the right


async def test_while_the_first_pair_runs_compare_shows_progress_and_what_is_compared(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sim.experiment

    held, real = threading.Event(), sim.experiment.run_replication

    def first_pair_held(*args, **kwargs):  # type: ignore[no-untyped-def]
        held.wait(30)  # the first pair runs until the test has looked at the screen
        return real(*args, **kwargs)

    monkeypatch.setattr(sim.experiment, "run_replication", first_pair_held)
    app = SandboxApp(tiny, replications=3, workers=1, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await make_whatif(app, pilot, "kyc.reviewers", "100")
        await pilot.press("ctrl+g")
        job = app.compare_job
        assert job is not None
        await wait_for(pilot, lambda: app.screen.query_one("#compare-waiting").display)
        assert job.partial is None  # still in the first pair
        waiting = str(app.screen.query_one("#compare-waiting").render())
        assert "None of the 3 pairs" in waiting and "kyc.reviewers: 50 → 100" in waiting
        held.set()
        await wait_for(pilot, lambda: job.fraction > 0)
        app.screen.show_comparison()  # type: ignore[attr-defined]
        assert "so far" in str(app.screen.query_one("#compare-note").render())
        await pilot.press("x")
        await wait_for(pilot, lambda: app.compare_job is None)
        assert not app.screen.query_one("#compare-waiting").display


@pytest.mark.skipif(
    os.nice(0) + NICENESS > 19, reason="this process already runs at a low priority"
)
async def test_the_tuis_comparison_workers_run_below_the_apps_priority(workdir: Path) -> None:
    # the CLI's run at the caller's own: tests/sim/test_comparison_statistics.py
    path = workdir / "sixty.yaml"  # replications long enough to be seen running
    sixty = load_scenario(BASELINE, ["run.days=60", "name=sixty"])
    path.write_text(dump_yaml(sixty), encoding="utf-8")
    app = SandboxApp(path, replications=2, workers=2, blink=False)
    workers = WorkerNiceness()
    async with app.run_test(size=(120, 40)) as pilot:
        await make_whatif(app, pilot, "kyc.reviewers", "100")
        app.compare_signal.subscribe(app, workers.look)
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: app.comparison is not None, timeout=60)
    assert len(workers.seen) == 2
    assert all(niceness > os.nice(0) for niceness in workers.seen.values()), workers.seen


def test_a_comparisons_changes_are_worked_out_in_its_worker_not_by_the_screen_showing_them() -> (
    None
):
    """The KPIs' changes of 8 pairs took 20-25 ms to work out: not the UI thread's to do."""
    from tests.tui.conftest import TINY

    base = load_scenario(BASELINE, TINY)
    reform = load_scenario(BASELINE, [*TINY, "kyc.reviewers=100"])
    posted: list[object] = []
    app = SimpleNamespace(post_message=posted.append)
    job = ComparisonJob(app, 1, base, reform, 3, workers=1)
    partials: list[Comparison] = []
    pairs = job._pairs
    job._pairs = lambda partial: (pairs(partial), partials.append(partial))  # type: ignore[method-assign]
    with patch("tui.comparer.get_current_worker", return_value=None):
        job.run()
    (finished,) = [m for m in posted if isinstance(m, ComparisonFinished)]
    assert finished.comparison is not None and len(partials) == 3
    for comparison in [*partials, finished.comparison]:
        assert "changes" in vars(comparison)  # worked out already


async def test_coming_back_to_compare_redraws_no_text_that_did_not_change(tiny: Path) -> None:
    """Each update of a text is parsed and drawn again: that was most of a switch to Compare."""
    app = SandboxApp(tiny, replications=2, blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await make_whatif(app, pilot, "channel.licensed_awareness", "0.6")
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: app.comparison is not None)
        await pilot.pause(0.2)
        updated: list[object] = []
        for text in app.screen.query(Static):
            record_calls(text, "update", updated, text.id)
        await pilot.press("1", "4", "5", "4")
        await pilot.pause(0.2)
        assert updated == []
