"""The what-if workbench: a Textual app over `sim`, a screen per mode, workers for the runs."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import BindingType
from textual.screen import Screen
from textual.signal import Signal
from textual.widget import AwaitMount

from sim import Comparison, RunResult, Scenario, ScenarioError, Snapshot
from sim.files import find_scenario
from sim.library import library_root
from sim.remembered import Remembered
from sim.shocks import TITLES
from sim.size import check_size
from sim.workshop.lessons import Lesson, find_lesson
from tui.commands import APP_BINDINGS, COMMANDS
from tui.comparer import ComparisonJob, RunAheadJob
from tui.exports import (
    export_comparison,
    export_report,
    export_run,
    export_scenario,
    keep_for_debrief,
)
from tui.messages import (
    BaselineAhead,
    ComparisonFinished,
    ComparisonProgressed,
    RunStateChanged,
    SnapshotPosted,
)
from tui.recorder import record_comparison, record_run
from tui.runner import SPEEDS, SimulationRunner, warm_up
from tui.screens import MODES
from tui.screens.save import SaveScreen
from tui.session import DEFAULT_SCENARIO, Session, check_edits, failure
from tui.widgets.toasts import TOAST_STRIP_CSS
from tui.workshop.join import JoinScreen
from tui.workshop.lesson import (
    LESSON_BINDINGS,
    LESSON_COMMANDS,
    LessonPanel,
    load_answers,
    save_answers,
)
from tui.workshop.room import SESSION_ENV, Room
from tui.workshop.shocks import SHOCK_BINDINGS, SHOCK_COMMANDS, ShockScreen

ACTIVE = frozenset({"starting", "running", "paused"})

HANGUP_CHECK_S = 1.0
"""How often the app looks whether its terminal is still there (`_check_terminal`)."""

GC_THRESHOLDS = (700, 10, 100)
"""The UI process's garbage collection thresholds (`gc.set_threshold`)."""


class SandboxApp(App[None]):
    """Exchange Sandbox: open a scenario, change a lever, run it beside the baseline."""

    TITLE = "Exchange Sandbox"
    CSS_PATH = "app.tcss"
    CSS = TOAST_STRIP_CSS
    MODES = MODES
    BINDINGS: ClassVar[list[BindingType]] = [*APP_BINDINGS, *LESSON_BINDINGS, *SHOCK_BINDINGS]
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (120, "-wide")]  # type: ignore[misc]
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-short"), (36, "-tall")]  # type: ignore[misc]

    def __init__(
        self,
        scenario: str | Path | None = None,
        workers: int | None = None,
        replications: int = 5,
        start_mode: str = "editor",
        blink: bool = True,
        workshop: Path | None = None,
        max_runs: int | None = None,
        lesson: Lesson | None = None,
        run_ahead: bool = False,
    ) -> None:
        super().__init__()
        self.blink = blink
        self.lesson = lesson
        self.lesson_answers = load_answers(lesson) if lesson is not None else []
        if lesson is not None and scenario is None:
            scenario = lesson.scenario_path.resolve()
        path = find_scenario(scenario) if scenario else default_scenario()
        path = path.resolve() if workshop is not None else path
        self.room = Room(workshop, max_runs, os.environ.get(SESSION_ENV, ""), path)
        if lesson is not None and path == lesson.scenario_path:
            self.session = Session.baseline_of(path)  # the lesson's world is the baseline
        else:
            self.session = Session.open(path)
        self.session.owner = self.room.owner
        self.runner = SimulationRunner(self, self.room.slots)
        warm_up()
        self.run_state = self.runner.state()
        self.snapshot: Snapshot | None = None
        self.recent: tuple[Any, ...] = ()
        self.shock_marks: dict[int, str] = {}
        """Day -> title of the shocks fired in the current run (marked on the charts)."""
        self.compare_workers = 1 if workshop is not None else workers
        self.replications = replications
        self.comparison: Comparison | None = None
        self.compare_job: ComparisonJob | None = None
        self.remembered = Remembered(folder=self.room.replications)
        """Replications this session has run, by scenario: comparing against the same baseline
        again runs only the what-if's side. In a workshop the baselines' are the room's."""
        self.runs_ahead = run_ahead and workshop is None
        """Whether the baseline's replications run while the user edits (`RunAheadJob`); not in a
        workshop, whose participants share the machine (and a room's baseline runs once)."""
        self.ahead: RunAheadJob | None = None
        self.ahead_ready = 0
        """The baseline's replications remembered by the run-ahead so far."""
        self.compare_progress: tuple[float, str] = (0.0, "")
        self.compare_error: str | None = None
        self.compare_aligned: str | None = None
        """Why the baseline runs another horizon than its own in this comparison (or None)."""
        self.validating = False
        self._job_ids = 0
        self._start_mode = start_mode
        self.session_signal: Signal[bool] = Signal(self, "session")
        self.run_signal: Signal[None] = Signal(self, "run")
        self.compare_signal: Signal[None] = Signal(self, "compare")
        self.history_signal: Signal[None] = Signal(self, "history")
        """A run or comparison was added to the run history (the History screen reloads)."""
        self._recorded: set[int] = set()
        self._built_modes: set[str] = set()
        self._switching_to_built = False
        self._terminal: int | None = None
        """The terminal the app reads its keys from, while it is watched (`_check_terminal`)."""

    def switch_mode(self, mode: str) -> AwaitMount:
        """Show the screen of `mode`, at once when it was shown before.

        Textual holds the screen back for 50 ms on every switch (`delay_update`) so as not to show
        a screen half built; a mode's screen is built once and kept, so from the second time on
        there is nothing to hide, and a key that changes screen is answered within a frame.
        """
        self._switching_to_built = mode in self._built_modes
        self._built_modes.add(mode)
        try:
            return super().switch_mode(mode)
        finally:
            self._switching_to_built = False

    def delay_update(self, delay: float = 0.05) -> None:
        if not self._switching_to_built:
            super().delay_update(delay)

    def on_mount(self) -> None:
        sys.setswitchinterval(0.0005)  # hand the GIL back to the UI thread quickly
        # Full collections ten times rarer: at Python's default (700, 10, 10) one came every few
        # seconds while a run or a comparison ran (the objects each frame and snapshot make live
        # long enough to be promoted) and took 20-80 ms, holding up whatever key came then.
        # Young collections are as before (a larger first threshold made each take 5-20 ms).
        gc.set_threshold(*GC_THRESHOLDS)
        self.switch_mode(self._start_mode)
        self.run_ahead()
        self._terminal = None if self.is_headless else _terminal()
        if self._terminal is not None:
            self.set_interval(HANGUP_CHECK_S, self._check_terminal)
        if self.room.needs_name:
            self.push_screen(JoinScreen(), self._joined)

    def _joined(self, name: str | None) -> None:
        """The participant gave their name: from now on they work in their own space."""
        if not name:
            return
        space = self.room.join(name)
        self.session.owner = self.room.owner
        if self.lesson is not None:
            self.lesson_answers = load_answers(self.lesson)
        self.sub_title = space.display
        self.set_interval(1.0, self._room_shocks)
        self.session_signal.publish(False)
        self.notify(f"Your what-ifs and runs are kept in {space.root}", title=space.display)

    def _room_shocks(self) -> None:
        """Fire the shocks the facilitator sent to the whole room since the last look."""
        for shock in self.room.new_shocks():
            title = TITLES[shock["kind"]]
            if self.runner.fire_shock(shock["kind"], f"fired live by {shock['by']} (to the room)"):
                self.notify(f"{title}: fired into your run by {shock['by']}", title="Shock")
            else:
                self.notify(
                    f"{shock['by'].capitalize()} fired a {title} into the room's running "
                    "simulations; yours is not running.",
                    title="Shock",
                )

    def _check_terminal(self) -> None:
        """Quit when the terminal the app runs in has gone (its window closed, the SSH
        connection dropped). Textual quits on the hangup signal, but only the terminal's session
        leader gets it: under `make run` that is make, which waits for the app, while the app's
        input thread spins on the closed terminal at most of a core, for good."""
        if self._terminal is not None and not os.isatty(self._terminal):
            self._terminal = None
            self.exit()

    def on_unmount(self) -> None:
        """End the simulation's process and the comparison with the app."""
        self.runner.close()
        if self.compare_job is not None:
            self.compare_job.stop()
        if self.ahead is not None:
            self.ahead.stop()

    # --- the session ---------------------------------------------------------------------------

    def open_scenario(self, path: Path, mode: str = "editor") -> bool:
        """Make `path` the scenario in hand (a saved what-if reopens on its baseline)."""
        try:
            self.session = Session.open(path)
            self.session.owner = self.room.owner
        except ScenarioError as error:
            self.notify(
                "\n".join(error.problems[:5]), title=f"Cannot open {path}", severity="error"
            )
            return False
        self.session_signal.publish(True)
        self.refresh_bindings()
        self.run_ahead()
        self.notify(f"Opened {path}", title=self.session.default_name())
        self.switch_mode(mode)
        return True

    def edit(self, path: str, text: str) -> None:
        """Record what was typed in a field and validate the edits shortly after."""
        if not self.session.set_text(path, text):
            return
        self.validating = True
        self.session_signal.publish(False)
        edits, base = dict(self.session.edits), self.session.base_path
        checked = self._checkable(edits)
        self.run_worker(
            lambda: self.call_from_thread(self._validated, base, edits, check_edits(base, checked)),
            group="validate",
            thread=True,
            exit_on_error=False,
        )

    def _validated(self, base: Path, edits: dict[str, str], result: Any) -> None:
        if base != self.session.base_path or edits != self.session.edits:
            return  # a newer edit is being validated
        self.validating = False
        self.session.apply(*result)
        self._refuse_file_fields()
        self.session_signal.publish(False)
        self.refresh_bindings()

    def validate_now(self) -> bool:
        """Validate the edits here and now (before running what was just typed)."""
        session = self.session
        session.apply(*check_edits(session.base_path, self._checkable(dict(session.edits))))
        self._refuse_file_fields()
        self.validating = False
        self.session_signal.publish(False)
        self.refresh_bindings()
        return session.valid

    def _checkable(self, edits: dict[str, str]) -> dict[str, str]:
        """The edits to validate: in a workshop, not those naming a file (`_refuse_file_fields`
        refuses them), so that validating reads none (a replayed price file is read when a
        scenario loads)."""
        return {path: text for path, text in edits.items() if not self.room.refuses(path)}

    def _refuse_file_fields(self) -> None:
        """In a workshop, an edit that names a file is a problem at its field (nothing is read)."""
        for path in self.session.edits:
            why = self.room.refuses(path)
            if why:
                self.session.problems[path] = why
                self.session.whatif = None

    def action_reset_edits(self) -> None:
        self.session.reset()
        self.validate_now()
        self.session_signal.publish(True)

    def action_save_as(self) -> None:
        if not self.validate_now():
            self.notify("Fix the values marked ✗ before saving.", severity="warning")
            return

        def saved(name: str | None) -> None:
            if not name:
                return
            try:
                path = self.session.save(name)
            except (OSError, ValueError) as error:
                self.notify(failure(error), title="Not saved", severity="error", timeout=12)
                return
            self.session_signal.publish(False)
            self.notify(f"Saved the what-if to {path}", title="Saved")
            self.call_after_refresh(self._leave_fields)

        self.push_screen(SaveScreen(self.session.default_name()), saved)

    def _leave_fields(self) -> None:
        """After a save, focus leaves the field, so the next key (1-7, ctrl+g…) is a command."""
        sections = self.screen.query("#sections")
        if sections:
            sections.first().focus()
        elif self.focused is not None and self.focused.has_class("field-input"):
            self.set_focus(None)

    # --- running -------------------------------------------------------------------------------

    def action_run_restart(self) -> None:
        self.action_run_start()

    def action_run_start(self) -> None:
        if not self.validate_now() or self.session.whatif is None:
            self.notify("Fix the values marked ✗ in the Editor first.", severity="warning")
            return
        if not self.fits(self.session.whatif):
            return
        self.snapshot, self.recent, self.shock_marks = None, (), {}
        self.runner.start(self.session.whatif)
        self.switch_mode("dashboard")

    def fits(self, *scenarios: Scenario) -> bool:
        """True when each scenario is small enough to run here (`sim.size`); else say what to
        change, before anything starts."""
        problems = [f"{s.name}: {p}" for s in scenarios for p in check_size(s, option=None)]
        if problems:
            self.notify(
                "\n".join(problems[:2]), title="Too big to run", severity="error", timeout=20
            )
        return not problems

    def action_pause(self) -> None:
        self.runner.pause()

    def action_resume(self) -> None:
        self.runner.resume()

    def action_step(self) -> None:
        if self.runner.status not in ACTIVE and self.session.whatif is not None:
            if not self.fits(self.session.whatif):
                return
            self.snapshot, self.recent, self.shock_marks = None, (), {}
            self.runner.start(self.session.whatif, paused=True)
        self.runner.step(1)

    def action_stop(self) -> None:
        self.runner.stop()

    def action_faster(self) -> None:
        self.runner.change_speed(1)

    def action_slower(self) -> None:
        self.runner.change_speed(-1)

    def on_snapshot_posted(self, message: SnapshotPosted) -> None:
        if message.state.run_id != self.runner.state().run_id:
            return
        self.snapshot, self.recent = message.snapshot, message.recent
        self.shock_marks = message.shocks
        self.run_state = self.runner.state()
        self.run_signal.publish(None)

    def on_run_state_changed(self, message: RunStateChanged) -> None:
        if message.state.run_id != self.runner.state().run_id:
            return
        self.run_state = message.state
        if message.state.status == "failed":
            self.notify(
                message.state.error or "unknown error", title="The run failed", severity="error"
            )
        self.refresh_bindings()
        self.run_signal.publish(None)
        if message.state.status == "finished" and message.state.run_id not in self._recorded:
            self._recorded.add(message.state.run_id)
            self._remember(lambda: self._finished_run(message.state.run_id))

    def _finished_run(self, run_id: int) -> RunResult | None:
        """The finished run's result, asked of its process (None if another run replaced it)."""
        result = self.runner.result()
        return result if self.runner.state().run_id == run_id else None

    # --- the run history -------------------------------------------------------------------------

    def _remember(self, result: Callable[[], RunResult | Comparison | None]) -> None:
        """Record a finished run or comparison in the run history, in a worker thread (outside a
        workshop: a participant's space is all they write to)."""
        if self.room.workshop is not None:
            return

        def work() -> None:
            try:
                found = result()
                if isinstance(found, RunResult):
                    record_run(found)
                elif isinstance(found, Comparison):
                    record_comparison(found)
                else:
                    return
            except Exception as error:  # the history is a convenience: warn, never crash
                self.call_from_thread(
                    self.notify,
                    failure(error),
                    title="Not recorded in the run history",
                    severity="warning",
                )
                return
            self.call_from_thread(self.history_signal.publish, None)

        self.run_worker(work, group="history", thread=True, exit_on_error=False)

    # --- comparing -----------------------------------------------------------------------------

    def action_compare(self) -> None:
        if not self.validate_now() or self.session.whatif is None:
            self.notify("Fix the values marked ✗ in the Editor first.", severity="warning")
            return
        if self.compare_job is not None:
            self.compare_job.stop()
        if self.ahead is not None:  # what it finished is remembered; the comparison runs the rest
            self.ahead.stop()
            self.ahead = None
        self._job_ids += 1
        baseline, self.compare_aligned = self.session.aligned_baseline()
        if not self.fits(baseline, self.session.whatif):
            return
        if self.compare_aligned:
            self.notify(
                self.compare_aligned, title="Same horizon and scale on both sides", timeout=8
            )
        job = self.compare_job = ComparisonJob(
            self,
            self._job_ids,
            baseline,
            self.session.whatif,
            self.replications,
            self.compare_workers,
            self.room.slots,
            self.remembered,
        )
        self.compare_progress, self.compare_error = (0.0, "starting"), None
        self.run_worker(
            job.run, name="comparison", group="compare", thread=True, exit_on_error=False
        )
        self.refresh_bindings()
        self.compare_signal.publish(None)
        self.switch_mode("compare")

    def action_stop_compare(self) -> None:
        """Stop the comparison; the pairs of replications already finished stay on screen."""
        job = self.compare_job
        if job is not None:
            job.stop()
            self.compare_job = None
            kept = job.partial
            if kept is not None and kept.baseline.replications:
                self.comparison = kept
                count = len(kept.baseline.replications)
                note = f"stopped: showing the {count} of {job.replications} pairs that finished"
            else:
                note = "stopped before a pair of replications finished"
            self.compare_progress = (job.fraction, note)
            self.refresh_bindings()
            self.compare_signal.publish(None)

    def action_replications(self, delta: int) -> None:
        self.replications = max(2, min(50, self.replications + delta))
        self.refresh_bindings()
        self.compare_signal.publish(None)
        self.run_ahead()

    def run_ahead(self) -> None:
        """Run the baseline's replications while the user edits (`RunAheadJob`), unless this app
        does not, a comparison runs, or they are being run already."""
        baseline, ahead = self.session.baseline, self.ahead
        if not self.runs_ahead or self.compare_job is not None:
            return
        if ahead is not None:
            if ahead.baseline is baseline and ahead.replications >= self.replications:
                return
            ahead.stop()
        if check_size(baseline, option=None):
            return  # too big to run here: a comparison would say so
        self._job_ids += 1
        self.ahead = RunAheadJob(
            self,
            self._job_ids,
            baseline,
            self.replications,
            self.remembered,
            self.compare_workers,
        )
        self.ahead_ready = 0
        self.run_worker(self.ahead.run, group="run-ahead", thread=True, exit_on_error=False)

    def on_baseline_ahead(self, message: BaselineAhead) -> None:
        if self.ahead is None or message.job_id != self.ahead.job_id:
            return
        self.ahead_ready = message.ready
        if not message.running:
            self.ahead = None
        if message.error:
            self.notify(message.error, title="The baseline's run-ahead stopped", severity="warning")
        self.compare_signal.publish(None)

    def on_comparison_progressed(self, message: ComparisonProgressed) -> None:
        if self.compare_job is not None and message.job_id == self.compare_job.job_id:
            self.compare_progress = (message.fraction, message.note)
            self.compare_signal.publish(None)

    def on_comparison_finished(self, message: ComparisonFinished) -> None:
        if self.compare_job is None or message.job_id != self.compare_job.job_id:
            return
        self.compare_job = None
        self.compare_error = message.error
        if message.comparison is not None:
            self.comparison = message.comparison
            self.compare_progress = (1.0, "done")
            if not message.stopped:
                comparison = message.comparison
                self._remember(lambda: comparison)
            if self.room.space is not None:  # a workshop keeps every comparison for the debrief
                comparison = message.comparison
                self._in_thread(lambda: keep_for_debrief(comparison))
        if message.error:
            self.notify(message.error, title="The comparison failed", severity="error")
        self.refresh_bindings()
        self.compare_signal.publish(None)

    # --- exports -------------------------------------------------------------------------------

    def _written(self, what: str, paths: Iterable[Path]) -> None:
        paths = list(paths)
        folders = {p.parent for p in paths}
        if len(paths) > 1 and len(folders) == 1:  # one line, so the toast covers little
            listing = f"{folders.pop()}/: " + ", ".join(p.name for p in paths)
        else:
            listing = "\n".join(str(p) for p in paths)
        self.notify(listing, title=f"Wrote {what}", timeout=8)

    def _in_thread(self, work: Callable[[], object]) -> None:
        def guarded() -> None:
            try:
                work()
            except Exception as error:  # report, never crash
                self.call_from_thread(
                    self.notify, failure(error), title="Export failed", severity="error"
                )

        self.run_worker(guarded, group="export", thread=True, exit_on_error=False)

    def action_export_results(self) -> None:
        def work() -> None:
            result = self.runner.result()
            if result is not None:
                paths = export_run(result)
                self.call_from_thread(self._written, "the run's results", paths)

        self._in_thread(work)

    def action_export_scenario(self) -> None:
        scenario = self.session.whatif or self.session.baseline
        self._write_now("the scenario", lambda: [export_scenario(scenario)])

    def action_export_report(self) -> None:
        comparison = self.comparison
        if comparison is not None:
            self._write_now("the comparison report", lambda: [export_report(comparison)])

    def _write_now(self, what: str, write: Callable[[], list[Path]]) -> None:
        """A small export, written at once; a failure is a message, never a crash."""
        try:
            paths = write()
        except Exception as error:  # report, never crash
            self.notify(failure(error), title="Export failed", severity="error", timeout=12)
            return
        self._written(what, paths)

    def action_export_comparison(self) -> None:
        comparison = self.comparison
        if comparison is not None:
            self._in_thread(
                lambda: self.call_from_thread(
                    self._written, "the comparison's results", export_comparison(comparison)
                )
            )

    # --- view ----------------------------------------------------------------------------------

    def action_toggle_dark(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    def action_shock_menu(self) -> None:
        def chosen(kind: str | None) -> None:
            if kind:
                self.action_fire_shock(kind)

        self.push_screen(ShockScreen(), chosen)

    def action_fire_shock(self, kind: str) -> None:
        who = self.room.space.display if self.room.space is not None else "the facilitator"
        if self.runner.fire_shock(kind, f"fired live by {who}"):
            self.notify(f"{kind.replace('_', ' ')}: fired into the run", title="Shock")
            if self.runner.paused:
                self.notify("The run is paused: step a day (n) to see the shock.")
        else:
            self.notify("Start a run first: shocks are fired into a running simulation.")

    def action_toggle_lesson(self) -> None:
        if self.current_mode != "dashboard":
            self.switch_mode("dashboard")
            return
        for panel in self.screen.query(LessonPanel):
            panel.display = not panel.display

    def save_lesson_answers(self) -> None:
        """Keep the answers typed so far with the participant's runs."""
        if self.lesson is not None:
            who = self.room.space.display if self.room.space is not None else self.room.owner
            save_answers(self.lesson, self.lesson_answers, who)

    def action_toggle_keys(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    # --- which actions apply now ----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        status, session = self.runner.status, self.session
        ready = True if session.valid else None
        rules: dict[str, Callable[[], bool | None]] = {
            "run_start": lambda: ready if status not in ACTIVE else False,
            "run_restart": lambda: ready,
            "pause": lambda: status in {"running", "starting"} and not self.runner.paused,
            "resume": lambda: status == "paused",
            "step": lambda: status == "paused" or (status not in ACTIVE and session.valid),
            "stop": lambda: status in ACTIVE,
            "faster": lambda: self.runner.speed_index < len(SPEEDS) - 1,
            "slower": lambda: self.runner.speed_index > 0,
            "save_as": lambda: ready if session.is_whatif else False,
            "reset_edits": lambda: session.is_whatif,
            "compare": lambda: (
                (ready if self.compare_job is None else False) if session.is_whatif else False
            ),
            "stop_compare": lambda: self.compare_job is not None,
            "replications": lambda: (
                self.compare_job is None and 2 <= self.replications + int(str(parameters[0])) <= 50
                if parameters
                else True
            ),
            "export_results": lambda: self.runner.has_run and status != "running",
            "export_report": lambda: self.comparison is not None,
            "export_comparison": lambda: self.comparison is not None,
            "toggle_lesson": lambda: self.lesson is not None,
            "shock_menu": lambda: status in ACTIVE,
            "fire_shock": lambda: status in ACTIVE,
        }
        rule = rules.get(action)
        return rule() if rule is not None else True

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for command in (*COMMANDS, *LESSON_COMMANDS, *SHOCK_COMMANDS):
            name = command.action.split("(")[0]
            params = self._params(command.action)
            if self.check_action(name, params):
                yield SystemCommand(
                    command.title, command.help, lambda a=command.action: self.run_action(a)
                )

    @staticmethod
    def _params(action: str) -> tuple[object, ...]:
        if "(" not in action:
            return ()
        inner = action.split("(", 1)[1].rstrip(")")
        try:
            return (int(inner),)
        except ValueError:
            return (inner.strip("'"),)


def default_scenario() -> Path:
    """The baseline: ./configs/aifc_pilot_2022.yaml, or the copy beside the package."""
    return DEFAULT_SCENARIO if DEFAULT_SCENARIO.exists() else library_root() / DEFAULT_SCENARIO.name


def _terminal() -> int | None:
    """The file descriptor of the terminal the app reads its keys from, None if it has none
    (served to a browser, where keys come through a pipe)."""
    stdin = sys.__stdin__
    try:
        fd = stdin.fileno() if stdin is not None else -1
    except (OSError, ValueError):
        return None
    return fd if fd >= 0 and os.isatty(fd) else None


def main(
    scenario: str | None = None,
    workshop: Path | None = None,
    max_runs: int | None = None,
    lesson: str | None = None,
    run_ahead: bool = True,
) -> None:
    """Open the workbench on `scenario` (default: the AIFC pilot baseline, or the lesson's).
    `run_ahead`: run the baseline's replications while the user edits (not in a workshop)."""
    try:
        found = find_lesson(lesson) if lesson else None
        app = SandboxApp(
            scenario, workshop=workshop, max_runs=max_runs, lesson=found, run_ahead=run_ahead
        )
    except (ScenarioError, OSError) as error:
        problems = error.problems if isinstance(error, ScenarioError) else [str(error)]
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        raise SystemExit(2) from None
    app.run()
